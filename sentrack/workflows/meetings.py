"""Meetings with parents: planned ahead, then recorded when held (CoP 6.65). Each operation checks
its rules, raises RuleBroken for the field at fault, writes the timeline and the audit, flushes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from sentrack import audit
from sentrack.clock import now
from sentrack.models import MeetingMode, ParentMeeting, Pupil, Role, RoleAssignment, User
from sentrack.models.cycles import Plan, Review, SupportCycle
from sentrack.workflows import RuleBroken, timeline
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.meeting_actions import ActionDetails, checked_actions, set_actions
from sentrack.workflows.revisions import EditConflict, begin_edit, display, finish_edit, take_step
from sentrack.workflows.timeline import add_event

# Who may lead a meeting with parents: staff who know the pupil (not governors or admins). They
# are also the staff who may be given an action agreed at it.
LEADING_ROLES = (Role.SENCO, Role.HEAD, Role.TEACHER, Role.SUPPORT_ASSISTANT)

# A held meeting's record, as each saved version remembers it (sentrack/workflows/revisions.py),
# with the labels its pages give each part.
RECORD_TYPE = "parent_meeting"
MEETING_FIELDS = {
    "held_on": "Date of the meeting",
    "mode": "How it was held",
    "leader_name": "Led by",
    "attendees": "Who attended",
    "pupil_views": "The pupil's views",
    "views_not_gathered": "Why the pupil's views could not be gathered",
    "discussion": "What was discussed",
    "outcomes": "What was agreed",
    "action_lines": "Actions",
    "actions": "Actions written as text",
    "shared_with_parents_on": "Date the record was shared with parents",
    "separate_with": "A separate meeting with",
}


def staff_who_may_lead(session: Session, school_id: int) -> list[User]:
    """Active staff of the school who may lead a meeting, by name."""
    return list(
        session.scalars(
            sa.select(User)
            .where(
                User.school_id == school_id,
                User.active,
                User.id.in_(sa.select(RoleAssignment.user_id).where(RoleAssignment.role.in_(LEADING_ROLES))),
            )
            .order_by(User.full_name, User.id)
        )
    )


def _check_leader(session: Session, pupil: Pupil, led_by_id: int | None, *, named: set[int] = frozenset()) -> set[int]:
    """The ids of the staff who may lead a meeting (and be given its actions), with those the
    record already `named` (who may have left since); RuleBroken unless `led_by_id` is one."""
    staff_ids = {u.id for u in staff_who_may_lead(session, pupil.school_id)} | set(named)
    if led_by_id is None:
        raise RuleBroken("Select who leads the meeting", field="led_by_id")
    if led_by_id not in staff_ids:
        raise RuleBroken("Select a member of the school's staff to lead the meeting", field="led_by_id")
    return staff_ids


def _audit(session: Session, action: str, *, actor: User, pupil: Pupil, meeting: ParentMeeting, **details) -> None:
    """The audit of `action` on `meeting`, a meeting with `pupil`'s parents, with `details`."""
    audit.record(
        session, action, actor=actor, pupil=pupil, object_type="parent_meeting", object_id=meeting.id, details=details
    )


def _told(
    session: Session, *, actor: User, meeting: ParentMeeting, today: date, event: dict, audited: str, **details
) -> None:
    """The pupil's timeline `event` (kind, title, detail, effective_on) about `meeting` and the
    audit of `audited`; then the pupil's tasks are settled (the record kept current)."""
    add_event(session, pupil=meeting.pupil, actor=actor, meeting_id=meeting.id, **event)
    _audit(session, audited, actor=actor, pupil=meeting.pupil, meeting=meeting, **details)
    settle_tasks(session, today, pupil_ids=[meeting.pupil_id])


def pupil_meetings(session: Session, pupil: Pupil) -> tuple[list[ParentMeeting], list[ParentMeeting]]:
    """The pupil's meetings with parents, with their actions, in one query: those held, newest
    first, and those planned, soonest first."""
    meetings = (
        session.scalars(
            sa.select(ParentMeeting)
            .where(ParentMeeting.pupil_id == pupil.id)
            .options(joinedload(ParentMeeting.action_items))  # joined: still one statement
        )
        .unique()
        .all()
    )
    held = sorted((m for m in meetings if m.held_on is not None), key=lambda m: (m.held_on, m.id), reverse=True)
    planned = sorted((m for m in meetings if m.held_on is None), key=lambda m: (m.planned_for, m.id))
    return held, planned


