"""Anonymised register figures: counts by provision, need type and year group, computed in SQL."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import NeedType, Provision, Pupil, SenStatus
from sentrack.workflows.register import on_roll, status_covers


@dataclass
class RegisterFigures:
    pupils: int = 0
    by_provision: dict[Provision, int] = field(default_factory=dict)
    by_need: dict[NeedType, dict[Provision, int]] = field(default_factory=dict)
    by_year: dict[int, dict[Provision, int]] = field(default_factory=dict)

    def count(self, provision: Provision) -> int:
        return self.by_provision.get(provision, 0)

    def percent(self, provision: Provision) -> float:
        return round(100 * self.count(provision) / self.pupils, 1) if self.pupils else 0.0

    @property
    def on_register(self) -> int:
        return self.count(Provision.SEN_SUPPORT) + self.count(Provision.EHC_PLAN)


def register_figures(
    session: Session, school_ids: list[int], today: date, *, pupils: sa.Select | None = None
) -> dict[int, RegisterFigures]:
    """The register of each school on `today`, keyed by school id: the pupils on the roll, by the
    SEN status covering the day (`sentrack.workflows.register`). Two GROUP BY queries in all.
    `pupils`, a query of pupil ids, narrows it to those pupils."""
    figures: dict[int, RegisterFigures] = {school_id: RegisterFigures() for school_id in school_ids}
    if not school_ids:
        return figures
    open_status = sa.and_(SenStatus.pupil_id == Pupil.id, status_covers(today))
    provision = sa.func.coalesce(SenStatus.provision, Provision.NONE.value)

    rows = session.execute(
        sa.select(Pupil.school_id, Pupil.year_group, provision, sa.func.count())
        .select_from(Pupil)
        .outerjoin(SenStatus, open_status)
        .where(Pupil.school_id.in_(school_ids), on_roll(today), *([] if pupils is None else [Pupil.id.in_(pupils)]))
        .group_by(Pupil.school_id, Pupil.year_group, provision)
    )
    for school_id, year_group, prov, count in rows:
        prov = Provision(prov)
        school = figures[school_id]
        school.pupils += count
        school.by_provision[prov] = school.by_provision.get(prov, 0) + count
        school.by_year.setdefault(year_group, defaultdict(int))[prov] += count

    rows = session.execute(
        sa.select(Pupil.school_id, SenStatus.primary_need, SenStatus.provision, sa.func.count())
        .join(SenStatus, open_status)
        .where(
            Pupil.school_id.in_(school_ids),
            on_roll(today),
            SenStatus.provision != Provision.NONE,
            *([] if pupils is None else [Pupil.id.in_(pupils)]),
        )
        .group_by(Pupil.school_id, SenStatus.primary_need, SenStatus.provision)
    )
    for school_id, need, prov, count in rows:
        figures[school_id].by_need.setdefault(need, defaultdict(int))[prov] += count
    for school in figures.values():
        school.by_year = dict(sorted(school.by_year.items()))
        school.by_need = dict(sorted(school.by_need.items(), key=lambda item: -sum(item[1].values())))
    return figures
