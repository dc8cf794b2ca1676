"""The daily sweep: a pure function of the database and `today` that creates the tasks and
notifications that are due and not yet created (DESIGN section 6).

Each duty of the catalogue has one rule function here, which finds, in a few set-based queries,
every subject for which the duty is due today. The rows are inserted with ON CONFLICT DO NOTHING
against the unique (duty, subject, period) and (recipient, kind, subject, period) constraints, so
a second sweep, a restart or two schedulers at once create nothing twice, and a sweep after days
without one catches up: it asks what is due, not what happened since yesterday.

Tasks go to the current holder of the role at the school (or the pupil's class teacher, or the
member of staff the duty names); open tasks follow the role when staff change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sentrack import access, audit
from sentrack.clock import day_of, now
from sentrack.models import (
    AccessStatus,
    AssessmentDecision,
    Concern,
    ConcernStatus,
    Duty,
    EhcAdvice,
    EhcPlan,
    EhcRequest,
    EhcReview,
    GroupKind,
    Intervention,
    InterventionPupil,
    Notification,
    ParentLetter,
    Plan,
    PlanDecision,
    Provision,
    Pupil,
    ReviewOutcome,
    Role,
    RoleAssignment,
    School,
    SenStatus,
    SubjectAccessRequest,
    SupportCycle,
    Task,
    TaskStatus,
    TeachingGroup,
    TimelineEvent,
    User,
    group_pupils,
    group_teachers,
)
from sentrack.models.duties import PUPIL_IN_TITLE, task_title
from sentrack.models.organisation import current_group
from sentrack.workflows import ehc_dates, retention
from sentrack.workflows.compliance import record_snapshots
from sentrack.workflows.ctf_export import left_with_sen_record
from sentrack.workflows.duty_catalogue import BY_CODE, DutySpec, sync_catalogue
from sentrack.workflows.ehc_register import ehc_without_plan, plan_in_force, request_in_progress
from sentrack.workflows.ehc_schedule import review_schedule
from sentrack.workflows.engagement import Engagement, engagement_for_schools
from sentrack.workflows.fulfilment import passport_period, settle_tasks
from sentrack.workflows.outcome_bank import seed_outcome_bank
from sentrack.workflows.register import (
    awaiting_impact,
    is_record_stale,
    last_recorded,
    on_register,
    on_roll,
    record_stale_on,
    register_status,
    review_due_within,
)
from sentrack.workflows.school_days import school_days_after
from sentrack.workflows.sen_status import SEN_SUPPORT_LETTER
from sentrack.workflows.terms import Term, academic_year_of, date_in_academic_year, school_terms, terms_of_schools

TASK_ASSIGNED = "task_assigned"
NAME = PUPIL_IN_TITLE  # where a title names the pupil: filled in from the record whenever shown
CHUNK = 500  # rows per INSERT: well inside SQLite's limit on bound parameters

# Duties whose task belongs to one named person (the teacher who must read the passport, the
# member of staff who delivered the intervention), not to whoever holds the role.
PERSONAL = {"teacher_acknowledges_passport", "assistant_records_impact"}
# Duties due by a term's dates: their open tasks move with the dates the school sets for the term.
FOLLOW_TERM_DATES = {"teacher_meets_parents", "senco_liaises_designated_teacher"}


@dataclass
class SweepSummary:
    today: date
    tasks_created: int = 0
    notifications_created: int = 0
    tasks_moved: int = 0
    tasks_done: int = 0  # closed by the records that did their work
    tasks_cancelled: int = 0  # closed as no longer needed
    snapshots_stored: int = 0  # schools' compliance figures of the day and of terms' ends
    by_duty: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "date": self.today.isoformat(),
            "tasks_created": self.tasks_created,
            "notifications_created": self.notifications_created,
            "tasks_moved": self.tasks_moved,
            "tasks_done": self.tasks_done,
            "tasks_cancelled": self.tasks_cancelled,
            "snapshots_stored": self.snapshots_stored,
            "by_duty": dict(sorted(self.by_duty.items())),
            "skipped": self.skipped,
        }


@dataclass(frozen=True)
class Due:
    """A duty due for one subject: the task the rule asks for."""

    school_id: int
    subject_type: str
    subject_id: int
    period: str
    due_on: date
    title: str
    link: tuple[str, dict] | None  # the endpoint of the place to act, and its arguments
    pupil_id: int | None = None
    assignee_id: int | None = None  # for personal duties and the class teacher; else the role holder
    name: str | None = None  # the pupil's name today, where the title template holds NAME


@dataclass(frozen=True)
class OnRegister:
    pupil_id: int
    public_id: str
    name: str
    school_id: int
    year_group: int
    looked_after: bool
    status_id: int
    provision: Provision
    since: date
    updated_at: date


@dataclass
class Context:
    """What every rule reads, each loaded once per sweep."""

    session: Session
    today: date
    schools: list[School]
    holders: dict[tuple[int, Role], int]  # (school id, role) -> the holder's user id
    la_officers: dict[int, int]  # local authority id -> an officer's user id
    class_teachers: dict[int, int]  # pupil id -> the class teacher's user id
    register: list[OnRegister]
    _terms: dict[int, list[Term]] = field(default_factory=dict)
    _engagement: dict[int, dict] = field(default_factory=dict)

    def engagement(self, school_id: int) -> dict:
        """The parent-engagement rule for each pupil of the school on the register today (for
        every school at once, the first time it is asked)."""
        if not self._engagement:
            self._engagement = engagement_for_schools(self.session, self.schools, self.today)
        return self._engagement.get(school_id, {})

    def term_counts(self, row: OnRegister) -> bool:
        """Whether the current term can still count for the pupil by the engagement rule (on the
        roll and the register long enough by its last day): no task is made for one that cannot."""
        found = self.engagement(row.school_id).get(row.pupil_id)
        return found is not None and found.term_counts

    def term(self, school_id: int) -> Term | None:
        """The school's term that today falls in (None in a holiday between terms)."""
        if school_id not in self._terms:
            school = next(s for s in self.schools if s.id == school_id)
            self._terms[school_id] = school_terms(self.session, school, self.today)
        return next((t for t in self._terms[school_id] if t.starts_on <= self.today <= t.ends_on), None)

    def holder(self, duty: Duty, due: Due, school_la: dict[int, int]) -> int | None:
        if due.assignee_id is not None or duty.role is Role.TEACHER:
            return due.assignee_id  # a pupil with no class teacher waits for one, unassigned
        if duty.role is Role.LA_OFFICER:
            return self.la_officers.get(school_la.get(due.school_id, -1))
        return self.holders.get((due.school_id, duty.role))