class MeetingExists(RuleBroken):
    """A meeting with parents is already recorded (or planned) for the pupil on that day: `meeting`
    is it, for the page to offer."""

    def __init__(self, message: str, *, field: str | None, meeting: ParentMeeting):
        super().__init__(message, field=field)
        self.meeting = meeting


def held_on_day(session: Session, pupil_id: int, day: date) -> list[ParentMeeting]:
    """The pupil's meetings with parents held on `day`, first recorded first."""
    return list(
        session.scalars(
            sa.select(ParentMeeting)
            .where(ParentMeeting.pupil_id == pupil_id, ParentMeeting.held_on == day)
            .order_by(ParentMeeting.id)
        )
    )


def planned_for_day(session: Session, pupil_id: int, day: date) -> list[ParentMeeting]:
    """The pupil's meetings with parents planned for `day` and not yet held."""
    return list(
        session.scalars(
            sa.select(ParentMeeting)
            .where(
                ParentMeeting.pupil_id == pupil_id, ParentMeeting.planned_for == day, ParentMeeting.held_on.is_(None)
            )
            .order_by(ParentMeeting.id)
        )
    )


def _separate_with(separate: bool, separate_with: str | None) -> str | None:
    """Whom a separate meeting was with; RuleBroken when it is said to be separate without it."""
    if not separate:
        return None
    who = (separate_with or "").strip()
    if not who:
        raise RuleBroken("Enter the parent or carer this separate meeting was with", field="separate_with")
    return who


@dataclass
class PlannedDetails:
    planned_for: date
    mode: MeetingMode
    led_by_id: int | None
    attendees: str | None
    separate: bool = False  # a separate meeting that day, with another parent or carer
    separate_with: str | None = None


def _refuse_same_day(existing: list[ParentMeeting], day: date, what: str, field: str) -> None:
    """MeetingExists for the first of `existing` (the pupil's meetings that day), if any: `what`
    the meeting is ("planned", "recorded") and the field the message goes beside."""
    if not existing:
        return
    tense = "is" if field == "planned_for" else "was"
    raise MeetingExists(
        f"A meeting with parents on {display(day)} is already {what} for this pupil. "
        f"If this {tense} a separate meeting with another parent or carer, say so below",
        field=field,
        meeting=existing[0],
    )


def plan_meeting(session: Session, *, actor: User, pupil: Pupil, details: PlannedDetails, today: date) -> ParentMeeting:
    """Plan a meeting ahead. Refused for a date before today, a leader who is not staff, or a day
    that already has a meeting planned or held for the pupil (MeetingExists) unless this is a
    separate meeting with another parent or carer."""
    if details.planned_for < today:
        raise RuleBroken(
            "The planned date cannot be in the past: record a meeting already held instead", field="planned_for"
        )
    _check_leader(session, pupil, details.led_by_id)
    separate_with = _separate_with(details.separate, details.separate_with)
    if separate_with is None:
        day = details.planned_for
        existing = planned_for_day(session, pupil.id, day) or held_on_day(session, pupil.id, day)
        _refuse_same_day(
            existing, day, "planned" if existing and existing[0].held_on is None else "recorded", "planned_for"
        )
    meeting = ParentMeeting(
        pupil_id=pupil.id,
        planned_for=details.planned_for,
        mode=details.mode,
        led_by_id=details.led_by_id,
        attendees=details.attendees,
        separate_with=separate_with,
        recorded_by_id=actor.id,
    )
    session.add(meeting)
    session.flush()
    detail = f"For {display(details.planned_for)}" + (
        f", a separate meeting with {separate_with}" if separate_with else ""
    )
    event = {"kind": "parent_meeting_planned", "title": timeline.MEETING_PLANNED, "detail": detail}
    _told(
        session,
        actor=actor,
        meeting=meeting,
        today=today,
        event=event | {"effective_on": today},
        audited="parent_meeting_planned",
        separate=separate_with is not None,
    )
    return meeting


