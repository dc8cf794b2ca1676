"""Time the import of a Common Transfer File of 2,000 pupils (BENCH_CTF_PUPILS) into the demo's
first school: its preview, its confirmation, the preview of the same file again (every pupil
unchanged), and the file of the next September (every pupil a year up, so every one changed)
previewed and confirmed. All in one transaction that is rolled back, so the bench can run again on the same
data. Prints one line of JSON: counts and seconds, never a pupil's details.

Run by bench/run.py with the bench configuration and SENTRACK_TODAY set to the demo's date.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentrack import create_app  # noqa: E402
from sentrack.clock import today  # noqa: E402
from sentrack.extensions import db  # noqa: E402
from sentrack.models import ImportKind, School  # noqa: E402
from sentrack.workflows import imports  # noqa: E402
from tests.ctf_samples import many_pupils  # noqa: E402

# UPNs far from any the demo gives, so that every pupil of the file is new to the whole authority.
FIRST_NUMBER = 900_000_001


def timed(step) -> tuple[object, float]:
    started = time.perf_counter()
    value = step()
    db.session.flush()
    return value, round(time.perf_counter() - started, 2)


def preview(school: School, data: bytes):
    return imports.preview(
        db.session, actor=None, school=school, kind=ImportKind.CTF, file_name="bench.xml", data=data, today=today()
    )


def year_up(data: bytes) -> bytes:
    """The same file with every pupil a year further on."""
    return re.sub(
        rb"<NCyearActual>(\d+)</NCyearActual>", lambda m: b"<NCyearActual>%d</NCyearActual>" % (int(m[1]) + 1), data
    )


def main() -> None:
    pupils = int(os.environ.get("BENCH_CTF_PUPILS") or 2000)
    app = create_app()
    with app.app_context():
        school = db.session.scalar(sa.select(School).order_by(School.id).limit(1))
        data = many_pupils(pupils, dest=(None, None, school.urn), first=FIRST_NUMBER)
        batch, preview_seconds = timed(lambda: preview(school, data))
        _, confirm_seconds = timed(lambda: imports.confirm(db.session, actor=None, batch=batch, today=today()))
        again, again_seconds = timed(lambda: preview(school, data))
        later, later_seconds = timed(lambda: preview(school, year_up(data)))
        _, later_confirm_seconds = timed(lambda: imports.confirm(db.session, actor=None, batch=later, today=today()))
        counts, again_counts, later_counts = dict(batch.counts), dict(again.counts), dict(later.counts)
        db.session.rollback()
        print(
            json.dumps(
                {
                    "pupils": pupils,
                    "file_bytes": len(data),
                    "preview": {"seconds": preview_seconds, "counts": counts},
                    "confirm": {"seconds": confirm_seconds},
                    "total_seconds": round(preview_seconds + confirm_seconds, 2),
                    "again": {"seconds": again_seconds, "counts": again_counts},
                    "year_up": {
                        "preview_seconds": later_seconds,
                        "confirm_seconds": later_confirm_seconds,
                        "counts": later_counts,
                    },
                }
            )
        )


if __name__ == "__main__":
    main()
