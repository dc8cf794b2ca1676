"""The compliance dashboard's figures (DESIGN section 7): for one school as of a date, each figure a
count, the population it is a percentage of, and the ids behind it for a drill-down.

Definitions (all as of `today`):
- *on the register*: a SEN status K or E with start_date <= today and no end, or end >= today;
- parent engagement on track / due / overdue: `engagement_for_school`; population the register;
- reviews overdue: open cycles at 'do' whose plan review date is before today; population open
  cycles (any state but closed); ids are pupil ids (a pupil has at most one open cycle);
- pupils on K with no open plan: on K, with no open cycle at 'do' or 'review' that has a plan;
- concerns past their deadline: open concerns with deadline < today; ids are concern ids;
- interventions ended without impact: interventions ended (ends_on < today) this academic year
  with some place whose impact is not recorded; ids are intervention ids;
- tasks overdue: open tasks due before today; per `for_role`, each of the role's open tasks;
- records not updated: pupils on the register whose latest change (the later of their latest
  timeline event's recorded_at and the pupil's updated_at) is before the start of the day
  `records_stale_weeks` weeks before today;
- EHC annual reviews: pupils on E; the review falls on the latest anniversary of the E status's
  start whose 8-week window has opened (as the sweep's `la_annual_review` rule). *Due* if that
  anniversary is today or later; *overdue* if it has passed and the LA's annual review task for it
  is not done.

Set-based: a fixed number of queries per school (twelve), whatever its size. `to_json` gives
counts and percentages only: no names, no ids.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import (
    Concern,
    ConcernStatus,
    CycleState,
    Duty,
    Intervention,
    InterventionPupil,
    Plan,
    Provision,
    Pupil,
    Role,
    School,
    SenStatus,
    SupportCycle,
    Task,
    TaskStatus,
    TimelineEvent,
)
from sentrack.workflows.engagement import Engagement, engagement_for_school
from sentrack.workflows.figures import RegisterFigures, register_figures
from sentrack.workflows.terms import academic_year_bounds

EHC_REVIEW_WINDOW = timedelta(weeks=8)


@dataclass(frozen=True)
class Figure:
    """`count` of `population` (named by `population_label`); `ids` are the `id_kind` ids behind
    the count, for a drill-down."""

    label: str
    count: int
    population: int
    population_label: str
    id_kind: str
    ids: tuple[int, ...] = ()

    @property
    def percent(self) -> float:
        return round(100 * self.count / self.population, 1) if self.population else 0.0


def _figure(label: str, ids, population: int, population_label: str, id_kind: str) -> Figure:
    ids = tuple(sorted(ids))
    return Figure(label, len(ids), population, population_label, id_kind, ids)


@dataclass
class SchoolCompliance:
    school_id: int
    urn: str
    today: date
    figures: dict[str, Figure]
    tasks_overdue_by_role: dict[Role, Figure]
    register: RegisterFigures = field(default_factory=RegisterFigures)

    def __getitem__(self, key: str) -> Figure:
        return self.figures[key]


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def ehc_review_anniversary(start: date, today: date) -> tuple[int, date] | None:
    """(years, anniversary) of the latest anniversary of `start` whose 8-week window has opened."""
    found = None
    years = 1
    while _add_years(start, years) - EHC_REVIEW_WINDOW <= today:
        found = (years, _add_years(start, years))
        years += 1
    return found


def compliance_figures(session: Session, school: School, today: date) -> SchoolCompliance:
    """Every figure of the dashboard for `school` as of `today`: twelve queries."""
    year_start, _ = academic_year_bounds(today)

    # The register at `today` (1 query): pupil, last change to the pupil row, its status.
    register_rows = session.execute(
        sa.select(Pupil.id, Pupil.updated_at, SenStatus.id, SenStatus.provision, SenStatus.start_date)
        .join(SenStatus, SenStatus.pupil_id == Pupil.id)
        .where(
            Pupil.school_id == school.id,
            SenStatus.provision.in_((Provision.SEN_SUPPORT, Provision.EHC_PLAN)),
            SenStatus.start_date <= today,
            sa.or_(SenStatus.end_date.is_(None), SenStatus.end_date >= today),
        )
    ).all()
    register_ids = {row[0] for row in register_rows}
    on_k = {row[0] for row in register_rows if row[3] is Provision.SEN_SUPPORT}
    on_e = [row for row in register_rows if row[3] is Provision.EHC_PLAN]
    n_register = len(register_ids)
    figures: dict[str, Figure] = {}

    # Parent engagement (3 queries).
    engagement = engagement_for_school(session, school, today)
    for status in Engagement:
        figures[f"engagement_{status.value}"] = _figure(
            f"Parent engagement: {status.label.lower()}",
            [pid for pid, e in engagement.items() if e.status is status],
            len(engagement), "pupils on the register", "pupil",
        )

    # Open cycles (1 query).
    cycles = session.execute(
        sa.select(SupportCycle.pupil_id, SupportCycle.state, Plan.id, Plan.review_date)
        .join(Pupil, Pupil.id == SupportCycle.pupil_id)
        .outerjoin(Plan, Plan.cycle_id == SupportCycle.id)
        .where(Pupil.school_id == school.id, SupportCycle.state != CycleState.CLOSED)
    ).all()
    figures["reviews_overdue"] = _figure(
        "Reviews overdue",
        [pid for pid, state, _, review_date in cycles
         if state is CycleState.DO and review_date is not None and review_date < today],
        len(cycles), "open cycles", "pupil",
    )
    planned = {pid for pid, state, plan_id, _ in cycles
               if state in (CycleState.DO, CycleState.REVIEW) and plan_id is not None}
    figures["k_without_plan"] = _figure(
        "Pupils on SEN support without an open plan", on_k - planned, len(on_k), "pupils on SEN support", "pupil"
    )

    # Open concerns (1 query).
    concerns = session.execute(
        sa.select(Concern.id, Concern.deadline)
        .join(Pupil, Pupil.id == Concern.pupil_id)
        .where(Pupil.school_id == school.id, Concern.status == ConcernStatus.OPEN)
    ).all()
    figures["concerns_past_deadline"] = _figure(
        "Concerns past their deadline", [cid for cid, deadline in concerns if deadline < today],
        len(concerns), "open concerns", "concern",
    )

    # Interventions ended this academic year, with their places (1 query).
    ended: dict[int, bool] = {}
    for iv_id, place_id, impact in session.execute(
        sa.select(Intervention.id, InterventionPupil.id, InterventionPupil.impact)
        .outerjoin(InterventionPupil, InterventionPupil.intervention_id == Intervention.id)
        .where(Intervention.school_id == school.id, Intervention.ends_on < today, Intervention.ends_on >= year_start)
    ):
        missing = place_id is not None and impact is None
        ended[iv_id] = ended.get(iv_id, False) or missing
    figures["interventions_without_impact"] = _figure(
        "Interventions ended without impact recorded", [i for i, missing in ended.items() if missing],
        len(ended), "interventions ended this academic year", "intervention",
    )

    # Open tasks (1 query).
    tasks = session.execute(
        sa.select(Task.id, Task.for_role, Task.due_on)
        .where(Task.school_id == school.id, Task.status == TaskStatus.OPEN)
    ).all()
    figures["tasks_overdue"] = _figure(
        "Tasks overdue", [tid for tid, _, due in tasks if due < today], len(tasks), "open tasks", "task"
    )
    by_role: dict[Role, list] = defaultdict(list)
    for row in tasks:
        by_role[row[1]].append(row)
    tasks_by_role = {
        role: _figure(f"Tasks overdue: {role.label}", [tid for tid, _, due in rows if due < today],
                      len(rows), f"open tasks for the {role.label}", "task")
        for role, rows in sorted(by_role.items(), key=lambda item: item[0].value)
    }

    # Latest timeline entry of each pupil on the register (1 query).
    register_subquery = (
        sa.select(SenStatus.pupil_id).join(Pupil, Pupil.id == SenStatus.pupil_id)
        .where(
            Pupil.school_id == school.id,
            SenStatus.provision.in_((Provision.SEN_SUPPORT, Provision.EHC_PLAN)),
            SenStatus.start_date <= today,
            sa.or_(SenStatus.end_date.is_(None), SenStatus.end_date >= today),
        )
    )
    latest_event = dict(
        session.execute(
            sa.select(TimelineEvent.pupil_id, sa.func.max(TimelineEvent.recorded_at))
            .where(TimelineEvent.pupil_id.in_(register_subquery))
            .group_by(TimelineEvent.pupil_id)
        ).all()
    )
    cutoff = datetime.combine(today - timedelta(weeks=school.records_stale_weeks), time(), UTC)
    stale = []
    for pid, updated_at, *_ in register_rows:
        event_at = latest_event.get(pid)
        if event_at is not None and event_at.tzinfo is None:  # max() may lose the column type
            event_at = event_at.replace(tzinfo=UTC)
        last = max(t for t in (updated_at, event_at) if t is not None)
        if last < cutoff:
            stale.append(pid)
    figures["records_stale"] = _figure(
        f"Records not updated for {school.records_stale_weeks} weeks", stale, n_register,
        "pupils on the register", "pupil",
    )

    # EHC annual reviews: the LA's review tasks done (1 query).
    done = set(
        session.execute(
            sa.select(Task.subject_id, Task.period)
            .join(Duty, Duty.id == Task.duty_id)
            .where(Task.school_id == school.id, Duty.code == "la_annual_review",
                   Task.subject_type == "sen_status", Task.status == TaskStatus.DONE)
        ).all()
    )
    due, overdue = [], []
    for pid, _, status_id, _, start in on_e:
        found = ehc_review_anniversary(start, today)
        if found is None:
            continue
        years, anniversary = found
        if anniversary >= today:
            due.append(pid)
        elif (status_id, f"review:{years}") not in done:
            overdue.append(pid)
    figures["ehc_reviews_due"] = _figure(
        "EHC annual reviews due within 8 weeks", due, len(on_e), "pupils with an EHC plan", "pupil"
    )
    figures["ehc_reviews_overdue"] = _figure(
        "EHC annual reviews overdue", overdue, len(on_e), "pupils with an EHC plan", "pupil"
    )

    # The register by provision, need type and year group (2 queries).
    register = register_figures(session, [school.id])[school.id]
    return SchoolCompliance(school.id, school.urn, today, figures, tasks_by_role, register)


def _figure_json(figure: Figure) -> dict:
    return {"count": figure.count, "population": figure.population,
            "population_label": figure.population_label, "percent": figure.percent}


def to_json(compliance: SchoolCompliance) -> dict:
    """The figures as plain JSON data: counts and percentages only, no names and no ids."""
    register = compliance.register
    return {
        "urn": compliance.urn,
        "date": compliance.today.isoformat(),
        "figures": {key: _figure_json(f) for key, f in compliance.figures.items()},
        "tasks_overdue_by_role": {role.value: _figure_json(f) for role, f in compliance.tasks_overdue_by_role.items()},
        "register": {
            "pupils": register.pupils,
            "by_provision": {
                p.value: {"count": register.count(p), "percent": register.percent(p)} for p in Provision
            },
            "by_need": {need.value: {p.value: n for p, n in counts.items()} for need, counts in register.by_need.items()},
            "by_year": {str(year): {p.value: n for p, n in counts.items()} for year, counts in register.by_year.items()},
        },
    }
