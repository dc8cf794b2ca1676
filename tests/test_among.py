"""`among`: the same rows as `IN (SELECT ...)`, on SQLite and PostgreSQL, including none."""

from __future__ import annotations

import sqlalchemy as sa

from sentrack.models import Pupil, SenStatus
from sentrack.workflows.among import among


def _status_pupils(session, condition) -> set[int]:
    return set(session.scalars(sa.select(SenStatus.pupil_id).where(condition)))


def test_among_reads_the_statuses_of_the_listed_pupils_only(session, world):
    school_pupils = sa.select(Pupil.id).where(Pupil.school_id == world.school.id)
    found = _status_pupils(session, among(SenStatus.pupil_id, school_pupils))
    assert found == _status_pupils(session, SenStatus.pupil_id.in_(school_pupils))
    assert world.pupils["taught"].id in found
    assert world.pupils["sibling_k"].id not in found


def test_among_an_empty_list_is_no_row(session, world):
    nobody = sa.select(Pupil.id).where(Pupil.school_id == -1)
    assert _status_pupils(session, among(SenStatus.pupil_id, nobody)) == set()