# --- Loading ---------------------------------------------------------------------------------------


def _holders(session: Session) -> dict[tuple[int, Role], int]:
    """The holder of each role at each school: the active member who has held it longest."""
    rows = session.execute(
        sa.select(User.school_id, RoleAssignment.role, User.id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(User.active, User.school_id.is_not(None))
        .order_by(RoleAssignment.assigned_at, RoleAssignment.id)
    )
    found: dict[tuple[int, Role], int] = {}
    for school_id, role, user_id in rows:
        found.setdefault((school_id, role), user_id)
    return found


def la_officers(session: Session) -> dict[int, int]:
    """The officer each local authority's tasks go to: the active officer who has held the role
    longest (local authority id -> user id)."""
    rows = session.execute(
        sa.select(User.local_authority_id, User.id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(User.active, RoleAssignment.role == Role.LA_OFFICER, User.local_authority_id.is_not(None))
        .order_by(RoleAssignment.assigned_at, RoleAssignment.id)
    )
    found: dict[int, int] = {}
    for la_id, user_id in rows:
        found.setdefault(la_id, user_id)
    return found


def _teacher_pairs(session: Session, today: date) -> list[tuple[int, int]]:
    """(pupil id, teacher id) for every active teacher of a current class of every pupil on the register."""
    return list(
        session.execute(
            sa.select(group_pupils.c.pupil_id, group_teachers.c.user_id)
            .join(group_teachers, group_teachers.c.group_id == group_pupils.c.group_id)
            .join(User, User.id == group_teachers.c.user_id)
            .join(SenStatus, SenStatus.pupil_id == group_pupils.c.pupil_id)
            .join(Pupil, Pupil.id == group_pupils.c.pupil_id)
            .where(User.active, on_roll(today), register_status(today), current_group(group_pupils.c.group_id))
            .order_by(group_pupils.c.pupil_id, group_teachers.c.user_id)
            .distinct()
        )
    )


def _class_teachers(session: Session, today: date) -> dict[int, int]:
    """Each pupil's class teacher: a teacher of the pupil's current registration class (form group)
    where the pupil has one, else of another current class; the lowest id where there are several."""
    rows = session.execute(
        sa.select(group_pupils.c.pupil_id, group_teachers.c.user_id)
        .join(group_teachers, group_teachers.c.group_id == group_pupils.c.group_id)
        .join(TeachingGroup, TeachingGroup.id == group_pupils.c.group_id)
        .join(User, User.id == group_teachers.c.user_id)
        .join(SenStatus, SenStatus.pupil_id == group_pupils.c.pupil_id)
        .join(Pupil, Pupil.id == group_pupils.c.pupil_id)
        .where(User.active, on_roll(today), register_status(today), current_group(group_pupils.c.group_id))
        .order_by(
            group_pupils.c.pupil_id,
            sa.case((TeachingGroup.kind == GroupKind.REGISTRATION, 0), else_=1),
            group_teachers.c.user_id,
        )
    )
    class_teachers: dict[int, int] = {}
    for pupil_id, teacher_id in rows:
        class_teachers.setdefault(pupil_id, teacher_id)
    return class_teachers


def _register(session: Session, today: date) -> list[OnRegister]:
    # The columns alone, not a Pupil object for each of tens of thousands of pupils; the name is
    # the model's own `full_name`, read from the row.
    rows = session.execute(
        sa.select(
            Pupil.id,
            Pupil.public_id,
            Pupil.first_name,
            Pupil.preferred_name,
            Pupil.last_name,
            Pupil.school_id,
            Pupil.year_group,
            Pupil.looked_after,
            Pupil.updated_at,
            SenStatus.id.label("status_id"),
            SenStatus.provision,
            SenStatus.start_date,
        )
        .join(SenStatus, SenStatus.pupil_id == Pupil.id)
        .where(on_roll(today), register_status(today))
        .order_by(Pupil.id)
    )
    full_name = Pupil.full_name.fget
    return [
        OnRegister(
            row.id,
            row.public_id,
            full_name(row),
            row.school_id,
            row.year_group,
            row.looked_after,
            row.status_id,
            row.provision,
            row.start_date,
            day_of(row.updated_at) if row.updated_at is not None else None,
        )
        for row in rows
    ]


# --- The rules, one per duty -----------------------------------------------------------------------
# Each rule reads its due date from the duty's entry in the catalogue (`DutySpec`).


def _on_register(
    row: OnRegister,
    period: str,
    due_on: date,
    title: str,
    endpoint: str = "pupils.show",
    assignee_id: int | None = None,
) -> Due:
    """The task of a duty about a pupil on the register, linking to a page of the pupil's."""
    link = (endpoint, {"public_id": row.public_id})
    return Due(row.school_id, "pupil", row.pupil_id, period, due_on, title, link, row.pupil_id, assignee_id, row.name)


def _about(pupil: Pupil, subject_type: str, subject_id: int, due_on: date, title: str, endpoint: str, **args) -> Due:
    """The task of a duty about one record of a pupil's (a cycle, a concern, a letter), once per record."""
    link = (endpoint, {"public_id": pupil.public_id, **args})
    return Due(pupil.school_id, subject_type, subject_id, "", due_on, title, link, pupil.id, name=pupil.full_name)


def _days(spec: DutySpec, name: str = "due_days") -> timedelta:
    return timedelta(days=getattr(spec, name))


def rule_teacher_meets_parents(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: each term, every pupil on the register for whom the current term can still count.
    Due: the term's last day, to the pupil's class teacher. Clause: parents are met at least three
    times a year, led by the class teacher (CoP 6.65; DESIGN section 6's engagement rule)."""
    for row in ctx.register:
        term = ctx.term(row.school_id)
        if term is not None and ctx.term_counts(row):
            title = f"Meet the parents of {NAME} ({term.name})"
            teacher_id = ctx.class_teachers.get(row.pupil_id)
            yield _on_register(row, f"term:{term.period}", term.ends_on, title, assignee_id=teacher_id)


def rule_teacher_acknowledges_passport(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: a pupil joins the register, or a teacher starts teaching a pupil on it. Due: `due_days`
    (14) after the pupil joined the register, or as many days from today for a teacher new to the
    pupil, to that teacher. Clause: the pupil's needs are made known to everyone likely to teach them."""
    by_pupil = {row.pupil_id: row for row in ctx.register}
    for pupil_id, teacher_id in _teacher_pairs(ctx.session, ctx.today):
        row = by_pupil.get(pupil_id)
        if row is None:
            continue
        due = row.since + _days(spec)
        if due < ctx.today:  # a teacher new to the pupil: the same number of days from now
            due = ctx.today + _days(spec)
        yield Due(
            row.school_id,
            "pupil",
            pupil_id,
            passport_period(row.status_id, teacher_id),
            due,
            f"Read {NAME}'s passport",
            ("main.home", {}),
            pupil_id,
            teacher_id,
            name=row.name,
        )


def rule_senco_liaises_designated_teacher(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: each term, every looked-after pupil on the register whose term can still count.
    Due: `due_days` (28) into the term or after the pupil joined the register, never after the term
    ends. Clause: the SENCO liaises with the designated teacher; the personal education plan is
    reviewed termly (DESIGN section 1, looked-after children)."""
    for row in ctx.register:
        term = ctx.term(row.school_id) if row.looked_after else None
        if term is not None and ctx.term_counts(row):
            due = min(max(term.starts_on, row.since) + _days(spec), term.ends_on)
            title = f"Liaise with the designated teacher about {NAME} ({term.name})"
            yield _on_register(row, f"term:{term.period}", due, title)


def rule_senco_supports_transition(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: each academic year, pupils on the register in Year 6 or Year 11. Due: the phase
    transfer date of the year group (`due_dates`: 15 February for Year 6, 31 March for Year 11).
    Clause: the SENCO helps pupils move on to their next school or college (the phase transfer
    dates of DESIGN section 1)."""
    year = academic_year_of(ctx.today)
    for row in ctx.register:
        when = spec.due_dates.get(row.year_group)
        if when is not None:
            month, day = when
            title = f"Plan {NAME}'s move to the next phase (Year {row.year_group})"
            yield _on_register(row, f"year:{year}", date_in_academic_year(year, month, day), title)


def rule_senco_keeps_records_current(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: a pupil on the register whose record has had no entry for the school's
    `records_stale_weeks`. Due: `due_days` (14) after the record became stale. Clause: the SENCO
    keeps SEN records up to date (CoP 6.72 onward)."""
    # The register's pupils as a subquery, not their ids sent back: a quarter of a million pupils
    # made a list of tens of thousands of parameters.
    on_register_today = sa.select(Pupil.id).where(on_register(ctx.today))
    latest = (
        dict(
            ctx.session.execute(
                sa.select(TimelineEvent.pupil_id, sa.func.max(TimelineEvent.recorded_at))
                .where(TimelineEvent.pupil_id.in_(on_register_today))
                .group_by(TimelineEvent.pupil_id)
            ).all()
        )
        if ctx.register
        else {}
    )
    stale_weeks = {s.id: s.records_stale_weeks for s in ctx.schools}
    for row in ctx.register:
        last = last_recorded(row.updated_at, latest.get(row.pupil_id))
        stale_on = record_stale_on(last, stale_weeks[row.school_id])
        if is_record_stale(last, stale_weeks[row.school_id], ctx.today):
            title = f"Bring {NAME}'s SEN record up to date"
            yield _on_register(row, f"since:{last.isoformat()}", stale_on + _days(spec), title, "cycles.timeline")


def rule_senco_holds_review(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: `notice_days` (14) before a running plan's review date. Due: on the review date.
    Clause: each plan is reviewed on the date agreed with parents (graduated approach, CoP 6.44 to 6.56)."""
    rows = ctx.session.execute(
        sa.select(SupportCycle.id, SupportCycle.number, Plan.review_date, Pupil)
        .join(Plan, Plan.cycle_id == SupportCycle.id)
        .join(Pupil, Pupil.id == SupportCycle.pupil_id)
        .where(on_roll(ctx.today), review_due_within(ctx.today, spec.notice_days))
    )
    for cycle_id, number, review_date, pupil in rows:
        title = f"Hold {NAME}'s review (cycle {number})"
        yield _about(pupil, "support_cycle", cycle_id, review_date, title, "cycles.show", number=number)


def rule_senco_decides_concern(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: an open concern raised by today. Due: the concern's deadline (28 days by default).
    Clause: there is no monitoring list: each concern ends in an assessment or a reasoned decision
    (guide, point 4)."""
    rows = ctx.session.execute(
        sa.select(Concern.id, Concern.deadline, Pupil)
        .join(Pupil, Pupil.id == Concern.pupil_id)
        .where(Concern.status == ConcernStatus.OPEN, Concern.raised_on <= ctx.today, on_roll(ctx.today))
    )
    for concern_id, deadline, pupil in rows:
        title = f"Decide on the concern about {NAME}"
        yield _about(pupil, "concern", concern_id, deadline, title, "cycles.decide_concern", concern_id=concern_id)


def rule_senco_tells_parents(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: a pupil placed on SEN support whose letter to parents is not yet sent. Due:
    `due_days` (14) after the letter was created. Clause: parents are told formally when the school
    makes SEN provision (Children and Families Act 2014, s.68)."""
    rows = ctx.session.execute(
        sa.select(ParentLetter.id, ParentLetter.created_on, Pupil)
        .join(Pupil, Pupil.id == ParentLetter.pupil_id)
        .join(SenStatus, SenStatus.id == ParentLetter.sen_status_id)
        .where(
            ParentLetter.kind == SEN_SUPPORT_LETTER,
            ParentLetter.sent_on.is_(None),
            ParentLetter.created_on <= ctx.today,
            on_roll(ctx.today),
            sa.or_(SenStatus.end_date.is_(None), SenStatus.end_date >= ctx.today),
        )
    )
    for letter_id, created_on, pupil in rows:
        title = f"Send the SEN support letter to {NAME}'s parents"
        due_on = created_on + _days(spec)
        yield _about(pupil, "parent_letter", letter_id, due_on, title, "cycles.letter", letter_id=letter_id)


def rule_assistant_records_impact(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: an intervention has ended and a pupil in it has no impact recorded. Due: `due_days`
    (14) after it ended, to the member of staff who delivered it (the SENCO when they cannot).
    Clause: the support assistant helps plan interventions and judge their impact."""
    without_impact = sa.select(InterventionPupil.intervention_id).where(awaiting_impact())
    # A support assistant (and nothing more) whose access to the intervention has ended cannot
    # record its impact: the SENCO does (as `_follow_the_role` moves such a task later).
    assistant_only = access.holds_only(User.id, Role.SUPPORT_ASSISTANT)
    rows = ctx.session.execute(
        sa.select(
            Intervention.id,
            Intervention.name,
            Intervention.school_id,
            Intervention.ends_on,
            Intervention.delivered_by_id,
            User.active,
            assistant_only,
            School.assistant_access_weeks,
        )
        .join(User, User.id == Intervention.delivered_by_id)
        .join(School, School.id == Intervention.school_id)
        .where(Intervention.ends_on < ctx.today, Intervention.id.in_(without_impact))
    )
    for iv_id, name, school_id, ends_on, deliverer_id, active, only_assists, weeks in rows:
        able = active and not (only_assists and ends_on < ctx.today - timedelta(weeks=weeks))
        assignee = deliverer_id if able else ctx.holders.get((school_id, Role.SENCO))
        yield Due(
            school_id,
            "intervention",
            iv_id,
            "",
            ends_on + _days(spec),
            f"Record the impact of {name}",
            ("interventions.impact", {"intervention_id": iv_id}),
            None,
            assignee,
        )


def rule_governors_publish_report(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: each academic year, for every school, from 1 September. Due: 31 October
    (`due_dates`). Clause: the governors publish the annual SEN information report on how the
    school's policy for pupils with SEN is carried out."""
    year = academic_year_of(ctx.today)
    month, day = spec.due_dates[None]
    for school in ctx.schools:
        yield Due(
            school.id,
            "school",
            school.id,
            f"year:{year}",
            date_in_academic_year(year, month, day),
            f"Publish the SEN information report for {year}/{str(year + 1)[-2:]}",
            None,
        )


def rule_head_told_engagement_overdue(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: each week in which at least one of the school's pupils has parent meetings overdue.
    Due: the end of the week (`due_days`, 7, from Monday). Clause: the head teacher makes sure
    parents are drawn into talking about their child's progress at least three times a year (CoP 6.65)."""
    iso = ctx.today.isocalendar()
    monday = ctx.today - timedelta(days=ctx.today.weekday())
    for school in ctx.schools:
        count = sum(1 for p in ctx.engagement(school.id).values() if p.status == Engagement.OVERDUE)
        if count:
            yield Due(
                school.id,
                "school",
                school.id,
                f"week:{iso.year}-W{iso.week:02d}",
                monday + _days(spec) - timedelta(days=1),
                f"Parent meetings are overdue for {count} pupil{'s' if count != 1 else ''} (week {iso.week})",
                ("dashboard.figure", {"key": "engagement_overdue"}),
            )


# --- EHC work: the authority's steps and the school's (issue 15) -----------------------------------
# Each step's due date comes from `ehc_dates`, the one function per statutory clock; each rule finds
# the records still waiting for the step, and `fulfilment` closes the task when the step is recorded.


def _ehc_due(pupil: Pupil, subject_type: str, subject_id: int, period: str, due_on: date, title: str, link) -> Due:
    return Due(pupil.school_id, subject_type, subject_id, period, due_on, title, link, pupil.id, name=pupil.full_name)


def _requests(ctx: Context, *conditions) -> list:
    """(request, pupil) of the requests in progress, received by today, of pupils on the roll."""
    return ctx.session.execute(
        sa.select(EhcRequest, Pupil)
        .join(Pupil, Pupil.id == EhcRequest.pupil_id)
        .where(request_in_progress(), EhcRequest.received_on <= ctx.today, on_roll(ctx.today), *conditions)
    ).all()


def _request_due(request: EhcRequest, pupil: Pupil, due_on: date, title: str) -> Due:
    link = ("ehc.request", {"request_id": request.id})
    return _ehc_due(pupil, "ehc_request", request.id, "", due_on, title, link)


def rule_la_decides_assessment(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: a request for an EHC needs assessment received and not yet decided. Due: 6 weeks after
    it was received (`ehc_dates.decision_to_assess_due`), to the authority's officer. Clause: SEND
    Regulations 2014, regulations 4 and 5."""
    for request, pupil in _requests(ctx, EhcRequest.assessment == AssessmentDecision.NOT_DECIDED):
        due_on = ehc_dates.decision_to_assess_due(request.received_on)
        yield _request_due(request, pupil, due_on, f"Decide whether to assess {NAME} for an EHC plan")


def rule_la_receives_advice(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: advice asked for an assessment and not yet received. Due: 6 weeks after it was asked
    (`ehc_dates.advice_due`), to the authority's officer. Clause: regulations 6 and 8."""
    rows = ctx.session.execute(
        sa.select(EhcAdvice, Pupil)
        .join(EhcRequest, EhcRequest.id == EhcAdvice.request_id)
        .join(Pupil, Pupil.id == EhcRequest.pupil_id)
        .where(
            EhcAdvice.received_on.is_(None),
            EhcAdvice.asked_on <= ctx.today,
            request_in_progress(),
            on_roll(ctx.today),
        )
    )
    for advice, pupil in rows:
        link = ("ehc.request", {"request_id": advice.request_id})
        title = f"Receive the advice from {advice.adviser} for {NAME}'s assessment"
        yield _ehc_due(pupil, "ehc_advice", advice.id, "", ehc_dates.advice_due(advice.asked_on), title, link)


def rule_la_decides_plan(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: the assessment agreed and no decision yet whether to issue a plan (or a decision not
    to, with the parents not yet told). Due: 16 weeks after the request was received
    (`ehc_dates.no_plan_notice_due`). Clause: regulation 10."""
    rows = ctx.session.execute(
        sa.select(EhcRequest, Pupil)
        .join(Pupil, Pupil.id == EhcRequest.pupil_id)
        .where(
            EhcRequest.assessment == AssessmentDecision.AGREED,
            EhcRequest.withdrawn_on.is_(None),
            EhcRequest.final_issued_on.is_(None),
            sa.or_(
                EhcRequest.plan_decision.is_(None),
                sa.and_(EhcRequest.plan_decision == PlanDecision.NO_PLAN, EhcRequest.parents_told_on.is_(None)),
            ),
            on_roll(ctx.today),
        )
    )
    for request, pupil in rows:
        due_on = ehc_dates.no_plan_notice_due(request.received_on)
        yield _request_due(request, pupil, due_on, f"Decide whether to issue an EHC plan for {NAME}")


def rule_la_issues_final_plan(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: the decision to issue a plan, and no final plan yet. Due: 20 weeks after the request
    was received (`ehc_dates.final_plan_due`). Clause: regulation 13."""
    for request, pupil in _requests(ctx, EhcRequest.plan_decision == PlanDecision.ISSUE):
        due_on = ehc_dates.final_plan_due(request.received_on)
        yield _request_due(request, pupil, due_on, f"Issue {NAME}'s final EHC plan")


def review_period(last_meeting_on: date | None, issued_on: date) -> str:
    """The period of a plan's annual review tasks: the meeting (or the issue) the review follows, so
    that each review is asked for once, and a review held starts the next period."""
    return f"since:{(last_meeting_on or issued_on).isoformat()}"


def _reviews_due(ctx: Context, spec: DutySpec):
    """(ReviewDue, pupil) of each plan in force of a pupil on the roll whose next annual review
    (`ehc_schedule.review_schedule`) is `notice_days` away or nearer, or past."""
    schedule = [
        due
        for due in review_schedule(ctx.session, ctx.today, on_roll(ctx.today))
        if due.due_on - _days(spec, "notice_days") <= ctx.today
    ]
    if not schedule:
        return []
    pupils = {
        p.id: p for p in ctx.session.scalars(sa.select(Pupil).where(Pupil.id.in_({d.pupil_id for d in schedule})))
    }
    return [(due, pupils[due.pupil_id]) for due in schedule]


def rule_senco_convenes_ehc_review(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: `notice_days` (8 weeks) before a plan's next annual review is due. Due: the day the
    invitations must go for a meeting on that date (`ehc_dates.invitations_due`), to the SENCO.
    Clause: regulation 20 (the school convenes the review; CoP 9.166 onward)."""
    for due, pupil in _reviews_due(ctx, spec):
        link = ("ehc.new_review", {"plan_id": due.plan_id})
        title = f"Convene the annual review of {NAME}'s EHC plan"
        period = review_period(due.last_meeting_on, due.issued_on)
        yield _ehc_due(pupil, "ehc_plan", due.plan_id, period, ehc_dates.invitations_due(due.due_on), title, link)


def rule_senco_holds_ehc_review(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: `notice_days` (2 weeks) before a plan's next annual review is due. Due: the review's
    due date, to the SENCO. Clause: the plan is reviewed at least every 12 months (CFA 2014 s.44)."""
    for due, pupil in _reviews_due(ctx, spec):
        link = ("ehc.plan", {"plan_id": due.plan_id})
        title = f"Hold the annual review meeting of {NAME}'s EHC plan"
        period = review_period(due.last_meeting_on, due.issued_on)
        yield _ehc_due(pupil, "ehc_plan", due.plan_id, period, due.due_on, title, link)


def _held_reviews(ctx: Context, *conditions) -> list:
    """(review, pupil) of the review meetings held by today of plans in force, pupils on the roll."""
    return ctx.session.execute(
        sa.select(EhcReview, Pupil)
        .join(EhcPlan, EhcPlan.id == EhcReview.plan_id)
        .join(Pupil, Pupil.id == EhcPlan.pupil_id)
        .where(
            EhcReview.held_on.is_not(None),
            EhcReview.held_on <= ctx.today,
            plan_in_force(ctx.today),
            on_roll(ctx.today),
            *conditions,
        )
    ).all()


def _review_due(review: EhcReview, pupil: Pupil, endpoint: str, due_on: date, title: str) -> Due:
    link = (endpoint, {"review_id": review.id})
    return _ehc_due(pupil, "ehc_review", review.id, "", due_on, title, link)


def rule_senco_sends_ehc_review_report(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: a review meeting held and its report not yet sent. Due: 2 weeks after the meeting
    (`ehc_dates.report_due`), to the SENCO. Clause: regulation 20(7)."""
    for review, pupil in _held_reviews(ctx, EhcReview.report_sent_on.is_(None)):
        title = f"Send the report of {NAME}'s EHC plan review"
        yield _review_due(review, pupil, "ehc.review_report", ehc_dates.report_due(review.held_on), title)


def rule_la_decides_ehc_review(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: a review meeting held and no decision of the authority yet. Due: 4 weeks after the
    meeting (`ehc_dates.la_decision_due`), to the authority's officer. Clause: regulation 20(10)."""
    for review, pupil in _held_reviews(ctx, EhcReview.la_decided_on.is_(None)):
        title = f"Decide whether to keep, amend or cease {NAME}'s EHC plan"
        yield _review_due(review, pupil, "ehc.review_decision", ehc_dates.la_decision_due(review.held_on), title)


def rule_la_finalises_amended_plan(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: amendments proposed after a review decision to amend, and the amended plan not yet
    final. Due: 8 weeks after the proposals (`ehc_dates.amended_plan_due`). Clause: regulation 22(3)."""
    rows = _held_reviews(
        ctx,
        EhcReview.la_decision == ReviewOutcome.AMEND,
        EhcReview.amendments_proposed_on.is_not(None),
        EhcReview.amendments_proposed_on <= ctx.today,
        EhcReview.amended_final_on.is_(None),
    )
    for review, pupil in rows:
        due_on = ehc_dates.amended_plan_due(review.amendments_proposed_on)
        yield _review_due(review, pupil, "ehc.review_amendments", due_on, f"Issue {NAME}'s amended EHC plan")


def rule_senco_adds_ehc_plan(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: a pupil on the roll with an open "E" status and no plan in force recorded
    (`ehc_register.ehc_without_plan`). Due: `due_days` (28) after the status started, or as many days
    from today for an older record. Clause: the plan's record keeps its reviews on time (issue 15)."""
    rows = ctx.session.execute(
        sa.select(SenStatus.id, SenStatus.start_date, Pupil)
        .join(Pupil, Pupil.id == SenStatus.pupil_id)
        .where(
            SenStatus.provision == Provision.EHC_PLAN,
            SenStatus.end_date.is_(None),
            SenStatus.start_date <= ctx.today,
            on_roll(ctx.today),
            ehc_without_plan(ctx.today),
        )
    )
    for status_id, since, pupil in rows:
        due_on = since + _days(spec)
        if due_on < ctx.today:  # recorded long ago: the same number of days from now
            due_on = ctx.today + _days(spec)
        link = ("ehc.new_plan", {"public_id": pupil.public_id})
        yield _ehc_due(pupil, "sen_status", status_id, "", due_on, f"Add the record of {NAME}'s EHC plan", link)


# How long after a leaving its task to send the SEN file is still made.
SEN_FILE_WINDOW = timedelta(days=365)


def sen_file_period(left_on: date) -> str:
    """The period of a leaver's SEN file task: the leaving it follows."""
    return f"left:{left_on.isoformat()}"


def rule_senco_sends_sen_file(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: a pupil left the roll by today, within the last 12 months (`SEN_FILE_WINDOW`), with
    an SEN record then (`ctf_export.left_with_sen_record`). Due: `due_days` (15) school days after the
    leaving date, by the school's terms (`school_days.school_days_after`), to the SENCO. Clause: the
    Education (Pupil Information) (England) Regulations 2005, regulation 9."""
    leavers = ctx.session.scalars(
        sa.select(Pupil).where(
            Pupil.left_on.is_not(None), Pupil.left_on <= ctx.today, Pupil.left_on > ctx.today - SEN_FILE_WINDOW
        )
    ).all()
    owing = left_with_sen_record(ctx.session, list(leavers))
    if not owing:
        return
    years = {y for p in owing for y in (academic_year_of(p.left_on), academic_year_of(p.left_on) + 1)}
    terms = terms_of_schools(ctx.session, {p.school_id for p in owing}, years)
    for pupil in owing:
        due_on = school_days_after(pupil.left_on, spec.due_days, terms[pupil.school_id])
        link = ("transfers.leaver", {"public_id": pupil.public_id})
        title = f"Send {NAME}'s SEN file to the next school"
        yield _ehc_due(pupil, "pupil", pupil.id, sen_file_period(pupil.left_on), due_on, title, link)


def rule_senco_answers_subject_access(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: a request for a pupil's data recorded, received by today and open (the pupil on the
    roll or not). Due: the request's own due date (`subject_access.due_date`, moved by an
    extension), to the SENCO. Clause: UK GDPR article 12(3); the Education (Pupil Information)
    (England) Regulations 2005, regulation 5."""
    found = ctx.session.execute(
        sa.select(SubjectAccessRequest, Pupil)
        .join(Pupil, Pupil.id == SubjectAccessRequest.pupil_id)
        .where(SubjectAccessRequest.status == AccessStatus.OPEN, SubjectAccessRequest.received_on <= ctx.today)
    ).all()
    for request, pupil in found:
        link = ("access_requests.show", {"request_id": request.id})
        title = f"Answer the request for {NAME}'s data"
        yield _ehc_due(pupil, "subject_access_request", request.id, "", request.due_on, title, link)


def rule_senco_approves_destruction(ctx: Context, spec: DutySpec) -> Iterator[Due]:
    """Trigger: a leaver's records are past their retention date, or the next school of this SEN
    Track has the SEN file (`retention.due_or_held`), and no legal hold stands. Due: `due_days`
    (28) after the day they fell due, to the SENCO. A hold lifted later asks again (its own period).
    Clause: IRMS Information Management Toolkit for Schools."""
    for school in ctx.schools:
        due = [r for r in retention.due_or_held(ctx.session, school, ctx.today) if r.due]
        lifted = retention.last_lifted_holds(ctx.session, [r.pupil.id for r in due])
        for record in due:
            pupil = record.pupil
            period = f"after-hold:{lifted[pupil.id]}" if pupil.id in lifted else ""
            fell_due = min(record.kept_until + timedelta(days=1), ctx.today)
            link = ("retention.confirm", {"public_id": pupil.public_id})
            title = f"Approve the destruction of {NAME}'s records, or hold them"
            yield _ehc_due(pupil, "pupil", pupil.id, period, fell_due + _days(spec), title, link)


RULES: dict[str, Callable[[Context, DutySpec], Iterator[Due]]] = {
    "head_told_engagement_overdue": rule_head_told_engagement_overdue,
    "senco_tells_parents": rule_senco_tells_parents,
    "senco_liaises_designated_teacher": rule_senco_liaises_designated_teacher,
    "senco_supports_transition": rule_senco_supports_transition,
    "senco_keeps_records_current": rule_senco_keeps_records_current,
    "senco_holds_review": rule_senco_holds_review,
    "senco_decides_concern": rule_senco_decides_concern,
    "teacher_meets_parents": rule_teacher_meets_parents,
    "teacher_acknowledges_passport": rule_teacher_acknowledges_passport,
    "assistant_records_impact": rule_assistant_records_impact,
    "governors_publish_report": rule_governors_publish_report,
    "la_decides_assessment": rule_la_decides_assessment,
    "la_receives_advice": rule_la_receives_advice,
    "la_decides_plan": rule_la_decides_plan,
    "la_issues_final_plan": rule_la_issues_final_plan,
    "senco_convenes_ehc_review": rule_senco_convenes_ehc_review,
    "senco_holds_ehc_review": rule_senco_holds_ehc_review,
    "senco_sends_ehc_review_report": rule_senco_sends_ehc_review_report,
    "la_decides_ehc_review": rule_la_decides_ehc_review,
    "la_finalises_amended_plan": rule_la_finalises_amended_plan,
    "senco_adds_ehc_plan": rule_senco_adds_ehc_plan,
    "senco_sends_sen_file": rule_senco_sends_sen_file,
    "senco_answers_subject_access": rule_senco_answers_subject_access,
    "senco_approves_destruction": rule_senco_approves_destruction,
}


# --- Writing ---------------------------------------------------------------------------------------


def _insert_ignoring_duplicates(
    session: Session, table: sa.Table, rows: list[dict], keys: list[str], returning
) -> list:
    """Insert `rows`, skipping any that the unique constraint over `keys` already holds; the
    returned columns of the rows actually inserted."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # One statement compiled once and sent with each chunk's rows (SQLAlchemy's "insertmanyvalues"
    # writes them into one INSERT a chunk): compiling a VALUES clause of the chunk's rows each time
    # took twice as long as the inserting.
    statement = insert(table).on_conflict_do_nothing(index_elements=keys).returning(*returning)
    inserted = []
    for start in range(0, len(rows), CHUNK):
        inserted.extend(session.execute(statement, rows[start : start + CHUNK]).all())
    return inserted


def path_for(endpoint: str | None, args: dict | None) -> str | None:
    """The path of an endpoint, built from the app's routes (outside a request too, as the
    scheduler runs)."""
    if endpoint is None:
        return None
    return current_app.url_map.bind("localhost").build(endpoint, args or {})


def _unnamed(task) -> str:
    """The task's title naming no pupil ("a pupil"); a task about a pupil without a template (made
    before templates) by its duty's kind of work only."""
    if task.pupil_id is not None and not task.title_template:
        return "A task about a pupil"
    return task_title(task.title, task.title_template, None)


def notify_assignees(session: Session, tasks: list) -> int:
    """One notification to the assignee of each task (rows of id, assigned_to_id, pupil_id, title,
    title_template, due_on, link_endpoint, link_args), unless they already have it. Returns how
    many were created. What it stores names no pupil ("a pupil"): the notifications page shows the
    task's title as it is when read, and an email names no pupil at all."""
    created_at = now()
    rows = [
        {
            "recipient_id": t.assigned_to_id,
            "kind": TASK_ASSIGNED,
            "subject_type": "task",
            "subject_id": t.id,
            "period": "",
            "title": _unnamed(t)[:200],
            "body": f"{_unnamed(t)}. Due by {t.due_on.day} {t.due_on:%B %Y}.",
            "link": path_for(t.link_endpoint, t.link_args) or "/tasks",
            "created_at": created_at,
            "email_status": "pending",
            "attempts": 0,
        }
        for t in tasks
        if t.assigned_to_id is not None
    ]
    table = Notification.__table__
    return len(
        _insert_ignoring_duplicates(
            session, table, rows, ["recipient_id", "kind", "subject_type", "subject_id", "period"], [table.c.id]
        )
    )


def _made_title(due: Due) -> str:
    return due.title.replace(NAME, due.name) if due.name else due.title


def _made_before(session: Session, duty: Duty) -> tuple[set[tuple], dict[tuple, tuple[int, date]]]:
    """The keys (subject type, subject id, period) of the duty's tasks already created, and, for a
    duty whose term's task follows the school's dates for the term (entered after it was made),
    each open task's (id, due date) by key. Only the keys are read (a table's columns, not the
    model's), all at once: the duty's tasks of every year are hundreds of thousands of rows at a
    large authority."""
    c = Task.__table__.c
    keys = sa.select(c.subject_type, c.subject_id, c.period).where(c.duty_id == duty.id)
    seen = set(session.execute(keys).tuples().all())
    if duty.code not in FOLLOW_TERM_DATES:
        return seen, {}
    open_tasks = sa.select(c.id, c.subject_type, c.subject_id, c.period, c.due_on).where(
        c.duty_id == duty.id, c.status == TaskStatus.OPEN
    )
    return seen, {
        (kind, subject, period): (task_id, due_on)
        for task_id, kind, subject, period, due_on in session.execute(open_tasks).all()
    }


def _create_tasks(
    session: Session, ctx: Context, duty: Duty, dues: list[Due], school_la: dict[int, int], created_at: datetime
) -> list:
    # The duty's tasks already created, read first, are left out before inserting: most of
    # what is due each day was created on an earlier day, and offering it again to the insert only
    # for the constraint to turn it away made a sweep after a sweep as slow as the first.
    seen, open_dates = _made_before(session, duty)
    moved_dates: dict[date, list[int]] = {}
    rows = []
    for due in dues:
        key = (due.subject_type, due.subject_id, due.period)
        if key in seen:
            task_id, due_on = open_dates.get(key, (None, due.due_on))
            if due_on != due.due_on:
                moved_dates.setdefault(due.due_on, []).append(task_id)
            continue
        seen.add(key)
        rows.append(
            {
                "school_id": due.school_id,
                "duty_id": duty.id,
                "subject_type": due.subject_type,
                "subject_id": due.subject_id,
                "period": due.period,
                "pupil_id": due.pupil_id,
                "assigned_to_id": ctx.holder(duty, due, school_la),
                "for_role": duty.role.value,
                "title": _made_title(due)[:200],
                "title_template": due.title[:200] if due.name else None,
                "link_endpoint": due.link[0] if due.link else None,
                "link_args": due.link[1] if due.link else None,
                "due_on": due.due_on,
                "status": TaskStatus.OPEN.value,
                "created_at": created_at,
            }
        )
    for due_on, task_ids in moved_dates.items():
        session.execute(
            sa.update(Task)
            .where(Task.id.in_(task_ids))
            .values(due_on=due_on)
            .execution_options(synchronize_session=False)
        )
    table = Task.__table__
    c = table.c
    return _insert_ignoring_duplicates(
        session,
        table,
        rows,
        ["duty_id", "subject_type", "subject_id", "period"],
        [c.id, c.assigned_to_id, c.pupil_id, c.title, c.title_template, c.due_on, c.link_endpoint, c.link_args],
    )


def covers_school(school_id, authority_duty) -> sa.ColumnElement[bool]:
    """SQL, on User: whether the user covers the school `school_id` for a task: a member of its
    staff, or for an authority's duty (`authority_duty`) an officer of the school's authority.
    Never NULL, so that its negation is exact."""
    authority = sa.select(School.local_authority_id).where(School.id == school_id).scalar_subquery()
    return sa.or_(
        sa.func.coalesce(User.school_id, -1) == school_id,
        sa.and_(authority_duty, User.school_id.is_(None), sa.func.coalesce(User.local_authority_id, -1) == authority),
    )


def _covers(user: User, task: Task, school_la: dict[int, int]) -> bool:
    """`covers_school` for one loaded user and task."""
    if user.school_id is not None:
        return user.school_id == task.school_id
    return task.for_role is Role.LA_OFFICER and user.local_authority_id == school_la.get(task.school_id)


def _not_teaching() -> sa.ColumnElement[bool]:
    """SQL, on Task: a class teacher's task about a pupil, held by a teacher (and nothing more) who
    no longer teaches the pupil: they can no longer reach the pupil's record to do it."""
    teaches = sa.exists().where(
        group_teachers.c.user_id == Task.assigned_to_id,
        group_pupils.c.pupil_id == Task.pupil_id,
        group_teachers.c.group_id == group_pupils.c.group_id,
        current_group(group_pupils.c.group_id),
    )
    return sa.and_(
        Task.for_role == Role.TEACHER,
        Task.pupil_id.is_not(None),
        Task.assigned_to_id.is_not(None),
        access.holds_only(Task.assigned_to_id, Role.TEACHER),
        ~teaches,
    )


def _access_ended(ctx: Context) -> sa.ColumnElement[bool]:
    """SQL, on Task: an intervention's task held by a support assistant (and nothing more) whose
    access to it ended the school's set number of weeks after its last day
    (`access.assistant_access_from`)."""
    access_weeks = sorted({school.assistant_access_weeks for school in ctx.schools})
    return sa.and_(
        Task.subject_type == "intervention",
        Task.assigned_to_id.is_not(None),
        access.holds_only(Task.assigned_to_id, Role.SUPPORT_ASSISTANT),
        sa.exists().where(
            Intervention.id == Task.subject_id,
            School.id == Task.school_id,
            sa.or_(
                sa.false(),
                *(
                    sa.and_(
                        School.assistant_access_weeks == weeks,
                        Intervention.ends_on < ctx.today - timedelta(weeks=weeks),
                    )
                    for weeks in access_weeks
                ),
            ),
        ),
    )


def _stranded_tasks(session: Session, ctx: Context) -> list:
    """(open task, whether its assignee can no longer act on it) for every open task that has no
    assignee, or one who has left, works elsewhere, no longer holds the role or cannot act on it."""
    holds_role = sa.exists().where(RoleAssignment.user_id == Task.assigned_to_id, RoleAssignment.role == Task.for_role)
    # An assignee who no longer covers the task's school: staff of another school, or, for the
    # authority's duties, an officer of another authority (the school moved, even by hand).
    elsewhere = sa.not_(covers_school(Task.school_id, Task.for_role == Role.LA_OFFICER))
    # Anyone left with no role at all, even holding a task given to them by hand.
    no_role = sa.and_(
        Task.assigned_to_id.is_not(None), ~sa.exists().where(RoleAssignment.user_id == Task.assigned_to_id)
    )
    cannot_act = sa.or_(_not_teaching(), _access_ended(ctx), no_role)
    stranded = sa.or_(
        Task.assigned_to_id.is_(None),
        User.active.is_(False),
        elsewhere,
        sa.and_(Task.assigned_by_id.is_(None), ~holds_role),
        cannot_act,
    )
    return session.execute(
        sa.select(Task, cannot_act)
        .outerjoin(User, User.id == Task.assigned_to_id)
        .where(Task.status == TaskStatus.OPEN, stranded)
    ).all()


_KEEP = object()  # `_next_holder`'s answer when the task stays as it is
_CANCELLED = object()  # `_next_holder`'s answer when it closed the task as no longer needed


def _next_holder(task: Task, code: str | None, no_longer_able: bool, ctx: Context, school_la: dict[int, int]):
    """Who a stranded task goes to: a user id, None for no one yet, or `_KEEP` when it stays as it
    is (a personal task whose person still works here), or `_CANCELLED` when it closed the task."""
    if code in PERSONAL:
        still_here = task.assigned_to_id is not None and (task.assigned_to is None or task.assigned_to.active)
        if still_here and not no_longer_able:
            return _KEEP  # the person still works here: a personal task is theirs whatever their role
        if code == "teacher_acknowledges_passport":
            _cancel_passport_task(task, ctx.today, still_here)
            return _CANCELLED
        return ctx.holders.get((task.school_id, Role.SENCO))
    if task.for_role is Role.TEACHER and task.pupil_id is not None:
        return ctx.class_teachers.get(task.pupil_id)
    if task.for_role is Role.LA_OFFICER:
        new = ctx.la_officers.get(school_la.get(task.school_id, -1))
        if new is None and task.assigned_to is not None and not _covers(task.assigned_to, task, school_la):
            task.assigned_to_id = task.assigned_by_id = None  # no officer of the new authority yet
            return _KEEP
        return new
    return ctx.holders.get((task.school_id, task.for_role))


def _cancel_passport_task(task: Task, today: date, still_here: bool) -> None:
    """Close a passport task as no longer needed: its teacher no longer teaches the pupil, or has left."""
    task.status = TaskStatus.CANCELLED
    task.closed_on = today
    task.note = (
        "No longer needed: the teacher no longer teaches the pupil."
        if still_here
        else "No longer needed: the teacher no longer works at the school."
    )


def _audit_moved(session: Session, moved: list) -> None:
    """One audit entry for each task the sweep moved, naming its new assignee."""
    audit.record_each(
        session,
        "task_moved_by_sweep",
        [
            {
                "school_id": task.school_id,
                "pupil_id": task.pupil_id,
                "object_type": "task",
                "object_id": task.id,
                "details": {"assigned_to_id": task.assigned_to_id},
            }
            for task in moved
        ],
    )


def _follow_the_role(
    session: Session, ctx: Context, duties: dict[str, Duty], school_la: dict[int, int], summary: SweepSummary
) -> list:
    """Move open tasks whose assignee has left, or no longer holds the role, to the role's current
    holder. A task reassigned by hand stays with that person while they are active at the school.
    A personal task whose person has left goes to the SENCO (impact) or is cancelled (passport)."""
    codes = {duty.id: code for code, duty in duties.items()}
    moved = []
    for task, no_longer_able in _stranded_tasks(session, ctx):
        new = _next_holder(task, codes.get(task.duty_id), no_longer_able, ctx, school_la)
        if new is _CANCELLED:
            summary.tasks_cancelled += 1
        if new is _KEEP or new is _CANCELLED:
            continue
        if new is not None and new != task.assigned_to_id:
            task.assigned_to_id = new
            task.assigned_by_id = None
            moved.append(task)
        elif new is None and no_longer_able:
            # No one to give it to yet: unassigned, in the lists of those who oversee tasks.
            task.assigned_to_id = task.assigned_by_id = None
    session.flush()
    summary.tasks_moved = len(moved)
    _audit_moved(session, moved)
    return moved


def run_sweep(session: Session, today: date, *, codes: list[str] | None = None) -> SweepSummary:
    """Create every task and notification due on `today` and not yet created, and move open tasks
    to the current holders of their roles. Flushes; the caller commits. `codes` limits the sweep
    to some duties (tests)."""
    summary = SweepSummary(today=today)
    duties = sync_catalogue(session)
    seed_outcome_bank(session)  # a school added since the last sweep starts with the bank of outcomes
    # Work recorded since the last sweep, however it was recorded, closes its tasks first.
    settled = settle_tasks(session, today)
    summary.tasks_done += settled.done
    summary.tasks_cancelled += settled.no_longer_needed
    schools = list(session.scalars(sa.select(School).order_by(School.id)))
    school_la = {s.id: s.local_authority_id for s in schools}
    ctx = Context(
        session,
        today,
        schools,
        _holders(session),
        la_officers(session),
        _class_teachers(session, today),
        _register(session, today),
    )

    moved = _follow_the_role(session, ctx, duties, school_la, summary)
    summary.notifications_created += notify_assignees(session, moved)

    made_at = now()  # every task this sweep creates is stamped with this one moment
    created = []
    for code, rule in RULES.items():
        duty = duties[code]
        if not duty.active or (codes is not None and code not in codes):
            continue
        made = _create_tasks(session, ctx, duty, list(rule(ctx, BY_CODE[code])), school_la, made_at)
        summary.by_duty[code] = len(made)
        summary.tasks_created += len(made)
        created += made
    # A task whose work was already recorded (a meeting held earlier in the term) is made done at
    # once, naming the record, and nobody is asked to do it. The new tasks are found by their
    # moment, not by a list of ids: at a large authority the first sweep makes a hundred thousand.
    if created:
        settled = settle_tasks(session, today, created_at=made_at)
        summary.tasks_done += settled.done
        summary.tasks_cancelled += settled.no_longer_needed
        if settled.done or settled.no_longer_needed:
            still_open = set(
                session.scalars(sa.select(Task.id).where(Task.created_at == made_at, Task.status == TaskStatus.OPEN))
            )
            created = [t for t in created if t.id in still_open]
    summary.notifications_created += notify_assignees(session, created)
    if codes is None:
        summary.snapshots_stored = record_snapshots(session, today)
    session.flush()
    return summary
