"""Page queries of the dashboard: what its filters may choose from, and the LA officer's schools
with their latest stored figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import access
from sentrack.models import ComplianceSnapshot, Pupil, School, TeachingGroup, User
from sentrack.workflows.compliance import latest_snapshot_dates


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


@dataclass(frozen=True)
class SchoolSnapshot:
    """A school of the LA officer's authority and its latest daily snapshot, named but not read."""

    id: int
    name: str
    urn: str
    estab_number: str | None
    snapshot_id: int | None  # None: the school was not counted in the snapshots' week
    as_of: date | None
    recorded_at: datetime | None


def authority_schools(session: Session, user: User, today: date) -> list[SchoolSnapshot]:
    """The schools whose figures the user may see, by name, each with its latest snapshot
    (`compliance.latest_snapshot_dates`), in one query that reads no snapshot's figures."""
    schools = access.visible_schools(user).subquery("schools")
    latest = latest_snapshot_dates(sa.select(schools.c.id), today)
    rows = session.execute(
        sa.select(
            schools.c.id,
            schools.c.name,
            schools.c.urn,
            schools.c.estab_number,
            ComplianceSnapshot.id,
            ComplianceSnapshot.as_of,
            ComplianceSnapshot.recorded_at,
        )
        .outerjoin(latest, latest.c.school_id == schools.c.id)
        .outerjoin(
            ComplianceSnapshot,
            sa.and_(ComplianceSnapshot.school_id == latest.c.school_id, ComplianceSnapshot.as_of == latest.c.as_of),
        )
        .order_by(schools.c.name)
    )
    return [SchoolSnapshot(*row) for row in rows]


def snapshot_figures(session: Session, snapshot_ids: list[int]) -> dict[int, dict]:
    """The figures of these snapshots (`compliance.to_json(...)["figures"]`, without the register
    stored beside them), by snapshot id."""
    if not snapshot_ids:
        return {}
    rows = session.execute(
        sa.select(ComplianceSnapshot.id, ComplianceSnapshot.figures["figures"]).where(
            ComplianceSnapshot.id.in_(snapshot_ids)
        )
    )
    return {snapshot_id: figures for snapshot_id, figures in rows}
