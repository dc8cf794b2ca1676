"""The compliance dashboard's figures (DESIGN section 7): for one school as of a date, each figure a
count, the population it is a percentage of, and the ids behind it for a drill-down.

Definitions (all as of `today`):
- *on the register*: `register.on_roll` and `register.register_status` (on the school's roll,
  with a K or E status covering the day);
- parent engagement on track / due / overdue: `engagement_for_school`; population the register;
- reviews overdue: `register.is_review_overdue` (a running plan, at 'do' or 'review', whose review
  date is before today); population open cycles (any state but closed); ids are pupil ids (a pupil
  has at most one open cycle);
- pupils on K with no open plan: on K, with no open cycle at 'do' or 'review' that has a plan;
- concerns past their deadline: open concerns with deadline < today; ids are concern ids;
- interventions ended without impact: interventions ended (ends_on < today) this academic year
  with some place whose impact is not recorded; ids are intervention ids;
- tasks overdue: open tasks due before today; per `for_role`, each of the role's open tasks;
- records not updated: pupils on the register whose record is stale (`register.is_record_stale`:
  the later of their latest timeline entry and the pupil row's update is `records_stale_weeks`
  weeks or more before today);
- EHC annual reviews: pupils on the roll with an EHC plan in force; each plan's next annual review
  date is `ehc_schedule.review_schedule` (12 months, 6 for an under-five, after the plan was issued
  or its last annual review meeting, earlier before a phase transfer), as the sweep's review duties
  read it. *Due* if it falls within the next 8 weeks (today included); *overdue* if it has passed.

Set-based: a fixed number of queries per school (eleven), whatever its size. `to_json` gives
counts and percentages only: no names, no ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import (
    ComplianceSnapshot,
    Concern,
    ConcernStatus,
    CycleState,
    Intervention,
    InterventionPupil,
    NeedType,
    Plan,
    Provision,
    Pupil,
    Role,
    School,
    SenStatus,
    SupportCycle,
    Task,
    TaskStatus,
    group_pupils,
)
from sentrack.workflows.among import among
from sentrack.workflows.class_figures import in_registration_class
from sentrack.workflows.ehc_schedule import review_schedule
from sentrack.workflows.engagement import Engagement, engagement_for_school
from sentrack.workflows.figures import RegisterFigures, register_figures
from sentrack.workflows.register import (
    RUNNING,
    is_awaiting_impact,
    is_concern_past_deadline,
    is_record_stale,
    is_review_overdue,
    last_recorded,
    latest_timeline_entry,
    on_roll,
    register_status,
    status_covers,
)
from sentrack.workflows.terms import (
    Term,
    academic_year_bounds,
    academic_year_of,
    term_holding,
    terms_of_schools,
    year_terms,
)


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
    # The pupil ids of the population, for a figure whose population is pupils (one open cycle
    # each, for reviews): what the figures by class divide. Empty for the others.
    population_ids: tuple[int, ...] = ()
    # What each id was counted from, where a drill-down words it (parent engagement: each pupil's
    # `PupilEngagement`), so that the list need not count it again. Not part of the figure's value.
    facts: Mapping[int, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def percent(self) -> float:
        return round(100 * self.count / self.population, 1) if self.population else 0.0


def _figure(
    label: str, ids, population: int, population_label: str, id_kind: str, population_ids=(), facts=None
) -> Figure:
    ids = tuple(sorted(ids))
    return Figure(
        label, len(ids), population, population_label, id_kind, ids, tuple(sorted(population_ids)), facts or {}
    )


@dataclass
class SchoolCompliance:
    school_id: int
    urn: str
    today: date
    figures: dict[str, Figure]
    tasks_overdue_by_role: dict[Role, Figure]
    register: RegisterFigures = field(default_factory=RegisterFigures)
    terms: list[Term] = field(default_factory=list)  # the school's terms of the year

    def __getitem__(self, key: str) -> Figure:
        return self.figures[key]


@dataclass(frozen=True)
class PupilFilter:
    """Narrows the figures to some pupils: a year group, a class, a primary need on the register,
    or a registration class (`class_figures.registration_classes`: each pupil's one class, the
    figures by class; `NO_CLASS` for the pupils in none)."""

    year_group: int | None = None
    group_id: int | None = None
    need: NeedType | None = None
    registration: int | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.year_group, self.group_id, self.need, self.registration))

    def pupil_ids(self, school_id: int, today: date) -> sa.Select:
        """A query of the ids of the school's pupils who match."""
        query = sa.select(Pupil.id).where(Pupil.school_id == school_id)
        if self.year_group is not None:
            query = query.where(Pupil.year_group == self.year_group)
        if self.group_id is not None:
            query = query.where(
                Pupil.id.in_(sa.select(group_pupils.c.pupil_id).where(group_pupils.c.group_id == self.group_id))
            )
        if self.need is not None:
            query = query.where(
                Pupil.id.in_(
                    sa.select(SenStatus.pupil_id).where(SenStatus.primary_need == self.need, status_covers(today))
                )
            )
        if self.registration is not None:
            query = query.where(in_registration_class(self.registration, school_id=school_id))
        return query


