"""Reading the census check for the pages: the user's own school only, in a fixed number of
queries whatever the roll."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from sentrack.models import School, User
from sentrack.workflows.census_check import CensusCheck, census_check


def school_census_check(session: Session, user: User, day: date) -> tuple[School, CensusCheck] | None:
    """The user's school and its census check on `day`; None for a user of no school."""
    if user.school_id is None:
        return None
    school = session.get(School, user.school_id)
    return school, census_check(session, user.school_id, day)
