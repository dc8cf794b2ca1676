"""The roll in the demo: a pupil admitted in January with SEN support carried from a previous
school, and a few pupils who left this year, in the middle of a term, with their records.

The leavers are recorded through the app's own workflow (`sentrack.workflows.roll`), once every
school's rows are inserted and the id sequences are past them; each leaves after the last thing
recorded about them (so no register, meeting or record of theirs falls after their leaving).
Both use a generator of their own, seeded from the build's seed, so that the rest of the demo
draws the same data with them as without them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.demo import names
from sentrack.demo.context import DemoContext
from sentrack.demo.dates import (
    DAY,
    YEAR,
    first_school_day,
    moment,
    random_school_day,
    school_days_before,
    weekday_on_or_after,
)
from sentrack.demo.pupils import PupilDraft
from sentrack.demo.schools import SchoolSpec
from sentrack.models import (
    Concern,
    Intervention,
    InterventionPupil,
    InterventionSession,
    ParentLetter,
    ParentMeeting,
    Provision,
    Pupil,
    SenStatus,
    SessionAttendance,
    SupportCycle,
    Task,
    TimelineEvent,
    User,
)
from sentrack.workflows.roll import record_leaving

LEAVERS_PER_SCHOOL = 3
LEAVER_REASONS = ["moved_away", "moved_school", "moved_school", "home_education", "specialist"]
NEXT_SCHOOL_REASONS = ["moved_school", "moved_school", "specialist"]  # reasons that name a next school
MIN_CARRIED_DAYS = 60  # carried support began at least this long before admission


def own_rng(context: DemoContext, school_id: int, purpose: str) -> random.Random:
    return random.Random(f"{context.seed}-{school_id}-{purpose}")


def january_admission(context: DemoContext) -> date | None:
    """The first school day after the new year's break of the latest January a week or more
    before `today`."""
    today = context.today
    for year in (today.year, today.year - 1):
        day = weekday_on_or_after(date(year, 1, 5))
        if day <= today - 7 * DAY:
            return day
    return None


def admit_in_january_with_carried_support(
    context: DemoContext, spec: SchoolSpec, school_id: int, pupils: list[PupilDraft]
) -> PupilDraft | None:
    """One pupil on SEN support, admitted in January (in the school's phase by then), whose SEN
    support began at their previous school months before: the status starts before admission,
    and the school's rules count it only from admission. Called before the statuses are added."""
    jan = january_admission(context)
    if jan is None:
        return None
    rng = own_rng(context, school_id, "january")
    eligible = [
        p
        for p in pupils
        if [period.provision for period in p.periods] == [Provision.SEN_SUPPORT]
        and first_school_day(context.year_start.year - (p.row["year_group"] - spec.year_groups[0])) < jan
        and p.row["date_of_birth"] + 5 * YEAR < jan - YEAR
    ]
    if not eligible:
        return None
    pupil = rng.choice(sorted(eligible, key=lambda p: p.id))
    pupil.row["admitted_on"] = jan
    entered = datetime.combine(max(jan, context.year_start), time(7, 30), tzinfo=UTC)
    pupil.row["created_at"] = pupil.row["updated_at"] = entered
    period = pupil.periods[0]
    period.start = random_school_day(rng, jan - YEAR, jan - MIN_CARRIED_DAYS * DAY)
    period.reason = names.CONTINUED_SEN_SUPPORT_REASON
    return pupil


@dataclass
class SchoolRoll:
    school_id: int
    senco_id: int
    number: int = 0  # the school's number in the build (`SchoolSpec.number`)
    officer_id: int | None = None  # the authority's LA officer, once added


def latest_records(session: Session, school_id: int | None = None) -> dict[int, date]:
    """For each pupil of the school (of every school when None), the date of the last thing
    recorded about them (or planned for them): statuses, concerns, the timeline, meetings,
    letters, cycles, interventions they have a place in (to their end), registers and tasks."""
    of_school = sa.select(Pupil.id).where(Pupil.school_id == school_id) if school_id is not None else None
    sources = [
        sa.select(SenStatus.pupil_id, SenStatus.start_date),
        sa.select(Concern.pupil_id, sa.func.coalesce(Concern.decided_on, Concern.deadline)),
        sa.select(TimelineEvent.pupil_id, TimelineEvent.effective_on),
        sa.select(ParentMeeting.pupil_id, sa.func.coalesce(ParentMeeting.held_on, ParentMeeting.planned_for)),
        sa.select(ParentLetter.pupil_id, sa.func.coalesce(ParentLetter.sent_on, ParentLetter.created_on)),
        sa.select(SupportCycle.pupil_id, sa.func.coalesce(SupportCycle.closed_on, SupportCycle.opened_on)),
        sa.select(InterventionPupil.pupil_id, Intervention.ends_on).join(
            Intervention, Intervention.id == InterventionPupil.intervention_id
        ),
        sa.select(SessionAttendance.pupil_id, InterventionSession.held_on).join(
            InterventionSession, InterventionSession.id == SessionAttendance.session_id
        ),
        sa.select(Task.pupil_id, Task.due_on).where(Task.pupil_id.is_not(None)),
    ]
    latest: dict[int, date] = {}
    for source in sources:
        pupil_column, day_column = source.selected_columns
        # Each pupil's latest date of the source, counted in the database (a pupil's registers
        # alone are hundreds of rows).
        for pupil_id, day in session.execute(
            source.with_only_columns(pupil_column, sa.func.max(day_column), maintain_column_froms=True)
            .where(pupil_column.in_(of_school) if of_school is not None else pupil_column.is_not(None))
            .group_by(pupil_column)
        ):
            if day is not None and (pupil_id not in latest or day > latest[pupil_id]):
                latest[pupil_id] = day
    return latest


def _leaving_candidates(
    session: Session, context: DemoContext, school_id: int, latest: dict[int, date]
) -> list[tuple[bool, int, date]]:
    """The school's pupils who could have left before today: (on the register, id, the first day
    they could leave: after the last thing recorded about them, `latest`, and after admission)."""
    today, year_start = context.today, context.year_start
    earliest = year_start + 14 * DAY  # a fortnight into the year: the middle of a term
    on_register = set(
        session.scalars(
            sa.select(SenStatus.pupil_id)
            .join(Pupil, Pupil.id == SenStatus.pupil_id)
            .where(Pupil.school_id == school_id, SenStatus.end_date.is_(None), SenStatus.provision != Provision.NONE)
        )
    )
    candidates = []
    for pupil_id, admitted_on in session.execute(
        sa.select(Pupil.id, Pupil.admitted_on)
        .where(Pupil.school_id == school_id, Pupil.left_on.is_(None))
        .order_by(Pupil.id)
    ):
        first = max(earliest, (latest.get(pupil_id) or year_start) + DAY, (admitted_on or year_start) + DAY)
        if first <= today - 3 * DAY:
            candidates.append((pupil_id in on_register, pupil_id, first))
    return candidates


def _aimed_leavings(
    candidates: list[tuple[bool, int, date]], today: date, aims: Sequence[int]
) -> list[tuple[int, date]]:
    """For each of `aims` (school days before today), a pupil on the register who could leave
    on that day, taken out of `candidates`; an aim no pupil fits is left out."""
    chosen = []
    for aim in aims:
        day = school_days_before(today, aim)
        fits = next((c for c in candidates if c[0] and c[2] <= day), None)
        if fits is not None:
            candidates.remove(fits)
            chosen.append((fits[1], day))
    return chosen


def add_leavers(
    session: Session,
    context: DemoContext,
    school: SchoolRoll,
    *,
    count: int = LEAVERS_PER_SCHOOL,
    latest: dict[int, date],
    aims: Sequence[int] = (),
) -> int:
    """Up to `count` pupils of the school who left this academic year, on a school day after the
    last thing recorded about them and before today, recorded by the SENCO through the workflow.
    Those on the SEN register come first, so that the leavers' list shows records. The first
    leave `aims` school days before today where a pupil on the register allows it (at the demo
    school: the SEN files to send to the next school, one sent, one overdue and one due soon), for
    a reason that names a next school. `latest` is `latest_records`, read once for every school
    of the build. Returns how many left."""
    rng = own_rng(context, school.school_id, "leavers")
    today = context.today
    candidates = _leaving_candidates(session, context, school.school_id, latest)
    rng.shuffle(candidates)
    candidates.sort(key=lambda c: not c[0])  # those on the register first, in shuffled order
    aimed = _aimed_leavings(candidates, today, aims[:count])
    senco = session.get(User, school.senco_id)
    leavings = [(pupil_id, day, rng.choice(NEXT_SCHOOL_REASONS)) for pupil_id, day in aimed]
    for _registered, pupil_id, first in candidates[: count - len(aimed)]:
        left_on = random_school_day(rng, first, today - DAY)
        if left_on <= today - DAY and left_on >= first:
            leavings.append((pupil_id, left_on, rng.choice(LEAVER_REASONS)))
    for pupil_id, left_on, reason in leavings:
        # Entered on the day the pupil left, as a school would: not at the moment the demo ran.
        record_leaving(
            session,
            actor=senco,
            pupil=session.get(Pupil, pupil_id),
            left_on=left_on,
            reason=reason,
            detail=None,
            today=today,
            entered=moment(rng, left_on),
        )
    session.flush()
    return len(leavings)