@dataclass(frozen=True)
class _Scope:
    """What every figure step reads: the school, the day, and the pupils the figures are narrowed to."""

    session: Session
    school: School
    today: date
    chosen: sa.Select | None  # the ids of the pupils chosen by a `PupilFilter`, or None for all

    def narrowed(self, query: sa.Select, column) -> sa.Select:
        """`query` kept to the chosen pupils by `column` (unchanged when none were chosen)."""
        return query if self.chosen is None else query.where(column.in_(self.chosen))

    @property
    def on_the_roll(self) -> sa.Select:
        """The ids of the school's pupils on the roll at the day, as a query: what `among` lists
        first, so that a statement reads its own pupils' rows through their index rather than
        hashing the authority's."""
        return sa.select(Pupil.id).where(Pupil.school_id == self.school.id, on_roll(self.today))

    def rows(self, query: sa.Select, column) -> list:
        """The rows of `query` narrowed by `column`."""
        return self.session.execute(self.narrowed(query, column)).all()


def _register_rows(scope: _Scope) -> list:
    """The register at the day (1 query): pupil, last change to the pupil row, its status's
    provision, and when the pupil's latest timeline entry was entered. The statuses are read through
    the list of the school's pupils on the roll (`among`), so that the page probes its own pupils'
    statuses and timelines by their indexes, not the authority's."""
    return scope.rows(
        sa.select(Pupil.id, Pupil.updated_at, SenStatus.provision, latest_timeline_entry())
        .join(SenStatus, SenStatus.pupil_id == Pupil.id)
        .where(among(SenStatus.pupil_id, scope.on_the_roll), on_roll(scope.today), register_status(scope.today)),
        Pupil.id,
    )


def _engagement_figures(scope: _Scope, terms: list[Term]) -> dict[str, Figure]:
    """Parent engagement on track, due and overdue (3 queries)."""
    engagement = engagement_for_school(scope.session, scope.school, scope.today, pupil_ids=scope.chosen, terms=terms)
    return {
        f"engagement_{status.value}": _figure(
            f"Parent engagement: {status.label.lower()}",
            [pid for pid, e in engagement.items() if e.status is status],
            len(engagement),
            "pupils on the register",
            "pupil",
            engagement,
            engagement,
        )
        for status in Engagement
    }


def _cycle_figures(scope: _Scope, on_k: set[int]) -> dict[str, Figure]:
    """Reviews overdue and pupils on SEN support without an open plan (1 query: the open cycles of
    the school's pupils on the roll, read through their index)."""
    today = scope.today
    cycles = scope.rows(
        sa.select(SupportCycle.pupil_id, SupportCycle.state, Plan.id, Plan.review_date)
        .outerjoin(Plan, Plan.cycle_id == SupportCycle.id)
        .where(among(SupportCycle.pupil_id, scope.on_the_roll), SupportCycle.state != CycleState.CLOSED),
        SupportCycle.pupil_id,
    )
    planned = {pid for pid, state, plan_id, _ in cycles if state in RUNNING and plan_id is not None}
    return {
        "reviews_overdue": _figure(
            "Reviews overdue",
            [pid for pid, state, _, review_date in cycles if is_review_overdue(state, review_date, today)],
            len(cycles),
            "open cycles",
            "pupil",
            [row[0] for row in cycles],
        ),
        "k_without_plan": _figure(
            "Pupils on SEN support without an open plan", on_k - planned, len(on_k), "pupils on SEN support", "pupil"
        ),
    }


