"""Page queries of the dashboard: what its filters may choose from."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import Pupil, School, TeachingGroup


@dataclass(frozen=True)
class FilterChoices:
    school: School
    groups: list[tuple[int, str]]  # the school's classes: id, name, by name
    years: list[int]  # the year groups of the school's pupils


def filter_choices(session: Session, school_id: int) -> FilterChoices:
    """The school, its current classes and its pupils' year groups, in one query besides the school."""
    school = session.get(School, school_id)
    rows = session.execute(
        sa.union_all(
            sa.select(TeachingGroup.id, TeachingGroup.name, sa.null().label("year_group")).where(
                TeachingGroup.school_id == school.id, TeachingGroup.ended_on.is_(None)
            ),
            sa.select(sa.null(), sa.null(), Pupil.year_group)
            .where(Pupil.school_id == school.id)
            .group_by(Pupil.year_group),
        )
    ).all()
    groups = sorted(((gid, name) for gid, name, _ in rows if gid is not None), key=lambda g: g[1])
    years = sorted(year for gid, _, year in rows if gid is None)
    return FilterChoices(school, groups, years)
