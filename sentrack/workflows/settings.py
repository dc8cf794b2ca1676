"""The school's term dates and rule settings, which its SENCO sets (DESIGN sections 1 and 6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import School, SchoolTerm, User
from sentrack.workflows import RuleBroken

# Each setting: its label and the range the database's CHECK constraint allows.
RULE_SETTINGS: dict[str, tuple[str, int, int]] = {
    "concern_deadline_days": ("Days to decide on a concern", 1, 90),
    "review_interval_weeks": ("Weeks from a plan's start to its review", 6, 12),
    "parent_meeting_min_days": ("Days on the register before a term counts for parent meetings", 0, 90),
    "parent_due_window_days": ("Days before a term ends that a parent meeting is due", 1, 60),
    "records_stale_weeks": ("Weeks without an update before a record is stale", 1, 52),
}


def school_term_rows(session: Session, school: School) -> list[SchoolTerm]:
    return list(session.scalars(sa.select(SchoolTerm).where(SchoolTerm.school_id == school.id).order_by(SchoolTerm.starts_on)))


@dataclass
class TermDetails:
    name: str
    starts_on: date
    ends_on: date


def save_term(session: Session, *, actor: User, school: School, details: TermDetails, term: SchoolTerm | None = None) -> SchoolTerm:
    """Add a term or change one. Refused (RuleBroken) without a name, for an end not after the
    start, or for dates overlapping another term of the school."""
    name = (details.name or "").strip()
    if not name:
        raise RuleBroken("Enter the name of the term", field="name")
    if details.ends_on <= details.starts_on:
        raise RuleBroken("The last day of the term must be after its first day", field="ends_on")
    overlapping = session.scalar(
        sa.select(SchoolTerm).where(
            SchoolTerm.school_id == school.id,
            SchoolTerm.id != (term.id if term is not None else -1),
            SchoolTerm.starts_on <= details.ends_on,
            SchoolTerm.ends_on >= details.starts_on,
        ).order_by(SchoolTerm.starts_on).limit(1)
    )
    if overlapping is not None:
        raise RuleBroken(
            f"The dates overlap {overlapping.name} ({overlapping.starts_on:%d/%m/%Y} to {overlapping.ends_on:%d/%m/%Y})",
            field="starts_on",
        )
    created = term is None
    term = term or SchoolTerm(school_id=school.id)
    term.name, term.starts_on, term.ends_on = name, details.starts_on, details.ends_on
    session.add(term)
    session.flush()
    audit.record(session, "term_added" if created else "term_changed", actor=actor, school_id=school.id,
                 object_type="school_term", object_id=term.id)
    session.flush()
    return term


def save_rule_settings(session: Session, *, actor: User, school: School, values: dict[str, int]) -> list[str]:
    """Change the rule settings; returns the names changed. Refused (RuleBroken) for a value
    outside its range."""
    for name, value in values.items():
        label, low, high = RULE_SETTINGS[name]
        if value is None or not low <= value <= high:
            raise RuleBroken(f"{label} must be between {low} and {high}", field=name)
    changed = [name for name, value in values.items() if getattr(school, name) != value]
    for name in changed:
        setattr(school, name, values[name])
    session.flush()
    if changed:
        audit.record(session, "rule_settings_changed", actor=actor, school_id=school.id, object_type="school",
                     object_id=school.id, details={"changed": changed})
        session.flush()
    return changed