def _concern_figure(scope: _Scope) -> Figure:
    """Open concerns past their deadline (1 query: the open concerns about the school's pupils on
    the roll)."""
    concerns = scope.rows(
        sa.select(Concern.id, Concern.deadline).where(
            among(Concern.pupil_id, scope.on_the_roll), Concern.status == ConcernStatus.OPEN
        ),
        Concern.pupil_id,
    )
    return _figure(
        "Concerns past their deadline",
        [cid for cid, deadline in concerns if is_concern_past_deadline(ConcernStatus.OPEN, deadline, scope.today)],
        len(concerns),
        "open concerns",
        "concern",
    )


def _intervention_figure(scope: _Scope) -> Figure:
    """Interventions ended this academic year with some place's impact not recorded (1 query)."""
    year_start, _ = academic_year_bounds(scope.today)
    ended: dict[int, bool] = {}
    places = scope.rows(
        sa.select(Intervention.id, InterventionPupil.id, InterventionPupil.impact, Pupil.left_on, Intervention.ends_on)
        .outerjoin(InterventionPupil, InterventionPupil.intervention_id == Intervention.id)
        .outerjoin(Pupil, Pupil.id == InterventionPupil.pupil_id)
        .where(
            Intervention.school_id == scope.school.id,
            Intervention.ends_on < scope.today,
            Intervention.ends_on >= year_start,
        ),
        InterventionPupil.pupil_id,
    )
    for iv_id, place_id, impact, left_on, ends_on in places:
        missing = place_id is not None and is_awaiting_impact(impact, left_on, ends_on)
        ended[iv_id] = ended.get(iv_id, False) or missing
    return _figure(
        "Interventions ended without impact recorded",
        [i for i, missing in ended.items() if missing],
        len(ended),
        "interventions ended this academic year",
        "intervention",
    )


def _task_figures(scope: _Scope) -> tuple[Figure, dict[Role, Figure]]:
    """Open tasks overdue, in all and for each role (1 query)."""
    today = scope.today
    tasks = scope.rows(
        sa.select(Task.id, Task.for_role, Task.due_on).where(
            Task.school_id == scope.school.id, Task.status == TaskStatus.OPEN
        ),
        Task.pupil_id,
    )
    overdue = _figure("Tasks overdue", [tid for tid, _, due in tasks if due < today], len(tasks), "open tasks", "task")
    by_role: dict[Role, list] = defaultdict(list)
    for row in tasks:
        by_role[row[1]].append(row)
    tasks_by_role = {
        role: _figure(
            f"Tasks overdue: {role.label}",
            [tid for tid, _, due in rows if due < today],
            len(rows),
            f"open tasks for the {role.label}",
            "task",
        )
        for role, rows in sorted(by_role.items(), key=lambda item: item[0].value)
    }
    return overdue, tasks_by_role


def _stale_figure(scope: _Scope, register_rows: list) -> Figure:
    """Pupils on the register whose record is stale (no query: the register's rows carry each
    pupil's latest timeline entry)."""
    weeks = scope.school.records_stale_weeks
    stale = [
        pid
        for pid, updated_at, _, latest_event in register_rows
        if is_record_stale(last_recorded(updated_at, latest_event), weeks, scope.today)
    ]
    return _figure(
        f"Records not updated for {weeks} weeks",
        stale,
        len({row[0] for row in register_rows}),
        "pupils on the register",
        "pupil",
    )


def _ehc_figures(scope: _Scope) -> dict[str, Figure]:
    """EHC annual reviews due within 8 weeks and overdue, from each plan's next review date
    (`ehc_schedule.review_schedule`: 1 query); population the pupils on the roll with a plan in force."""
    conditions = [Pupil.school_id == scope.school.id, on_roll(scope.today)]
    if scope.chosen is not None:
        conditions.append(Pupil.id.in_(scope.chosen))
    schedule = review_schedule(scope.session, scope.today, *conditions)
    due = [row.pupil_id for row in schedule if row.is_due_soon(scope.today)]
    overdue = [row.pupil_id for row in schedule if row.is_overdue(scope.today)]
    population = len({row.pupil_id for row in schedule})
    return {
        "ehc_reviews_due": _figure(
            "EHC annual reviews due within 8 weeks", due, population, "pupils with an EHC plan", "pupil"
        ),
        "ehc_reviews_overdue": _figure(
            "EHC annual reviews overdue", overdue, population, "pupils with an EHC plan", "pupil"
        ),
    }