@dataclass
class MeetingDetails:
    held_on: date
    mode: MeetingMode
    led_by_id: int | None
    attendees: str | None
    pupil_views: str | None
    outcomes: str | None
    actions: str | None
    shared_with_parents_on: date | None
    views_not_gathered: str | None = None  # why the pupil's views could not be gathered
    separate: bool = False  # a separate meeting that day, with another parent or carer
    separate_with: str | None = None
    discussion: str | None = None  # what was discussed
    action_items: tuple[ActionDetails, ...] = ()  # the actions agreed, as rows (blank ones left out)


# The parts of a held meeting's record written as the form gives them.
HELD_PARTS = (
    *("held_on", "mode", "led_by_id", "attendees"),
    *("discussion", "outcomes", "actions", "shared_with_parents_on"),
)


def _check_shared(shared: date | None, held_on: date, today: date) -> None:
    if shared is not None and shared < held_on:
        raise RuleBroken(
            "The record cannot be shared with parents before the meeting was held", field="shared_with_parents_on"
        )
    if shared is not None and shared > today:
        raise RuleBroken("The date shared with parents cannot be in the future", field="shared_with_parents_on")


def _views_or_reason(details: MeetingDetails) -> tuple[str | None, str | None]:
    """The pupil's views, or (when there are none) why they could not be gathered; RuleBroken
    when there is neither."""
    views = (details.pupil_views or "").strip() or None
    reason = (details.views_not_gathered or "").strip() or None
    if views is None and reason is None:
        raise RuleBroken("Record the pupil's views, or why they could not be gathered", field="pupil_views")
    return views, None if views is not None else reason  # the views were gathered: no reason to keep


def _check_held_on(pupil: Pupil, held_on: date, today: date) -> None:
    if held_on > today:
        raise RuleBroken("The meeting cannot be recorded as held on a date in the future", field="held_on")
    if held_on < pupil.date_of_birth:
        raise RuleBroken("The meeting cannot be before the pupil was born", field="held_on")


def _check_record(pupil: Pupil, details: MeetingDetails, today: date, planned: ParentMeeting | None) -> None:
    """The rules of a held meeting's outcomes and date shared, and of the planned one it records."""
    if not (details.outcomes or "").strip():
        raise RuleBroken("Record what was agreed at the meeting", field="outcomes")
    _check_shared(details.shared_with_parents_on, details.held_on, today)
    if planned is not None and (planned.pupil_id != pupil.id or planned.held_on is not None):
        raise RuleBroken("This meeting has already been recorded")


def _store_held(session: Session, *, pupil: Pupil, record: dict, planned: ParentMeeting | None) -> ParentMeeting:
    """The held meeting written: the planned one made held (once), or a new one."""
    if planned is not None:
        if not take_step(session, planned, "held_on", record):
            raise RuleBroken("This meeting has already been recorded")  # by someone else, a moment ago
        meeting = planned
    else:
        meeting = ParentMeeting(pupil_id=pupil.id, **record)
    session.add(meeting)
    session.flush()
    return meeting


def record_meeting(
    session: Session,
    *,
    actor: User,
    pupil: Pupil,
    details: MeetingDetails,
    today: date,
    planned: ParentMeeting | None = None,
) -> ParentMeeting:
    """Record a meeting held (a planned one becomes held). Refused (RuleBroken) for a meeting dated
    in the future or before the pupil was born, a leader who is not staff of the school, neither
    the pupil's views nor the reason they could not be gathered, no outcomes, a date shared with
    parents before the meeting or in the future; and (MeetingExists) for a day that already has a
    meeting held with the pupil's parents, unless this is a separate meeting with another parent
    or carer (which the engagement rule counts with the other as one day)."""
    _check_held_on(pupil, details.held_on, today)
    staff_ids = _check_leader(session, pupil, details.led_by_id)
    views, reason = _views_or_reason(details)
    _check_record(pupil, details, today, planned)
    actions = checked_actions(details.action_items, staff_ids=staff_ids, held_on=details.held_on, today=today)
    separate_with = _separate_with(details.separate, details.separate_with)
    if separate_with is None:
        existing = [m for m in held_on_day(session, pupil.id, details.held_on) if m is not planned]
        _refuse_same_day(existing, details.held_on, "recorded", "held_on")
    record = {name: getattr(details, name) for name in HELD_PARTS}
    record |= {
        "pupil_views": views,
        "views_not_gathered": reason,
        "separate_with": separate_with,
        "recorded_by_id": actor.id,
        "recorded_at": now(),
    }
    meeting = _store_held(session, pupil=pupil, record=record, planned=planned)
    set_actions(meeting, actions)
    session.flush()
    detail = f"{details.mode.label}, led by {session.get(User, details.led_by_id).full_name}"
    if separate_with:
        detail += f"; a separate meeting with {separate_with}"
    _told(
        session,
        actor=actor,
        meeting=meeting,
        today=today,
        event={
            "kind": "parent_meeting",
            "title": timeline.PARENTS_MET,
            "detail": detail,
            "effective_on": details.held_on,
        },
        audited="parent_meeting_recorded",
        planned=planned is not None,
        separate=separate_with is not None,
    )
    return meeting


