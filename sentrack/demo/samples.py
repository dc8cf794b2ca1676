"""Sample CSV files for the demo: classes with their teachers, and pupils in those classes, as a
school would import them into the demo school (the classes first). Generated, fictional, and the
same every time: `write_samples` writes what is committed in `sentrack/demo/samples/`, and a test
checks that the committed files are what it writes.

The pupils' names come from the demo's name lists and describe nobody; their UPNs are valid and
come from an establishment number no demo school allocates from (0000 of the demo authority), so
that the sample adds new pupils; the teachers are the demo school's sign-ins.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from pathlib import Path

from sentrack.demo import names
from sentrack.demo.builder import LA_CODE
from sentrack.workflows.csv_classes import CLASS_COLUMNS
from sentrack.workflows.csv_import import PUPIL_COLUMNS
from sentrack.workflows.upn import check_letter

FOLDER = Path(__file__).parent / "samples"
SEED = 16
# The academic year the sample's year groups are for (the calendar year it begins).
ACADEMIC_YEAR = 2026
ESTABLISHMENT = "0000"

# (class, year group, teachers' emails): the demo school's class teacher, SENCO and head teacher.
CLASSES = [
    ("3 Reading group", 3, ["teacher@demo.test"]),
    ("4 Maths booster", 4, ["teacher@demo.test", "senco@demo.test"]),
    ("5 Nurture group", 5, ["senco@demo.test", "head@demo.test"]),
]
PUPILS_PER_CLASS = 4


def _upn(rest: str) -> str:
    return check_letter(rest) + rest


def _date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _pupil(rng: random.Random, serial: int, class_name: str, year_group: int) -> dict[str, str]:
    group = rng.choice(names.NAME_GROUPS)
    sex = rng.choice("MF")
    first, last = rng.choice(group.men if sex == "M" else group.women), rng.choice(group.surnames)
    cohort = ACADEMIC_YEAR - year_group - 4  # born between 1 September before it and 31 August
    born = date(cohort - 1, 9, 1) + timedelta(days=rng.randrange(365))
    reception = date(cohort + 4, 9, 1)
    reception_year = f"{(cohort + 4) % 100:02d}"
    row = {
        "upn": _upn(f"{LA_CODE}{ESTABLISHMENT}{reception_year}{serial:03d}"),
        "last_name": last,
        "first_name": first,
        "preferred_name": names.PREFERRED_NAMES.get(first, ""),
        "date_of_birth": _date(born),
        "sex": sex,
        "year_group": str(year_group),
        "admitted_on": _date(reception),
        "classes": class_name,
    }
    if serial % 5 == 0:  # a pupil who held a temporary UPN before their permanent one
        row["former_upn"] = _upn(f"{LA_CODE}{ESTABLISHMENT}{reception_year}{serial % 100:02d}T")
    return row


def pupil_rows() -> list[dict[str, str]]:
    rng = random.Random(SEED)
    rows, serial = [], 100
    for class_name, year_group, _ in CLASSES:
        for _ in range(PUPILS_PER_CLASS):
            serial += 1
            rows.append(_pupil(rng, serial, class_name, year_group))
    rows[0]["classes"] = f"{CLASSES[0][0]}; {CLASSES[1][0]}"  # a pupil in two groups
    return rows


def _csv(columns, rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([column.label for column in columns])
    writer.writerows([row.get(column.key, "") for column in columns] for row in rows)
    return buffer.getvalue()


def sample_files() -> dict[str, str]:
    """The sample files by name, as text."""
    # The sample's groups are teaching groups: their pupils keep their registration classes.
    classes = [
        {"name": name, "year_group": str(year), "teachers": "; ".join(emails), "kind": "Teaching"}
        for name, year, emails in CLASSES
    ]
    return {"classes.csv": _csv(CLASS_COLUMNS, classes), "pupils.csv": _csv(PUPIL_COLUMNS, pupil_rows())}


def write_samples(folder: Path = FOLDER) -> list[Path]:
    """Write the sample files into `folder` (UTF-8); answer their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in sample_files().items():
        path = folder / name
        path.write_text(text, encoding="utf-8", newline="")
        written.append(path)
    return written