def compliance_figures(
    session: Session, school: School, today: date, pupils: PupilFilter | None = None
) -> SchoolCompliance:
    """Every figure of the dashboard for `school` as of `today`: eleven queries. With `pupils`,
    the figures about pupils count only those pupils: tasks those about them, interventions those
    with a place of one of them."""
    chosen = pupils.pupil_ids(school.id, today) if pupils else None
    scope = _Scope(session, school, today, chosen)
    register_rows = _register_rows(scope)
    terms = year_terms(session, school, today)
    figures = _engagement_figures(scope, terms)
    figures.update(_cycle_figures(scope, _on_k(register_rows)))
    figures["concerns_past_deadline"] = _concern_figure(scope)
    figures["interventions_without_impact"] = _intervention_figure(scope)
    figures["tasks_overdue"], tasks_by_role = _task_figures(scope)
    figures["records_stale"] = _stale_figure(scope, register_rows)
    figures.update(_ehc_figures(scope))
    # The register by provision, need type and year group (2 queries).
    register = register_figures(session, [school.id], today, pupils=chosen)[school.id]
    return SchoolCompliance(school.id, school.urn, today, figures, tasks_by_role, register, terms)


def _on_k(register_rows: list) -> set[int]:
    """The pupils of the register's rows on SEN support."""
    return {row[0] for row in register_rows if row[2] is Provision.SEN_SUPPORT}


def school_figure(
    session: Session, school: School, today: date, key: str, pupils: PupilFilter | None = None
) -> Figure | None:
    """One figure of `compliance_figures` (a key of its figures, or `tasks_overdue_<role>` for a
    role's), counted by the same step alone, for a drill-down: one to three queries rather than
    eleven. None when no figure has the key (or the role has no open task)."""
    chosen = pupils.pupil_ids(school.id, today) if pupils else None
    scope = _Scope(session, school, today, chosen)
    if key.startswith("engagement_"):
        figures = _engagement_figures(scope, year_terms(session, school, today))
    elif key in ("reviews_overdue", "k_without_plan"):
        figures = _cycle_figures(scope, _on_k(_register_rows(scope)))
    elif key == "concerns_past_deadline":
        figures = {key: _concern_figure(scope)}
    elif key == "interventions_without_impact":
        figures = {key: _intervention_figure(scope)}
    elif key.startswith("tasks_overdue"):
        overdue, by_role = _task_figures(scope)
        figures = {"tasks_overdue": overdue} | {f"tasks_overdue_{role.value}": f for role, f in by_role.items()}
    elif key == "records_stale":
        figures = {key: _stale_figure(scope, _register_rows(scope))}
    elif key.startswith("ehc_reviews_"):
        figures = _ehc_figures(scope)
    else:
        return None
    return figures.get(key)


def _figure_json(figure: Figure) -> dict:
    return {
        "count": figure.count,
        "population": figure.population,
        "population_label": figure.population_label,
        "percent": figure.percent,
    }


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
            "by_provision": {p.value: {"count": register.count(p), "percent": register.percent(p)} for p in Provision},
            "by_need": {
                need.value: {p.value: n for p, n in counts.items()} for need, counts in register.by_need.items()
            },
            "by_year": {
                str(year): {p.value: n for p, n in counts.items()} for year, counts in register.by_year.items()
            },
        },
    }


# --- The trend: figures as of the end of each term ------------------------------------------------

# The figures the trend follows, in the order the page shows them.
HEADLINE = (
    "engagement_overdue",
    "reviews_overdue",
    "k_without_plan",
    "concerns_past_deadline",
    "interventions_without_impact",
    "tasks_overdue",
    "records_stale",
    "ehc_reviews_overdue",
)


def _terms_of_two_years(session: Session, schools: list[School], today: date) -> dict[int, list[Term]]:
    """Each school's terms of last and this academic year, in one query."""
    year = academic_year_of(today)
    return terms_of_schools(session, [s.id for s in schools], [year - 1, year])


DAILY_SNAPSHOTS_KEPT = timedelta(days=7)
# A term's figures counted more than this after its last day (the first sweep after the school
# began, say) come from records as they stood later, and the trend says so.
LATE = timedelta(days=7)