def mark_shared(
    session: Session, *, actor: User, meeting: ParentMeeting, shared_on: date | None, today: date
) -> ParentMeeting:
    """Record the date the meeting's record was shared with parents. Refused for a meeting not yet
    held or already marked shared, no date, or a date before the meeting or in the future."""
    if meeting.held_on is None:
        raise RuleBroken("Record the meeting before marking its record as shared")
    if meeting.shared_with_parents_on is not None:
        raise RuleBroken(f"The record was already shared with parents on {display(meeting.shared_with_parents_on)}")
    if shared_on is None:
        raise RuleBroken("Enter the date the record was shared with parents", field="shared_with_parents_on")
    _check_shared(shared_on, meeting.held_on, today)
    try:
        # A new version, so that a correction opened before this is told of the date now saved.
        begin_edit(session, RECORD_TYPE, meeting, MEETING_FIELDS, None)
    except EditConflict:
        if meeting.shared_with_parents_on is None:
            raise
        raise RuleBroken(
            f"The record was already shared with parents on {display(meeting.shared_with_parents_on)}"
        ) from None
    if not take_step(session, meeting, "shared_with_parents_on", {"shared_with_parents_on": shared_on}):
        raise RuleBroken(f"The record was already shared with parents on {display(meeting.shared_with_parents_on)}")
    finish_edit(session, RECORD_TYPE, meeting, MEETING_FIELDS, actor)
    _told(
        session,
        actor=actor,
        meeting=meeting,
        today=today,
        event={
            "kind": "parent_meeting_shared",
            "title": "Meeting record shared with parents",
            "detail": f"The record of the meeting of {display(meeting.held_on)}",
            "effective_on": shared_on,
        },
        audited="parent_meeting_shared",
        shared_on=shared_on.isoformat(),
    )
    return meeting


def _linkable(session: Session, pupil_id: int, day: date, column) -> ParentMeeting | None:
    """The meeting held that day that a review or plan may link: the first recorded not already
    linked to another review or plan (through `column`)."""
    return next((m for m in held_on_day(session, pupil_id, day) if getattr(m, column.key) is None), None)


def _unlink(session: Session, *, actor: User, cycle: SupportCycle, plan: Plan, meeting: ParentMeeting) -> None:
    """The meeting no longer stands for the plan; it keeps its record (it was held)."""
    meeting.plan_id = None
    session.flush()
    _audit(session, "parent_meeting_unlinked", actor=actor, pupil=cycle.pupil, meeting=meeting, plan=plan.id)


def _stand_for(
    session: Session,
    *,
    actor: User,
    cycle: SupportCycle,
    link: tuple,
    day: date,
    found: ParentMeeting | None,
    new: Callable[[], dict],
) -> tuple[ParentMeeting, bool]:
    """The held meeting a review or a plan stands for, audited, and whether it is new: `found`
    (the one already linked), else the meeting with parents already recorded for the pupil on
    `day` and not linked to another, now linked; else a new one with the fields `new()` gives.
    `link` is the column linking it (`ParentMeeting.review_id`, `.plan_id`) and the linked id."""
    column, owner_id = link
    meeting = found or _linkable(session, cycle.pupil_id, day, column)
    created = meeting is None
    if created:
        meeting = ParentMeeting(
            pupil_id=cycle.pupil_id,
            held_on=day,
            mode=MeetingMode.IN_PERSON,
            led_by_id=actor.id,
            cycle_id=cycle.id,
            recorded_by_id=actor.id,
            **{column.key: owner_id},
            **new(),
        )
        session.add(meeting)
    else:
        setattr(meeting, column.key, owner_id)
        meeting.cycle_id = meeting.cycle_id or cycle.id
    session.flush()
    action = "parent_meeting_recorded" if created else "parent_meeting_linked"
    _audit(
        session, action, actor=actor, pupil=cycle.pupil, meeting=meeting, **{column.key.removesuffix("_id"): owner_id}
    )
    return meeting, created


