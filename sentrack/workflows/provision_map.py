"""The provision map: each intervention running in a term, its pupils, wave, staff hours and
cost, with cost per pupil and totals. One definition serves the page, the CSV and the print."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from sentrack.models import (
    CostBasis,
    Intervention,
    InterventionPupil,
    Pupil,
    School,
    User,
)
from sentrack.workflows.register import on_roll_part
from sentrack.workflows.registers import SessionCounts, session_counts
from sentrack.workflows.school_days import sessions_between
from sentrack.workflows.terms import Term

__all__ = ["SORTS", "MapRow", "ProvisionMap", "on_roll_during", "provision_map", "sessions_between"]


@dataclass
class MapRow:
    intervention: Intervention
    pupils: list[Pupil]
    sessions: int  # planned in the term
    sessions_recorded: int  # delivered in the term (`registers.delivered`)
    staff_hours: float
    cost_pence: int
    sessions_not_held: int = 0  # recorded as not happening in the term

    @property
    def cost_per_pupil_pence(self) -> int:
        return round(self.cost_pence / len(self.pupils)) if self.pupils else 0


@dataclass
class ProvisionMap:
    term: Term
    rows: list[MapRow] = field(default_factory=list)

    @property
    def total_hours(self) -> float:
        return round(sum(r.staff_hours for r in self.rows), 1)

    @property
    def total_cost_pence(self) -> int:
        return sum(r.cost_pence for r in self.rows)

    @property
    def pupil_count(self) -> int:
        return len({p.id for r in self.rows for p in r.pupils})

    @property
    def cost_per_pupil_pence(self) -> int:
        return round(self.total_cost_pence / self.pupil_count) if self.pupil_count else 0


# Each sort ends with the name and id, so that ties come out the same on every database.
SORTS = {
    "name": lambda r: (r.intervention.name.lower(), r.intervention.id),
    "wave": lambda r: (r.intervention.type.wave, r.intervention.name.lower(), r.intervention.id),
    "hours": lambda r: (-r.staff_hours, r.intervention.name.lower(), r.intervention.id),
    "cost": lambda r: (-r.cost_pence, r.intervention.name.lower(), r.intervention.id),
    "cost_per_pupil": lambda r: (-r.cost_per_pupil_pence, r.intervention.name.lower(), r.intervention.id),
}


def on_roll_during(pupil: Pupil, start: date, end: date) -> bool:
    """Whether the pupil was on the roll on any day from `start` to `end`: a pupil who left counts
    in the terms (and the part of an intervention) when they were still on it, and no later."""
    first, last = on_roll_part(start, end, pupil.admitted_on, pupil.left_on)
    return last is None or first <= last


def _running_in(session: Session, school: School, term: Term, year_group: int | None) -> list[Intervention]:
    """The school's interventions running in the term (with a pupil in `year_group` when given),
    with their types, deliverers and pupils loaded in bulk (two queries)."""
    query = (
        sa.select(Intervention)
        .where(
            Intervention.school_id == school.id,
            Intervention.starts_on <= term.ends_on,
            Intervention.ends_on >= term.starts_on,
        )
        .options(
            # The type and who delivers it come in the same rows (one each); the map shows the
            # deliverer's name, not their roles.
            joinedload(Intervention.type),
            joinedload(Intervention.delivered_by).options(User.named_only()),
            selectinload(Intervention.places).joinedload(InterventionPupil.pupil),
        )
    )
    if year_group is not None:
        in_year = (
            sa.select(InterventionPupil.intervention_id)
            .join(Pupil, Pupil.id == InterventionPupil.pupil_id)
            .where(Pupil.year_group == year_group)
        )
        query = query.where(Intervention.id.in_(in_year))
    return list(session.scalars(query))


def _map_row(intervention: Intervention, term: Term, recorded: SessionCounts) -> MapRow:
    """The intervention's part of the term: its sessions planned on its days, their staff hours
    and cost (per session, or staff hours at the hourly rate), and its pupils on the roll then."""
    start = max(intervention.starts_on, term.starts_on)
    end = min(intervention.ends_on, term.ends_on)
    planned = sessions_between(intervention.weekdays, start, end)
    hours = planned * intervention.minutes_per_session / 60
    kind = intervention.type
    if kind.cost_basis is CostBasis.PER_SESSION:
        cost = planned * (kind.cost_per_session_pence or 0)
    else:
        cost = round(hours * (kind.hourly_rate_pence or 0))
    return MapRow(
        intervention=intervention,
        pupils=[place.pupil for place in intervention.places if on_roll_during(place.pupil, start, end)],
        sessions=planned,
        sessions_recorded=recorded.delivered,
        staff_hours=round(hours, 1),
        cost_pence=cost,
        sessions_not_held=recorded.not_held,
    )


def provision_map(
    session: Session,
    school: School,
    term: Term,
    *,
    year_group: int | None = None,
    wave: int | None = None,
    sort: str = "name",
) -> ProvisionMap:
    """The map for one school and term: a fixed handful of queries (the interventions with their
    types, deliverers and pupils loaded in bulk, and one count of sessions delivered and not held),
    whatever their number."""
    interventions = _running_in(session, school, term, year_group)
    if wave is not None:
        interventions = [i for i in interventions if i.type.wave == wave]
    recorded = session_counts(session, [i.id for i in interventions], term.starts_on, term.ends_on)
    result = ProvisionMap(term=term)
    result.rows = [_map_row(intervention, term, recorded[intervention.id]) for intervention in interventions]
    result.rows.sort(key=SORTS.get(sort, SORTS["name"]))
    return result