def record_snapshots(session: Session, today: date) -> int:
    """Store each school's figures as of `today`, and, once, as of the last day of every term of
    last and this academic year that ended before `today`; delete the daily ones older than a
    week that are no term's end. Four queries when there is nothing to store, and eleven more for
    each snapshot stored. Flushes; the caller commits. Returns the number stored."""
    schools = list(session.scalars(sa.select(School).order_by(School.id)))
    if not schools:
        return 0
    year = academic_year_of(today)
    have = {
        (school_id, as_of): (snapshot_id, term_name)
        for snapshot_id, school_id, as_of, term_name in session.execute(
            sa.select(
                ComplianceSnapshot.id,
                ComplianceSnapshot.school_id,
                ComplianceSnapshot.as_of,
                ComplianceSnapshot.term_name,
            ).where(ComplianceSnapshot.as_of >= date(year - 1, 9, 1))
        )
    }
    terms_by_school = _terms_of_two_years(session, schools, today)
    stored = 0
    for school in schools:
        wanted: list[tuple[date, Term | None]] = [
            (term.ends_on, term) for term in terms_by_school[school.id] if term.ends_on < today
        ] + [(today, None)]
        for as_of, term in wanted:
            found = have.get((school.id, as_of))
            if found is not None:
                snapshot_id, term_name = found
                # A day's snapshot that turned out to be a term's last day (named once, not at every sweep).
                if term is not None and term_name is None:
                    session.execute(
                        sa.update(ComplianceSnapshot)
                        .where(ComplianceSnapshot.id == snapshot_id, ComplianceSnapshot.term_name.is_(None))
                        .values(term_name=term.name, term_starts_on=term.starts_on)
                    )
                continue
            session.add(
                ComplianceSnapshot(
                    school_id=school.id,
                    as_of=as_of,
                    figures=to_json(compliance_figures(session, school, as_of)),
                    term_name=term.name if term else None,
                    term_starts_on=term.starts_on if term else None,
                    counted_on=today,
                )
            )
            stored += 1
    session.execute(
        sa.delete(ComplianceSnapshot).where(
            ComplianceSnapshot.term_name.is_(None), ComplianceSnapshot.as_of < today - DAILY_SNAPSHOTS_KEPT
        )
    )
    session.flush()
    return stored


def latest_snapshot_dates(school_ids: sa.Select, today: date) -> sa.Subquery:
    """The date of each school's latest snapshot as of `today` or before, within the daily
    snapshots' week (`school_id`, `as_of`), for the schools whose ids `school_ids` selects."""
    return (
        sa.select(ComplianceSnapshot.school_id, sa.func.max(ComplianceSnapshot.as_of).label("as_of"))
        .where(
            ComplianceSnapshot.school_id.in_(school_ids),
            ComplianceSnapshot.as_of <= today,
            ComplianceSnapshot.as_of >= today - DAILY_SNAPSHOTS_KEPT,
        )
        .group_by(ComplianceSnapshot.school_id)
        .subquery("latest")
    )


@dataclass(frozen=True)
class TrendPoint:
    label: str
    as_of: date
    figures: dict  # `to_json(...)["figures"]`
    so_far: bool = False  # the current term, as of today
    counted_on: date | None = None  # set when the figures were counted well after `as_of`, from later records

    def count(self, key: str) -> int | None:
        figure = self.figures.get(key)
        return None if figure is None else figure["count"]

    def percent(self, key: str) -> float | None:
        figure = self.figures.get(key)
        return None if figure is None else figure["percent"]


def term_trend(session: Session, current: SchoolCompliance) -> list[TrendPoint]:
    """The school's figures at the end of each term of last and this academic year, as the sweep
    stored them, then the current term's as of today (from `current`, the unfiltered figures).
    One query."""
    year = academic_year_of(current.today)
    points = [
        TrendPoint(
            snapshot.term_name,
            snapshot.as_of,
            snapshot.figures["figures"],
            counted_on=snapshot.counted_on if snapshot.counted_on > snapshot.as_of + LATE else None,
        )
        for snapshot in session.scalars(
            sa.select(ComplianceSnapshot)
            .where(
                ComplianceSnapshot.school_id == current.school_id,
                ComplianceSnapshot.term_name.is_not(None),
                ComplianceSnapshot.term_starts_on >= date(year - 1, 9, 1),
                ComplianceSnapshot.as_of < current.today,
            )
            .order_by(ComplianceSnapshot.as_of)
        )
    ]
    now_term = term_holding(current.terms, current.today)
    label = f"{now_term.name} so far" if now_term else "Today"
    points.append(TrendPoint(label, current.today, to_json(current)["figures"], so_far=True))
    return points
