"""The home page's counts come in one statement (`main.queries.home_counts`): each is the number
its own query gives, under its own name, and only the sections the user's roles open are asked."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sentrack import access
from sentrack.extensions import db
from sentrack.main import queries
from sentrack.models import Pupil, TeachingGroup, User
from sentrack.workflows.register import is_on_roll

TODAY = date(2026, 12, 6)
SECTION_COUNTS = {
    "oversight": {"reviews_overdue_count", "overdue_concern_count", "open_concerns"},
    "exchange": {"differences_waiting", "transfers_waiting"},
    "school": {"staff_count", "roll_count", "class_count"},
}


def _asked_alone(user, sections) -> dict[str, int]:
    """Each count in a statement of its own."""
    asked = {}
    if "oversight" in sections:
        asked |= queries.overdue_counts(user, TODAY)
    if "exchange" in sections:
        asked |= queries.exchange_waiting(user)
    if "school" in sections:
        asked |= queries.school_counts(user.school_id, TODAY)
    asked |= queries.roles_waiting(user)
    return {name: db.session.scalar(sa.select(query)) for name, query in asked.items()}


@pytest.mark.parametrize("role", ["senco", "head", "teacher", "ta", "admin", "la"])
def test_each_count_is_its_own_query_s(world, role):
    user = world.users[role]
    sections = access.home_sections(user)
    found = queries.home_counts(db.session, user, TODAY, sections)
    alone = _asked_alone(user, sections)
    assert found == {"roles_waiting": 0} | alone
    for section, names in SECTION_COUNTS.items():
        assert names <= set(found) if section in sections else not names & set(found), section


def test_the_school_s_counts_are_the_school_s_records(world):
    """Each of the head's school counts, recomputed from the rows: one read under another's name would differ."""
    user = world.users["head"]
    found = queries.home_counts(db.session, user, TODAY, access.home_sections(user))
    pupils = db.session.scalars(sa.select(Pupil).where(Pupil.school_id == user.school_id)).all()
    staff = db.session.scalars(sa.select(User).where(User.school_id == user.school_id)).all()
    groups = db.session.scalars(sa.select(TeachingGroup).where(TeachingGroup.school_id == user.school_id)).all()
    assert found["roll_count"] == sum(1 for pupil in pupils if is_on_roll(pupil, TODAY))
    assert found["staff_count"] == sum(1 for member in staff if member.active)
    assert found["class_count"] == sum(1 for group in groups if group.ended_on is None)
    assert len({found["roll_count"], found["staff_count"], found["class_count"]}) == 3
