"""Tasks follow the records (DESIGN section 5): the record that does a duty's work closes its task
as done, naming the record; a task whose reason has gone closes as "no longer needed", which is
not done and is never counted as done.

`settle_tasks` is the one place that decides both. The operation that makes a record calls it
for the pupil (or intervention) concerned, in the same transaction, and the daily sweep calls it
for everything, so work recorded any other way is found the next morning. Each duty's rule is a
set-based query over its open tasks; a duty no record can prove (`DutySpec.closed_by_hand`) is
closed by a person with a note (`workflows.tasks.complete_task`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from sentrack.clock import day_of
from sentrack.models import (
    AccessStatus,
    AssessmentDecision,
    Concern,
    ConcernStatus,
    CtfExport,
    CycleState,
    Duty,
    EhcAdvice,
    EhcPlan,
    EhcRequest,
    EhcReview,
    InterventionPupil,
    LegalHold,
    ParentLetter,
    ParentMeeting,
    PassportRead,
    PlanDecision,
    Provision,
    Pupil,
    Review,
    ReviewKind,
    ReviewOutcome,
    SenStatus,
    SubjectAccessRequest,
    SupportCycle,
    Task,
    TaskStatus,
    TimelineEvent,
    User,
)
from sentrack.workflows.ehc_register import plan_in_force, request_in_progress
from sentrack.workflows.register import awaiting_impact, on_roll, register_status
from sentrack.workflows.terms import terms_of_schools


@dataclass(frozen=True)
class Done:
    """The record that did a task's work."""

    task_id: int
    record_type: str
    record_id: int
    on: date  # the record's effective date
    by_id: int | None  # who made the record
    what: str  # "review of 3 December 2026"


@dataclass
class Settled:
    done: int = 0
    no_longer_needed: int = 0


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _open_tasks(session: Session, duty_code: str, scope, *columns) -> list:
    """(id, pupil id, period, *columns) of the duty's open tasks within `scope`."""
    return session.execute(
        sa.select(Task.id, Task.pupil_id, Task.period, *columns)
        .join(Duty, Duty.id == Task.duty_id)
        .where(Task.status == TaskStatus.OPEN, Duty.code == duty_code, scope)
    ).all()


# --- What does each duty's work --------------------------------------------------------------------


@dataclass(frozen=True)
class _SubjectRecord:
    """A duty whose subject's own record shows the work done. `task` is the duty's code and the
    subject type of its tasks; `record` the columns (key, on, by): the record (the model of `key`,
    the column that holds the task's subject) does it once `done_when` holds, on the date `on`, by
    `by`; `what` names it from that date and `extra`, a column read beside it."""

    task: tuple[str, str]
    # (key, on, by): `on` may be an expression; `by` None where the record does not say who made the step
    record: tuple[sa.orm.InstrumentedAttribute, sa.ColumnElement, sa.orm.InstrumentedAttribute | None]
    done_when: sa.ColumnElement[bool]
    what: Callable[[date, object], str]
    extra: sa.orm.InstrumentedAttribute | None = None

    def __call__(self, session: Session, scope) -> list[Done]:
        """The open tasks of the duty within `scope` whose record shows the work done."""
        duty_code, subject_type = self.task
        key, on, by = self.record
        model = key.class_
        rows = session.execute(
            sa.select(
                Task.id, model.id, on, sa.null() if by is None else by, sa.null() if self.extra is None else self.extra
            )
            .join(Duty, Duty.id == Task.duty_id)
            .join(model, key == Task.subject_id)
            .where(
                Task.status == TaskStatus.OPEN,
                Duty.code == duty_code,
                Task.subject_type == subject_type,
                self.done_when,
                scope,
            )
        )
        return [Done(t, model.__tablename__, r, day, who, self.what(day, more)) for t, r, day, who, more in rows]


_review_recorded = _SubjectRecord(
    ("senco_holds_review", "support_cycle"),
    (Review.cycle_id, Review.held_on, Review.updated_by_id),
    Review.recorded_at.is_not(None),
    lambda day, _: f"review of {_day(day)}",
)
_concern_decided = _SubjectRecord(
    ("senco_decides_concern", "concern"),
    (Concern.id, Concern.decided_on, Concern.decided_by_id),
    Concern.status != ConcernStatus.OPEN,
    lambda day, status: f"decision of {_day(day)}: {status.label.lower()}",
    extra=Concern.status,
)
_letter_sent = _SubjectRecord(
    ("senco_tells_parents", "parent_letter"),
    (ParentLetter.id, ParentLetter.sent_on, ParentLetter.sent_by_id),
    ParentLetter.sent_on.is_not(None),
    lambda day, _: f"letter sent on {_day(day)}",
)


