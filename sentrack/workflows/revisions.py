"""Optimistic locking with a memory: each save of a plan, outcome or review bumps its version and
keeps a snapshot, so that someone saving over a newer version is told exactly what changed, by
whom and when, and loses nothing of what they typed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import User
from sentrack.models.cycles import RecordRevision
from sentrack.workflows import RuleBroken


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def display(value: Any) -> str:
    """A saved value as a person reads it: dates in words, labels for codes, yes or no."""
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    label = getattr(value, "label", None)
    return str(label if label is not None else value)


def snapshot(record: Any, fields: dict[str, str]) -> dict[str, Any]:
    return {name: _plain(getattr(record, name)) for name in fields}


@dataclass
class Change:
    label: str
    value: Any


class EditConflict(RuleBroken):
    """Someone else saved this record after the user opened it. `changes` lists what they changed
    (label and their value); `current_version` is what the user's next save must carry."""

    def __init__(self, *, changes: list[Change], by: User | None, at: datetime | None, current_version: int):
        who = by.full_name if by else "someone else"
        super().__init__(f"{who} changed this record while you were editing it", field=None)
        self.changes = changes
        self.by = by
        self.at = at
        self.current_version = current_version


def record_revision(session: Session, record_type: str, record: Any, fields: dict[str, str], actor: User) -> None:
    session.add(
        RecordRevision(
            record_type=record_type,
            record_id=record.id,
            version=record.version,
            snapshot=snapshot(record, fields),
            saved_by_id=actor.id,
        )
    )


def check_version(
    session: Session, record_type: str, record: Any, fields: dict[str, str], expected_version: int | None
) -> None:
    """Raise EditConflict when `record` moved on from `expected_version`."""
    if expected_version is None or expected_version == record.version:
        return
    revisions = {
        r.version: r
        for r in session.scalars(
            sa.select(RecordRevision).where(
                RecordRevision.record_type == record_type,
                RecordRevision.record_id == record.id,
                RecordRevision.version.in_([expected_version, record.version]),
            )
        )
    }
    opened = revisions.get(expected_version)
    latest = revisions.get(record.version)
    current = snapshot(record, fields)
    before = opened.snapshot if opened else {}
    changes = [
        Change(label, display(getattr(record, name)))
        for name, label in fields.items()
        if before.get(name) != current[name]
    ]
    raise EditConflict(
        changes=changes,
        by=latest.saved_by if latest else None,
        at=latest.saved_at if latest else None,
        current_version=record.version,
    )