def _recorded_for(day: date) -> str:
    return f"The meeting with parents recorded for {display(day)}"


def meeting_from_review(session: Session, *, actor: User, cycle: SupportCycle, review: Review) -> ParentMeeting:
    """The held meeting that a review with a parent present stands for, with the timeline's
    'Parents met at the review': the meeting already linked to this review; else the meeting with
    parents already recorded for the pupil that day, now linked to the review (so the day is not
    entered twice); else a new one."""
    day = review.held_on
    meeting, created = _stand_for(
        session,
        actor=actor,
        cycle=cycle,
        link=(ParentMeeting.review_id, review.id),
        day=day,
        found=session.scalar(sa.select(ParentMeeting).where(ParentMeeting.review_id == review.id)),
        new=lambda: {
            "attendees": review.attendees,
            "pupil_views": review.pupil_views,
            "views_not_gathered": None if review.pupil_views else "Not recorded with the review",
            "outcomes": f"Review of support cycle {cycle.number}: {review.decision.summary}",
            "actions": review.next_steps,
        },
    )
    kind, title, detail = "parent_meeting", timeline.PARENTS_MET_AT_REVIEW, None if created else _recorded_for(day)
    add_event(
        session,
        pupil=cycle.pupil,
        cycle=cycle,
        kind=kind,
        title=title,
        detail=detail,
        effective_on=day,
        actor=actor,
        meeting_id=meeting.id,
    )
    return meeting


PLAN_VIEWS_NOT_GATHERED = "Not recorded with the plan: the plan was agreed at this meeting"


def _from_plan(cycle: SupportCycle, plan: Plan) -> dict:
    """A new meeting's record of the plan agreed, with the pupil's views from the cycle's
    assessment when it has them."""
    views = cycle.assessment.pupil_views if cycle.assessment is not None else None
    return {
        "pupil_views": views,
        "views_not_gathered": None if views else PLAN_VIEWS_NOT_GATHERED,
        "outcomes": f"Plan for support cycle {cycle.number} agreed with parents",
        "actions": plan.responsibilities,
    }


def plan_meeting_of(session: Session, plan: Plan) -> ParentMeeting | None:
    """The meeting with parents the plan was agreed at, if it is recorded as one."""
    return session.scalar(sa.select(ParentMeeting).where(ParentMeeting.plan_id == plan.id))


def meeting_from_plan(session: Session, *, actor: User, cycle: SupportCycle, plan: Plan) -> ParentMeeting:
    """The held meeting at which the plan was agreed with parents (on `plan.agreed_with_parents_on`):
    the one already linked to the plan if held that day; else the meeting with parents already
    recorded for the pupil that day, now linked to the plan; else a new one, with the pupil's views
    from the cycle's assessment when it has them. A meeting linked to the plan on another day (the
    date agreed was changed) is unlinked; its record stays."""
    day = plan.agreed_with_parents_on
    current = plan_meeting_of(session, plan)
    if current is not None and current.held_on == day:
        return current
    if current is not None:
        _unlink(session, actor=actor, cycle=cycle, plan=plan, meeting=current)
    meeting, created = _stand_for(
        session,
        actor=actor,
        cycle=cycle,
        link=(ParentMeeting.plan_id, plan.id),
        day=day,
        found=None,
        new=lambda: _from_plan(cycle, plan),
    )
    kind = "parent_meeting" if created else "parent_meeting_linked"
    title = "Parents met: plan agreed" if created else "Plan agreed at the meeting with parents"
    detail = None if created else _recorded_for(day)
    add_event(
        session,
        pupil=cycle.pupil,
        cycle=cycle,
        kind=kind,
        title=title,
        detail=detail,
        effective_on=day,
        actor=actor,
        meeting_id=meeting.id,
    )
    return meeting


def unlink_plan_meeting(session: Session, *, actor: User, cycle: SupportCycle, plan: Plan) -> None:
    """The plan is now said to be agreed without a meeting: the meeting it was linked to keeps its
    record (it was held) but no longer stands for the plan."""
    current = plan_meeting_of(session, plan)
    if current is not None:
        _unlink(session, actor=actor, cycle=cycle, plan=plan, meeting=current)