def _impact_recorded(session: Session, scope) -> list[Done]:
    missing = (
        sa.select(InterventionPupil.id)
        .where(InterventionPupil.intervention_id == Task.subject_id, awaiting_impact())
        .exists()
    )
    latest = (
        sa.select(InterventionPupil.intervention_id, sa.func.max(InterventionPupil.impact_recorded_on).label("on"))
        .group_by(InterventionPupil.intervention_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(Task.id, Task.subject_id, latest.c.on)
        .join(Duty, Duty.id == Task.duty_id)
        .join(latest, latest.c.intervention_id == Task.subject_id)
        .where(
            Task.status == TaskStatus.OPEN,
            Duty.code == "assistant_records_impact",
            Task.subject_type == "intervention",
            latest.c.on.is_not(None),
            ~missing,
            scope,
        )
    ).all()
    if not rows:
        return []
    by = dict(
        session.execute(
            sa.select(InterventionPupil.intervention_id, InterventionPupil.impact_recorded_by_id)
            .where(InterventionPupil.intervention_id.in_([r[1] for r in rows]))
            .order_by(InterventionPupil.impact_recorded_on, InterventionPupil.id)
        ).all()
    )  # the last writer of each intervention
    return [Done(t, "intervention", iv, on, by.get(iv), f"impact recorded on {_day(on)}") for t, iv, on in rows]


def _meeting_held(session: Session, scope) -> list[Done]:
    """A meeting with the pupil's parents held in the task's term (period "term:2026-autumn"), by
    the school's dates for the term, while the pupil was on the school's roll."""
    tasks = _open_tasks(session, "teacher_meets_parents", scope, Task.school_id)
    if not tasks:
        return []
    years = {int(period[5:9]) for _, _, period, _ in tasks if period[5:9].isdigit()}
    terms = {
        (school_id, term.period): term
        for school_id, found in terms_of_schools(session, {t[3] for t in tasks}, years).items()
        for term in found
    }
    windows = {task_id: terms.get((school_id, period.removeprefix("term:"))) for task_id, _, period, school_id in tasks}
    if not any(windows.values()):
        return []
    meetings: dict[int, list] = {}
    for row in session.execute(
        sa.select(ParentMeeting.pupil_id, ParentMeeting.id, ParentMeeting.held_on, ParentMeeting.recorded_by_id)
        .join(Pupil, Pupil.id == ParentMeeting.pupil_id)
        .where(
            ParentMeeting.pupil_id.in_({pupil_id for _, pupil_id, _, _ in tasks}),
            on_roll(ParentMeeting.held_on),  # as the engagement rule: not a meeting before admission
            ParentMeeting.held_on.between(
                min(t.starts_on for t in windows.values() if t), max(t.ends_on for t in windows.values() if t)
            ),
        )
        .order_by(ParentMeeting.held_on, ParentMeeting.id)
    ):
        meetings.setdefault(row[0], []).append(row)
    found = []
    for task_id, pupil_id, _, _ in tasks:
        term = windows[task_id]
        held = next((m for m in meetings.get(pupil_id, ()) if term is not None and term.holds(m[2])), None)
        if held is not None:
            found.append(
                Done(task_id, "parent_meeting", held[1], held[2], held[3], f"meeting with parents of {_day(held[2])}")
            )
    return found


def passport_period(status_id: int, teacher_id: int) -> str:
    """The period of a passport task: one per SEN status and member of staff."""
    return f"status:{status_id}:teacher:{teacher_id}"


def passport_of(period: str) -> tuple[int | None, int | None]:
    """(status id, teacher id) of a passport task's period; (None, None) for another period."""
    parts = period.split(":")
    if len(parts) == 4 and parts[0] == "status" and parts[1].isdigit() and parts[3].isdigit():
        return int(parts[1]), int(parts[3])
    return None, None


def _passport_read(session: Session, scope) -> list[Done]:
    """The teacher's "I have read it" for the status the task was made for (period
    "status:<id>:teacher:<id>")."""
    tasks = _open_tasks(session, "teacher_acknowledges_passport", scope)
    if not tasks:
        return []
    reads = {
        (r.pupil_id, r.user_id, r.sen_status_id): r
        for r in session.scalars(sa.select(PassportRead).where(PassportRead.pupil_id.in_({t[1] for t in tasks})))
    }
    found = []
    for task_id, pupil_id, period in tasks:
        status_id, teacher_id = passport_of(period)
        read = reads.get((pupil_id, teacher_id, status_id))
        if read is not None:
            found.append(
                Done(
                    task_id,
                    "passport_read",
                    read.id,
                    read.read_on,
                    read.user_id,
                    f"passport read on {_day(read.read_on)}",
                )
            )
    return found


def _record_updated(session: Session, scope) -> list[Done]:
    """Anything recorded on the pupil's timeline after the day the record went quiet (period
    "since:<date>")."""
    tasks = _open_tasks(session, "senco_keeps_records_current", scope)
    if not tasks:
        return []
    newest = (
        sa.select(TimelineEvent.pupil_id, sa.func.max(TimelineEvent.recorded_at).label("at"))
        .where(TimelineEvent.pupil_id.in_({t[1] for t in tasks}))
        .group_by(TimelineEvent.pupil_id)
        .subquery()
    )
    latest = {  # each pupil's latest entry only, not every entry
        pupil_id: (event_id, recorded_at, actor_id)
        for pupil_id, event_id, recorded_at, actor_id in session.execute(
            sa.select(TimelineEvent.pupil_id, TimelineEvent.id, TimelineEvent.recorded_at, TimelineEvent.actor_id)
            .join(
                newest, sa.and_(newest.c.pupil_id == TimelineEvent.pupil_id, newest.c.at == TimelineEvent.recorded_at)
            )
            .order_by(TimelineEvent.id)
        )
    }
    found = []
    for task_id, pupil_id, period in tasks:
        try:
            since = date.fromisoformat(period.removeprefix("since:"))
        except ValueError:
            continue
        event = latest.get(pupil_id)
        if event is not None and day_of(event[1]) > since:
            found.append(
                Done(
                    task_id,
                    "timeline_event",
                    event[0],
                    day_of(event[1]),
                    event[2],
                    f"entry of {_day(day_of(event[1]))} on the pupil's timeline",
                )
            )
    return found


# EHC work (issue 15). The authority's steps are dated on the request or the review, which does not
# say who recorded each one (the audit does), so those tasks name the record and its date only.


def _ehc_step(duty_code: str, on: sa.orm.InstrumentedAttribute, what, *, extra=None, done_when=None):
    """The duty whose task's subject (the record `on` belongs to) is done once `on` is dated (or
    once `done_when` holds), on that date."""
    model = on.class_
    done = on.is_not(None) if done_when is None else done_when
    return _SubjectRecord((duty_code, model.__tablename__), (model.id, on, None), done, what, extra=extra)


def _decision_of(day: date, decision) -> str:
    return f"decision of {_day(day)}: {decision.label.lower()}"


def _dated(words: str) -> Callable[[date, object], str]:
    return lambda day, _: f"{words} {_day(day)}"


_assessment_decided = _ehc_step(
    "la_decides_assessment",
    EhcRequest.assessment_decided_on,
    _decision_of,
    extra=EhcRequest.assessment,
    done_when=EhcRequest.assessment != AssessmentDecision.NOT_DECIDED,
)
_advice_received = _ehc_step(
    "la_receives_advice",
    EhcAdvice.received_on,
    lambda day, adviser: f"advice from {adviser} received on {_day(day)}",
    extra=EhcAdvice.adviser,
)
_plan_decided = _SubjectRecord(
    ("la_decides_plan", "ehc_request"),
    (
        EhcRequest.id,
        sa.case(
            (EhcRequest.plan_decision == PlanDecision.ISSUE, EhcRequest.plan_decided_on),
            else_=EhcRequest.parents_told_on,
        ),
        None,
    ),
    sa.or_(
        EhcRequest.plan_decision == PlanDecision.ISSUE,
        sa.and_(EhcRequest.plan_decision == PlanDecision.NO_PLAN, EhcRequest.parents_told_on.is_not(None)),
    ),
    lambda day, decision: (
        f"decision of {_day(day)} to issue a plan"
        if decision is PlanDecision.ISSUE
        else f"parents told on {_day(day)} that no plan will be issued"
    ),
    extra=EhcRequest.plan_decision,
)
_final_issued = _ehc_step("la_issues_final_plan", EhcRequest.final_issued_on, _dated("final plan issued on"))
_report_sent = _ehc_step("senco_sends_ehc_review_report", EhcReview.report_sent_on, _dated("review report sent on"))
_review_decided = _ehc_step("la_decides_ehc_review", EhcReview.la_decided_on, _decision_of, extra=EhcReview.la_decision)
_amended_final = _ehc_step("la_finalises_amended_plan", EhcReview.amended_final_on, _dated("amended plan final on"))


def review_basis(period: str) -> date | None:
    """The meeting (or issue) date an annual review task's period follows ("since:<date>")."""
    try:
        return date.fromisoformat(period.removeprefix("since:"))
    except ValueError:
        return None


def _annual_review_step(duty_code: str, convened: bool) -> Callable[[Session, sa.ColumnElement[bool]], list[Done]]:
    """The annual review that follows the task's period (`sweep.review_period`) convened, or held:
    an annual review of the plan convened for a meeting after that date, or held after it."""

    def found(session: Session, scope) -> list[Done]:
        tasks = _open_tasks(session, duty_code, scope, Task.subject_id)
        tasks = [t for t in tasks if review_basis(t[2]) is not None]
        if not tasks:
            return []
        reviews: dict[int, list[EhcReview]] = {}
        for review in session.scalars(
            sa.select(EhcReview)
            .where(EhcReview.plan_id.in_({t[3] for t in tasks}), EhcReview.kind == ReviewKind.ANNUAL)
            .order_by(EhcReview.meeting_on, EhcReview.id)
        ):
            reviews.setdefault(review.plan_id, []).append(review)
        done = []
        for task_id, _, period, plan_id in tasks:
            basis = review_basis(period)
            for review in reviews.get(plan_id, ()):
                if convened and review.convened_on is not None and (review.held_on or review.meeting_on) > basis:
                    what = f"annual review convened on {_day(review.convened_on)} for {_day(review.meeting_on)}"
                    done.append(Done(task_id, "ehc_review", review.id, review.convened_on, None, what))
                    break
                if not convened and review.held_on is not None and review.held_on > basis:
                    what = f"annual review meeting held on {_day(review.held_on)}"
                    done.append(Done(task_id, "ehc_review", review.id, review.held_on, None, what))
                    break
        return done

    return found


def _plan_recorded(session: Session, scope) -> list[Done]:
    """A plan in force (not ceased) recorded for the pupil whose "E" status asked for it."""
    tasks = _open_tasks(session, "senco_adds_ehc_plan", scope)
    if not tasks:
        return []
    plans = {
        plan.pupil_id: plan
        for plan in session.scalars(
            sa.select(EhcPlan).where(EhcPlan.pupil_id.in_({t[1] for t in tasks}), EhcPlan.ceased_on.is_(None))
        )
    }
    found = []
    for task_id, pupil_id, _ in tasks:
        plan = plans.get(pupil_id)
        if plan is not None:
            on = day_of(plan.recorded_at)
            what = f"EHC plan issued on {_day(plan.issued_on)}, recorded on {_day(on)}"
            found.append(Done(task_id, "ehc_plan", plan.id, on, plan.recorded_by_id, what))
    return found


SEN_FILE_DUTY = "senco_sends_sen_file"
DESTRUCTION_DUTY = "senco_approves_destruction"
# Duties due because the pupil left, and a request for a leaver's data (owed whether the pupil is
# on the roll or not): their tasks alone outlive the leaving.
LEAVERS_DUTIES = (SEN_FILE_DUTY, DESTRUCTION_DUTY, "senco_answers_subject_access")


def leaving_of(period: str) -> date | None:
    """The leaving date a leaver's SEN file task follows (period "left:<date>")."""
    try:
        return date.fromisoformat(period.removeprefix("left:"))
    except ValueError:
        return None


def _sen_file_sent(session: Session, scope) -> list[Done]:
    """The pupil's CTF (alone or in a transfer pack) exported on or after the leaving date the
    task follows (period "left:<date>"): the first such export."""
    tasks = _open_tasks(session, SEN_FILE_DUTY, scope)
    leavings = {task_id: leaving_of(period) for task_id, _, period in tasks}
    if not any(leavings.values()):
        return []
    exports: dict[int, list] = {}
    for row in session.execute(
        sa.select(CtfExport.pupil_id, CtfExport.id, CtfExport.exported_at, CtfExport.exported_by_id)
        .add_columns(CtfExport.file_name)
        .where(CtfExport.pupil_id.in_({pupil_id for _, pupil_id, _ in tasks}))
        .order_by(CtfExport.exported_at, CtfExport.id)
    ):
        exports.setdefault(row[0], []).append(row)
    found = []
    for task_id, pupil_id, _ in tasks:
        left_on = leavings[task_id]
        sent = next((e for e in exports.get(pupil_id, ()) if left_on and day_of(e[2]) >= left_on), None)
        if sent is not None:
            on = day_of(sent[2])
            found.append(Done(task_id, "ctf_export", sent[1], on, sent[3], f"{sent[4]} exported on {_day(on)}"))
    return found


_access_answered = _SubjectRecord(
    ("senco_answers_subject_access", "subject_access_request"),
    (SubjectAccessRequest.id, SubjectAccessRequest.closed_on, SubjectAccessRequest.closed_by_id),
    SubjectAccessRequest.status == AccessStatus.ANSWERED,
    lambda day, _: f"request answered on {_day(day)}",
)


def _records_destroyed(session: Session, scope) -> list[Done]:
    """A leaver's records to destroy: the destruction deletes the task with the pupil's records
    (`workflows.destruction`), so no open task is ever left to close as done; and the task is
    never closed by hand, since only the destruction (or a legal hold) settles it."""
    return []


FULFILLED: dict[str, Callable[[Session, sa.ColumnElement[bool]], list[Done]]] = {
    "review": _review_recorded,
    "parent_letter": _letter_sent,
    "concern": _concern_decided,
    "intervention_impact": _impact_recorded,
    "parent_meeting": _meeting_held,
    "passport_read": _passport_read,
    "timeline_event": _record_updated,
    "ehc_assessment_decision": _assessment_decided,
    "ehc_advice": _advice_received,
    "ehc_plan_decision": _plan_decided,
    "ehc_final_plan": _final_issued,
    "ehc_review_convened": _annual_review_step("senco_convenes_ehc_review", convened=True),
    "ehc_review_held": _annual_review_step("senco_holds_ehc_review", convened=False),
    "ehc_review_report": _report_sent,
    "ehc_review_decision": _review_decided,
    "ehc_amended_plan": _amended_final,
    "ehc_plan": _plan_recorded,
    "ctf_export": _sen_file_sent,
    "subject_access_answered": _access_answered,
    "destruction_log": _records_destroyed,
}


# --- When the reason has gone ----------------------------------------------------------------------

LEFT_NOTE = "No longer needed: the pupil has left the school."

# Duties about a pupil on the register: gone when the pupil is off the roll or off the register.
_REGISTER_DUTIES = (
    "teacher_meets_parents",
    "teacher_acknowledges_passport",
    "senco_liaises_designated_teacher",
    "senco_supports_transition",
    "senco_keeps_records_current",
)


_REQUEST_DUTIES = ("la_decides_assessment", "la_issues_final_plan")
# Duties no longer in the catalogue: their open tasks close at the next sweep. The EHC annual review
# counted from the anniversary of the "E" status is now the plan's own review duties.
RETIRED_DUTIES = {
    "la_annual_review": "No longer needed: the EHC plan's annual review is now asked for by its own steps "
    "(convened, held and reported by the school; decided by the authority).",
}


_REQUEST = aliased(EhcRequest)
_ADVICE = aliased(EhcAdvice)


def _of_request(*conditions) -> sa.ColumnElement[bool]:
    """SQL, on Task: the task's request (of an advice task, the advice's request) meets
    `conditions`, written over `_REQUEST`."""
    return sa.or_(
        sa.and_(
            Task.subject_type == "ehc_request",
            sa.exists().where(_REQUEST.id == Task.subject_id, *conditions),
        ),
        sa.and_(
            Task.subject_type == "ehc_advice",
            sa.exists().where(_ADVICE.id == Task.subject_id, _REQUEST.id == _ADVICE.request_id, *conditions),
        ),
    )


def _request_gone() -> list[tuple[sa.ColumnElement[bool], str]]:
    """The request withdrawn, or ended (refused, no plan, or the final plan issued before the
    advice came): a decision not to issue a plan still asks for the parents to be told."""
    withdrawn = _of_request(_REQUEST.withdrawn_on.is_not(None))
    ended = _of_request(~request_in_progress(_REQUEST))
    refused = _of_request(_REQUEST.assessment == AssessmentDecision.REFUSED)
    return [
        (
            sa.and_(Task.subject_type.in_(("ehc_request", "ehc_advice")), withdrawn),
            "No longer needed: the request was withdrawn.",
        ),
        (
            sa.and_(Duty.code.in_((*_REQUEST_DUTIES, "la_receives_advice")), ended),
            "No longer needed: the request has ended.",
        ),
        (sa.and_(Duty.code == "la_decides_plan", refused), "No longer needed: the request has ended."),
    ]


def _ehc_gone(today: date) -> list[tuple[sa.ColumnElement[bool], str]]:
    """EHC tasks whose reason has gone: the request withdrawn or ended, the plan ceased, a decision
    to amend changed, the "E" status that asked for a plan record ended; a retired duty's tasks."""
    plan = aliased(EhcPlan)
    review = aliased(EhcReview)
    ceased = sa.or_(
        sa.and_(
            Task.subject_type == "ehc_plan",
            sa.exists().where(plan.id == Task.subject_id, ~plan_in_force(today, plan)),
        ),
        sa.and_(
            Task.subject_type == "ehc_review",
            sa.exists().where(review.id == Task.subject_id, plan.id == review.plan_id, ~plan_in_force(today, plan)),
        ),
    )
    not_amending = sa.exists().where(
        review.id == Task.subject_id, sa.or_(review.la_decision.is_(None), review.la_decision != ReviewOutcome.AMEND)
    )
    status = aliased(SenStatus)
    e_ended = sa.exists().where(
        status.id == Task.subject_id,
        sa.or_(status.provision != Provision.EHC_PLAN, sa.and_(status.end_date.is_not(None), status.end_date < today)),
    )
    return [
        *((Duty.code == code, note) for code, note in RETIRED_DUTIES.items()),
        *_request_gone(),
        (
            sa.and_(Task.subject_type.in_(("ehc_plan", "ehc_review")), ceased),
            "No longer needed: the EHC plan has ceased.",
        ),
        (
            sa.and_(Duty.code == "la_finalises_amended_plan", not_amending),
            "No longer needed: the decision is no longer to amend the plan.",
        ),
        (
            sa.and_(Duty.code == "senco_adds_ehc_plan", Task.subject_type == "sen_status", e_ended),
            'No longer needed: the pupil is no longer recorded as "E".',
        ),
    ]


def _access_withdrawn() -> sa.ColumnElement[bool]:
    request = aliased(SubjectAccessRequest)
    return sa.and_(
        Task.subject_type == "subject_access_request",
        sa.exists().where(request.id == Task.subject_id, request.status == AccessStatus.WITHDRAWN),
    )


def _gone(today: date) -> list[tuple[sa.ColumnElement[bool], str]]:
    """(condition over an open Task joined to its Duty and outer-joined to its Pupil, the note)."""
    on_register_today = sa.exists().where(SenStatus.pupil_id == Task.pupil_id, register_status(today))
    letter = aliased(ParentLetter)
    letter_status = aliased(SenStatus)
    letter_moot = sa.exists().where(
        letter.id == Task.subject_id,
        letter_status.id == letter.sen_status_id,
        letter_status.end_date.is_not(None),
        letter_status.end_date < today,
        letter.sent_on.is_(None),
    )
    held_now = sa.and_(LegalHold.pupil_id == Task.pupil_id, LegalHold.lifted_at.is_(None))
    cycle = aliased(SupportCycle)
    review = aliased(Review)
    closed_unreviewed = sa.exists().where(
        cycle.id == Task.subject_id,
        cycle.state == CycleState.CLOSED,
        ~sa.exists().where(review.cycle_id == cycle.id, review.recorded_at.is_not(None)),
    )
    return [
        # A leaver's SEN file and records to destroy are due because they left, and a request for a
        # leaver's data is owed whether they are on the roll or not: those tasks alone outlive the leaving.
        (sa.and_(Task.pupil_id.is_not(None), ~on_roll(today), Duty.code.not_in(LEAVERS_DUTIES)), LEFT_NOTE),
        (
            sa.and_(Duty.code == DESTRUCTION_DUTY, sa.exists().where(held_now)),
            "No longer needed: a legal hold stops the destruction of the records.",
        ),
        (
            sa.and_(Duty.code == SEN_FILE_DUTY, Pupil.left_on.is_(None)),
            "No longer needed: the leaving was undone.",
        ),
        (
            sa.and_(Duty.code.in_(_REGISTER_DUTIES), ~on_register_today),
            "No longer needed: the pupil is no longer on the SEN register.",
        ),
        (
            sa.and_(Duty.code == "senco_liaises_designated_teacher", Pupil.looked_after.is_(False)),
            "No longer needed: the pupil is no longer looked after.",
        ),
        *_ehc_gone(today),
        (
            sa.and_(Duty.code == "senco_tells_parents", Task.subject_type == "parent_letter", letter_moot),
            "No longer needed: the pupil came off SEN support before the letter was sent.",
        ),
        (
            sa.and_(Duty.code == "senco_holds_review", Task.subject_type == "support_cycle", closed_unreviewed),
            "No longer needed: the cycle was closed without a review.",
        ),
        (_access_withdrawn(), "No longer needed: the request was withdrawn."),
    ]


def _passports_superseded(session: Session, scope, today: date) -> list[int]:
    """Open passport tasks whose SEN status has ended (the pupil moved from K to E, or their needs
    were recorded again): the passport changed, and a task for the new status asks to read it."""
    tasks = _open_tasks(session, "teacher_acknowledges_passport", scope)
    status_of = {task_id: passport_of(period)[0] for task_id, _, period in tasks if passport_of(period)[0]}
    if not status_of:
        return []
    ended = set(
        session.scalars(
            sa.select(SenStatus.id).where(
                SenStatus.id.in_(set(status_of.values())), SenStatus.end_date.is_not(None), SenStatus.end_date < today
            )
        )
    )
    return [task_id for task_id, status_id in status_of.items() if status_id in ended]


# --- Settling ---------------------------------------------------------------------------------------


def task_scope(
    *, pupil_ids: Iterable[int] | None = None, subjects: Iterable[tuple[str, int]] | None = None
) -> sa.ColumnElement[bool]:
    """Narrows settling to the tasks about some pupils or some subjects; everything without either."""
    conditions = []
    if pupil_ids is not None:
        conditions.append(Task.pupil_id.in_(list(pupil_ids)))
    for subject_type, subject_id in subjects or ():
        conditions.append(sa.and_(Task.subject_type == subject_type, Task.subject_id == subject_id))
    if pupil_ids is None and subjects is None:
        return sa.true()
    return sa.or_(*conditions) if conditions else sa.false()


_WAITING = "sentrack.fulfilment.waiting"  # session.info: the pupils whose tasks wait to be settled
SETTLED_TOGETHER_CHUNK = 1000  # pupils settled in one pass at the end of `settled_together`


@contextmanager
def settled_together(session: Session, today: date) -> Iterator[None]:
    """Records made for many pupils one after another (a build of a whole authority) settle
    their tasks once, at the end, for all those pupils together, in passes of a thousand, rather
    than once a record: the same tasks close, as done on the same records' dates."""
    waiting: set[int] = set()
    session.info[_WAITING] = waiting
    try:
        yield
    finally:
        session.info.pop(_WAITING, None)
    pupils = sorted(waiting)
    for start in range(0, len(pupils), SETTLED_TOGETHER_CHUNK):
        settle_tasks(session, today, pupil_ids=pupils[start : start + SETTLED_TOGETHER_CHUNK])


def settle_tasks(
    session: Session,
    today: date,
    *,
    pupil_ids: Iterable[int] | None = None,
    subjects: Iterable[tuple[str, int]] | None = None,
    task_ids: Iterable[int] | None = None,
    created_at: datetime | None = None,
) -> Settled:
    """Close every open task (of `pupil_ids`, of `subjects`, of `task_ids`, or created at the
    moment `created_at`; all when none is given) whose work a record has done, as done on the
    record's date, naming the record; then those whose reason has gone, as no longer needed.
    Flushes. Within `settled_together`, the settling of some pupils' tasks waits for its end, and
    nothing is counted here."""
    waiting = session.info.get(_WAITING)
    if waiting is not None and pupil_ids is not None and subjects is None and task_ids is None and created_at is None:
        waiting.update(pupil_ids)
        return Settled()
    session.flush()
    scope = task_scope(pupil_ids=pupil_ids, subjects=subjects)
    if task_ids is not None:
        scope = sa.and_(scope, Task.id.in_(list(task_ids)))
    if created_at is not None:
        scope = sa.and_(scope, Task.created_at == created_at)
    # Most records are made for a pupil with no open task: one look at the index, not every rule.
    if session.scalar(sa.select(Task.id).where(Task.status == TaskStatus.OPEN, scope).limit(1)) is None:
        return Settled()
    settled = Settled(done=_close_done(session, scope, today))
    for condition, note in _gone(today):
        ids = session.scalars(
            sa.select(Task.id)
            .join(Duty, Duty.id == Task.duty_id)
            .outerjoin(Pupil, Pupil.id == Task.pupil_id)
            .where(Task.status == TaskStatus.OPEN, scope, condition)
        ).all()
        settled.no_longer_needed += _cancel(session, ids, today, note)
    settled.no_longer_needed += _cancel(
        session,
        _passports_superseded(session, scope, today),
        today,
        "No longer needed: the passport changed with the pupil's SEN status; read the new one.",
    )
    if settled.done or settled.no_longer_needed:
        _expire_tasks(session)
    session.flush()
    return settled


def _close_done(session: Session, scope, today: date) -> int:
    """Close, as done, every open task within `scope` whose work a record has done, naming the
    record and who made it. Returns how many."""
    found: dict[int, Done] = {}
    for rule in FULFILLED.values():
        for done in rule(session, scope):
            found.setdefault(done.task_id, done)
    if not found:
        return 0
    names = dict(
        session.execute(
            sa.select(User.id, User.full_name).where(User.id.in_({d.by_id for d in found.values() if d.by_id}))
        ).all()
    )
    # One statement sent with every task's values (a sweep closes thousands at once).
    table = Task.__table__
    session.execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("task_id"), table.c.status == TaskStatus.OPEN)
        .values(
            status=TaskStatus.DONE,
            completed_on=sa.bindparam("on"),
            completed_by_id=sa.bindparam("by_id"),
            closed_on=today,
            done_by_type=sa.bindparam("record_type"),
            done_by_id=sa.bindparam("record_id"),
            note=sa.bindparam("done_note"),
        ),
        [
            {
                "task_id": done.task_id,
                "on": done.on,
                "by_id": done.by_id,
                "record_type": done.record_type,
                "record_id": done.record_id,
                "done_note": f"Done: {done.what}{f', recorded by {by}' if (by := names.get(done.by_id)) else ''}.",
            }
            for done in found.values()
        ],
    )
    return len(found)


def _cancel(session: Session, ids: list[int], today: date, note: str) -> int:
    """Close the open tasks `ids` as no longer needed, with `note`. Returns how many were given."""
    if ids:
        session.execute(
            sa.update(Task)
            .where(Task.id.in_(ids), Task.status == TaskStatus.OPEN)
            .values(status=TaskStatus.CANCELLED, closed_on=today, note=note)
            .execution_options(synchronize_session=False)
        )
    return len(ids)


def _expire_tasks(session: Session) -> None:
    """Tasks loaded in the session show their new state on next access."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Task):
            session.expire(obj)


def reopen_after_leaving_undone(session: Session, pupil_id: int, today: date) -> int:
    """A leaving recorded by mistake and undone: the pupil's tasks it closed are open again (and
    settled at once, in case their work was done meanwhile). Returns how many reopened."""
    reopened = session.execute(
        sa.update(Task)
        .where(Task.pupil_id == pupil_id, Task.status == TaskStatus.CANCELLED, Task.note == LEFT_NOTE)
        .values(status=TaskStatus.OPEN, closed_on=None, note=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    _expire_tasks(session)
    settle_tasks(session, today, pupil_ids=[pupil_id])
    return reopened
