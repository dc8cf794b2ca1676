"""Concerns raised by class teachers: recent open ones on pupils off the register, some past
their deadline, and closed ones decided by the SENCO, assessed or no further action.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import Any

from sentrack.demo import names
from sentrack.demo.chronology import NEXT_MINUTES, add_event
from sentrack.demo.context import DemoContext, weighted
from sentrack.demo.dates import DAY, YEAR, random_school_day
from sentrack.demo.pupils import PupilDraft
from sentrack.demo.schools import DEFAULT_PUPILS
from sentrack.demo.staff import Staff
from sentrack.models import AreaOfNeed, Concern, ConcernStatus, Phase, Provision
from sentrack.workflows import timeline
from sentrack.workflows.revisions import display

CONCERN_DEADLINE_DAYS = 28  # the School default
ASSESSMENT_OPENED_NOTE = "Assessment opened (support cycle 1)"  # as the app notes it

# Concerns in a school of 420 pupils; other schools get a proportionate number.
CONCERNS_PER_420 = {"open": 12, "overdue": 4, "closed": 10}
CONCERN_AREAS = [
    (AreaOfNeed.COGNITION, 35),
    (AreaOfNeed.SEMH, 30),
    (AreaOfNeed.COMMUNICATION, 25),
    (AreaOfNeed.SENSORY_PHYSICAL, 10),
]


class Picker:
    """Pupils in random order, each taken at most once."""

    def __init__(self, rng: random.Random, pupils: list[PupilDraft]) -> None:
        self._pupils = pupils[:]
        rng.shuffle(self._pupils)
        self._taken: set[int] = set()

    def take(self, condition: Callable[[PupilDraft], bool]) -> PupilDraft | None:
        pupil = next((p for p in self._pupils if p.id not in self._taken and condition(p)), None)
        if pupil is not None:
            self._taken.add(pupil.id)
        return pupil


def add_concerns(context: DemoContext, pupils: list[PupilDraft], staff: Staff) -> None:
    """About 12 open concerns for 420 pupils, raised in the last six weeks on pupils not on
    the register, 4 of them past their deadline; and about 10 closed ones, half assessed
    (the pupil then went on SEN support), half no further action."""
    scale = len(pupils) / DEFAULT_PUPILS[Phase.PRIMARY]
    open_count = max(2, round(CONCERNS_PER_420["open"] * scale))
    overdue_count = min(open_count - 1, max(1, round(CONCERNS_PER_420["overdue"] * scale)))
    closed_count = max(1, round(CONCERNS_PER_420["closed"] * scale))
    off_register = Picker(context.rng, [p for p in pupils if p.provision is Provision.NONE])
    _open_concerns(context, off_register, open_count, overdue_count, staff)
    assessed = _assessed_concerns(context, pupils, (closed_count + 1) // 2, staff)
    _no_further_action_concerns(context, off_register, closed_count - assessed, staff)


def _open_concerns(context: DemoContext, pupils: Picker, count: int, overdue_count: int, staff: Staff) -> None:
    """Open concerns, the demo teacher's class's first; `overdue_count` past their deadline."""
    rng, today = context.rng, context.today
    last_overdue_day = today - (CONCERN_DEADLINE_DAYS + 1) * DAY
    first_current_day = today - (CONCERN_DEADLINE_DAYS - 1) * DAY
    in_demo_class = pupils.take(lambda p: p.group_id == staff.demo_group_id)
    chosen = [(in_demo_class, False)] if in_demo_class else []
    for index in range(count - len(chosen)):
        overdue = index < overdue_count
        latest_admission = last_overdue_day if overdue else today
        pupil = pupils.take(lambda p, latest=latest_admission: p.admitted_on <= latest)
        if pupil is not None:
            chosen.append((pupil, overdue))
    for pupil, overdue in chosen:
        if overdue:
            earliest, latest = max(pupil.admitted_on, today - 42 * DAY), last_overdue_day
        else:
            earliest, latest = max(pupil.admitted_on, first_current_day), today
        raised = random_school_day(rng, earliest, latest)
        _add_concern(context, pupil, raised, weighted(rng, CONCERN_AREAS), staff)
        context.summary.concerns_open += 1
        context.summary.concerns_overdue += overdue


def _no_further_action_concerns(context: DemoContext, pupils: Picker, count: int, staff: Staff) -> None:
    """Concerns raised in the past nine months and closed within their deadline."""
    rng, today = context.rng, context.today
    for _ in range(count):
        pupil = pupils.take(lambda p: p.admitted_on <= today - 60 * DAY)
        if pupil is None:
            return
        raised = random_school_day(rng, max(pupil.admitted_on, today - 270 * DAY), today - 40 * DAY)
        decided = random_school_day(rng, raised + 7 * DAY, raised + CONCERN_DEADLINE_DAYS * DAY)
        area = weighted(rng, CONCERN_AREAS)
        note = rng.choice(names.NO_FURTHER_ACTION_NOTES[area])
        _add_concern(context, pupil, raised, area, staff, decision=(ConcernStatus.NO_FURTHER_ACTION, decided, note))


def _assessed_concerns(context: DemoContext, pupils: list[PupilDraft], wanted: int, staff: Staff) -> int:
    """Concerns that led to an assessment and then SEN support, decided by opening support
    cycle 1 (`cycles` dates the cycle from the decision) 10 to 35 days before the plan started
    and the pupil went on SEN support. Returns how many were made."""
    rng = context.rng
    recent = [
        p
        for p in pupils
        if p.provision is Provision.SEN_SUPPORT
        and p.periods[0].reason != names.CONTINUED_SEN_SUPPORT_REASON
        and p.periods[0].start >= max(p.admitted_on + 10 * DAY, context.today - 2 * YEAR)
    ]
    for pupil in rng.sample(recent, min(wanted, len(recent))):
        period, admitted = pupil.periods[0], pupil.admitted_on
        decided = random_school_day(rng, max(admitted, period.start - 35 * DAY), max(admitted, period.start - 10 * DAY))
        raised = random_school_day(rng, max(admitted, decided - 27 * DAY), max(admitted, decided - 3 * DAY))
        area = period.primary_need.area or weighted(rng, CONCERN_AREAS)
        decision = (ConcernStatus.ASSESSED, decided, ASSESSMENT_OPENED_NOTE)
        pupil.assessed_concern = _add_concern(context, pupil, raised, area, staff, decision=decision)
    return min(wanted, len(recent))


def _add_concern(
    context: DemoContext,
    pupil: PupilDraft,
    raised: date,
    area: AreaOfNeed,
    staff: Staff,
    decision: tuple[ConcernStatus, date, str] | None = None,
) -> dict[str, Any]:
    """The concern's row, with the timeline events the app writes for it. A concern decided by
    opening an assessment has no event of its own: the cycle's opening says so."""
    status, decided_on, note = decision or (ConcernStatus.OPEN, None, None)
    row = context.rows.add(
        Concern,
        pupil_id=pupil.id,
        raised_by_id=pupil.teacher_id,
        raised_on=raised,
        recorded_at=context.entered(raised, within_days=1),
        area_of_need=area,
        description=context.rng.choice(names.CONCERN_DESCRIPTIONS[area]),
        deadline=raised + CONCERN_DEADLINE_DAYS * DAY,
        status=status,
        decided_on=decided_on,
        decided_by_id=staff.senco_id if decision else None,
        decision_note=note,
    )
    add_event(
        context,
        pupil.id,
        "concern_raised",
        timeline.concern_raised(area),
        raised,
        row["recorded_at"],
        row["raised_by_id"],
        detail=f"Decision due by {display(row['deadline'])}",
    )
    if status is ConcernStatus.NO_FURTHER_ACTION:
        add_event(
            context,
            pupil.id,
            "concern_decided",
            timeline.CONCERN_CLOSED,
            decided_on,
            max(context.entered(decided_on, within_days=2), row["recorded_at"] + NEXT_MINUTES),
            staff.senco_id,
            detail=note,
        )
    return row
