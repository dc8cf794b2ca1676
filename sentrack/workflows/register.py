"""The definitions every page, export, figure and the daily sweep share: who is on a school's roll
and on its SEN register on a day, and when a review is overdue. Each exists once, here, as a SQL
expression (for set-based queries) and, where a caller already holds the rows, as a Python
predicate with the same meaning.

- *On the roll on a day*: admitted on or before the day (or no admission date recorded), and not
  yet left: the leaving date is the first day the pupil is no longer on the roll.
- *On the register on a day*: on the roll that day, with an SEN status of K or E that covers the
  day (started on or before it, and open or ending on or after it).
- *Review overdue*: a running plan (the cycle at "do", or at "review" with the review not yet
  recorded) whose agreed review date is before today. A recorded review closes the cycle.
- *Record not updated*: the day of the latest change to the pupil's record (the later of the
  pupil row's last update and the entry of their latest timeline event, in UTC) is the school's
  `records_stale_weeks` or more before today: stale from the day that many weeks have passed.
- *Awaiting impact*: a place in an intervention with no impact recorded, whose pupil was still on
  the roll on the intervention's last day (a pupil who left before it ended has no impact to record).
- *Concern past its deadline*: still open (no assessment opened, no decision of no further
  action) after its deadline day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from sentrack.clock import day_of
from sentrack.models import (
    Concern,
    ConcernStatus,
    CycleState,
    Intervention,
    InterventionPupil,
    Plan,
    Provision,
    Pupil,
    SenStatus,
    SupportCycle,
    TimelineEvent,
)

ON_REGISTER = (Provision.SEN_SUPPORT, Provision.EHC_PLAN)
RUNNING = (CycleState.DO, CycleState.REVIEW)


def on_roll(day: date, pupil=Pupil) -> sa.ColumnElement[bool]:
    """The pupil (the `Pupil` entity or an alias of it) is on the school's roll on `day`."""
    return sa.and_(
        sa.or_(pupil.admitted_on.is_(None), pupil.admitted_on <= day),
        sa.or_(pupil.left_on.is_(None), pupil.left_on > day),
    )


def is_on_roll(pupil: Pupil, day: date) -> bool:
    return (pupil.admitted_on is None or pupil.admitted_on <= day) and (pupil.left_on is None or pupil.left_on > day)


def on_roll_part(
    start: date, end: date | None, admitted_on: date | None, left_on: date | None
) -> tuple[date, date | None]:
    """The part of the period `start` to `end` (inclusive; None for open) on the roll: from
    admission, to the day before leaving. The result is empty when its start is after its end."""
    if admitted_on is not None and admitted_on > start:
        start = admitted_on
    if left_on is not None and (end is None or end >= left_on):
        end = left_on - timedelta(days=1)
    return start, end


def status_covers(day: date, status=SenStatus) -> sa.ColumnElement[bool]:
    """The SEN status period covers `day`."""
    return sa.and_(status.start_date <= day, sa.or_(status.end_date.is_(None), status.end_date >= day))


def register_status(day: date, status=SenStatus) -> sa.ColumnElement[bool]:
    """The SEN status period is K or E and covers `day`."""
    return sa.and_(status.provision.in_(ON_REGISTER), status_covers(day, status))


def on_register(day: date, pupil=Pupil) -> sa.ColumnElement[bool]:
    """The pupil is on the roll and on the SEN register on `day` (an EXISTS over their statuses)."""
    return sa.and_(
        on_roll(day, pupil),
        sa.exists().where(SenStatus.pupil_id == pupil.id, register_status(day)),
    )


def register_rows(day: date) -> sa.Select:
    """(Pupil, SenStatus) of every pupil on the register on `day`, with the status that puts them
    there; callers add the school and their own narrowing."""
    return (
        sa.select(Pupil, SenStatus)
        .join(SenStatus, SenStatus.pupil_id == Pupil.id)
        .where(on_roll(day), register_status(day))
    )


def review_overdue(today: date) -> sa.ColumnElement[bool]:
    """Over `SupportCycle` joined to its `Plan`: the agreed review date has passed and no review is
    recorded, whether the cycle is at "do" or at "review"."""
    return sa.and_(SupportCycle.state.in_(RUNNING), Plan.review_date < today)


def is_review_overdue(state: CycleState, review_date: date | None, today: date) -> bool:
    return state in RUNNING and review_date is not None and review_date < today


def review_due_within(today: date, days: int) -> sa.ColumnElement[bool]:
    """Over `SupportCycle` joined to its `Plan`: a running plan whose review date has passed or
    falls within `days` days of `today`."""
    return sa.and_(SupportCycle.state.in_(RUNNING), Plan.review_date <= today + timedelta(days=days))


def concern_past_deadline(today: date) -> sa.ColumnElement[bool]:
    """Over `Concern`: open, and its deadline was before `today` (due on the deadline day itself)."""
    return sa.and_(Concern.status == ConcernStatus.OPEN, Concern.deadline < today)


def is_concern_past_deadline(status: ConcernStatus, deadline: date, today: date) -> bool:
    return status is ConcernStatus.OPEN and deadline < today


def last_recorded(updated_at: datetime | None, latest_event: datetime | date | str | None) -> date:
    """The day of the latest change to a pupil's record: the later of the pupil row's last update
    and their latest timeline entry (when it was entered)."""
    return max(day_of(v) for v in (updated_at, latest_event) if v is not None)


def latest_timeline_entry(pupil=Pupil) -> sa.ScalarSelect:
    """SQL: when the pupil's latest timeline entry was entered (NULL for none), read through the
    timeline's index on the pupil: what `last_recorded` takes as `latest_event`."""
    return sa.select(sa.func.max(TimelineEvent.recorded_at)).where(TimelineEvent.pupil_id == pupil.id).scalar_subquery()


def record_stale_on(last: date, weeks: int) -> date:
    """The day a record last changed on `last` becomes stale: `weeks` weeks later."""
    return last + timedelta(weeks=weeks)


def is_record_stale(last: date, weeks: int, today: date) -> bool:
    return record_stale_on(last, weeks) <= today


def awaiting_impact() -> sa.ColumnElement[bool]:
    """Over `InterventionPupil`: no impact recorded, and the pupil had not left the roll by the
    intervention's last day."""
    # Correlated to the place alone, whatever the query around it: the intervention's last day is
    # read from its own alias, so the check is one probe of the pupil (and of the intervention for
    # a pupil who has left), never a join of every leaver with every intervention.
    ended = aliased(Intervention)
    last_day = (
        sa.select(ended.ends_on)
        .where(ended.id == InterventionPupil.intervention_id)
        .correlate(InterventionPupil)
        .scalar_subquery()
    )
    left_before_the_end = (
        sa.exists()
        .where(Pupil.id == InterventionPupil.pupil_id, Pupil.left_on.is_not(None), Pupil.left_on <= last_day)
        .correlate(InterventionPupil)
    )
    return sa.and_(InterventionPupil.impact.is_(None), ~left_before_the_end)


def needs_impact(place: InterventionPupil, ends_on: date) -> bool:
    """Whether the place's pupil was on the roll on the intervention's last day, `ends_on`."""
    return place.pupil.left_on is None or place.pupil.left_on > ends_on


def is_awaiting_impact(impact: int | None, left_on: date | None, ends_on: date) -> bool:
    return impact is None and (left_on is None or left_on > ends_on)
