"""Support cycles of the graduated approach (assess, plan, do, review) for every pupil who has
been on SEN support, dated from the day they were placed on it.

A pupil's support runs in cycles of about 8 to 12 weeks: a cycle opens, the SENCO records an
assessment and writes a plan with two or three outcomes; the plan starts (the pupil goes on SEN
support with the first), class staff record observations, and at the review date the review
rates every outcome and decides. Before today every review decided to continue, carrying the
outcomes not met into the next cycle, except the last of a pupil who stepped down (`step_down`)
or went on to an EHC plan (`request_ehc`, dated 20 to 26 weeks before the plan was issued).

A pupil on SEN support now has one open cycle. Its stage is dealt out per school so that the
SENCO meets every stage: most at 'do' with the review in the coming weeks, about 10% at 'do'
with the review date passed, some at 'assess', 'plan' and 'review' (a draft in progress). The
demo teacher's class has one of each of a running plan, a plan not started and an overdue review.
Pupils who went on support in the last few months are still in their first cycle.

Dates are planned first (`CycleDates`), then `CycleWriter` writes the rows as the workflows in
`sentrack.workflows.cycles` would have written them: the same timeline events, titles and states,
plans, outcomes and reviews with a revision snapshot for every version (a review's version 0 is
the empty draft opened when the review started; an outcome carried into a new cycle is saved
again, as version 2, when the new plan gives it its review date as target).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import Enum
from types import SimpleNamespace
from typing import Any

from sentrack.demo import names, texts
from sentrack.demo.chronology import NEXT_MINUTES, add_event, short
from sentrack.demo.concerns import CONCERN_AREAS
from sentrack.demo.context import DemoContext, weighted
from sentrack.demo.dates import (
    DAY,
    academic_year_start,
    moment,
    random_school_day,
    term_day_between,
    term_day_on_or_after,
    weekday_on_or_after,
    weekday_on_or_before,
)
from sentrack.demo.pupils import Period, PupilDraft
from sentrack.demo.schools import SchoolSpec
from sentrack.demo.staff import Staff
from sentrack.models import (
    AreaOfNeed,
    Assessment,
    CycleState,
    MeetingMode,
    Observation,
    Outcome,
    OutcomeRating,
    ParentMeeting,
    Plan,
    Provision,
    RecordRevision,
    Review,
    ReviewDecision,
    SupportCycle,
)
from sentrack.workflows import timeline
from sentrack.workflows.cycles import MOVES, OUTCOME_FIELDS, PLAN_FIELDS, REVIEW_FIELDS, Move
from sentrack.workflows.register import is_review_overdue
from sentrack.workflows.revisions import display, snapshot


class Stage(Enum):
    """Where a pupil's open cycle stands today."""

    ASSESS = "assess"
    PLAN = "plan"  # plan written, not started
    DO = "do"  # plan running, review in the coming weeks
    OVERDUE = "overdue"  # still at 'do' after the review date
    REVIEW = "review"  # review started, a draft in progress


STAGE_STATES = {
    Stage.ASSESS: CycleState.ASSESS,
    Stage.PLAN: CycleState.PLAN,
    Stage.DO: CycleState.DO,
    Stage.OVERDUE: CycleState.DO,
    Stage.REVIEW: CycleState.REVIEW,
}
# Shares of a school's pupils on SEN support whose open cycle is at each stage; the rest at 'do'.
STAGE_SHARES = {Stage.OVERDUE: 0.10, Stage.REVIEW: 0.07, Stage.PLAN: 0.08, Stage.ASSESS: 0.08}
DEMO_CLASS_STAGES = (Stage.DO, Stage.PLAN, Stage.OVERDUE)  # in the class of teacher@demo.test
SETTLED_DAYS = 160  # a first plan that started this long ago leaves room for any stage now

PLAN_DAYS = (49, 77)  # how long a plan usually runs before its review date
SHORTEST_PLAN_DAYS = 35
LONGEST_LAST_PLAN_DAYS = 91
HELD_DELAYS = (0, 0, 0, 1, 2, 3, 5)  # days from the review date to the meeting
RECORD_DELAYS = (0, 0, 1, 1, 2, 3)  # days from the meeting to the review being recorded
EHC_REQUEST_WEEKS = (20, 26)  # the request was made this long before the EHC plan was issued
PARENT_ATTENDED_RATE = 0.85

RATINGS = {
    "new": [
        (OutcomeRating.NOT_ACHIEVED, 10),
        (OutcomeRating.PARTLY_ACHIEVED, 38),
        (OutcomeRating.ACHIEVED, 40),
        (OutcomeRating.EXCEEDED, 12),
    ],
    "carried": [
        (OutcomeRating.NOT_ACHIEVED, 5),
        (OutcomeRating.PARTLY_ACHIEVED, 25),
        (OutcomeRating.ACHIEVED, 55),
        (OutcomeRating.EXCEEDED, 15),
    ],
    ReviewDecision.STEP_DOWN: [(OutcomeRating.ACHIEVED, 70), (OutcomeRating.EXCEEDED, 30)],
    ReviewDecision.REQUEST_EHC: [(OutcomeRating.NOT_ACHIEVED, 55), (OutcomeRating.PARTLY_ACHIEVED, 45)],
}

# Each move of a cycle, from and to the states the app's workflow moves it between.
MOVE_STATES = {move: (old, new) for (old, move), new in MOVES.items()}

# A review as `start_review` opens it: an empty draft, version 0.
BLANK_REVIEW: dict[str, Any] = {
    "held_on": None,
    "attendees": None,
    "parent_attended": False,
    "provision_impact": None,
    "pupil_views": None,
    "parent_views": None,
    "next_steps": None,
    "decision": None,
    "decision_reason": None,
    "ehc_requested_on": None,
    "early_reason": None,
    "early_reason_detail": None,
    "version": 0,
    "updated_by_id": None,
    "updated_at": None,
    "recorded_at": None,
}


@dataclass
class CycleDates:
    """The dates of one cycle; None for what has not happened yet."""

    opened: date
    assessed: date | None = None
    finished: date | None = None  # the day the assessment was marked finished
    written: date | None = None  # the day the plan was written
    starts: date | None = None  # the plan's start date, when support starts
    due: date | None = None  # the plan's review date
    review_started: date | None = None  # the day the review was started, on or after `due`
    held: date | None = None  # the review meeting; a closed cycle closes that day
    recorded: date | None = None  # the day the review was recorded
    state: CycleState = CycleState.CLOSED


@dataclass
class CycleRecord:
    """A cycle as written, for the records that link to its outcomes (an intervention's place):
    open from `opened` until `closed` (None while open), each outcome with the day it was
    added (carried outcomes when the cycle opened, new ones when the plan was written)."""

    opened: date
    closed: date | None
    outcomes: list[tuple[dict[str, Any], date]]
    parent_met_on: date | None = None  # the review meeting, if a parent attended it

    def is_open_on(self, day: date) -> bool:
        return self.opened <= day and (self.closed is None or day < self.closed)


@dataclass
class Ending:
    """How a pupil's last closed cycle ended, when it did not continue."""

    decision: ReviewDecision
    reason: str | None = None
    requested: date | None = None  # the EHC needs assessment request


def add_support_cycles(
    context: DemoContext, spec: SchoolSpec, pupils: list[PupilDraft], staff: Staff
) -> dict[int, list[CycleRecord]]:
    """Cycles for each pupil with a period of SEN support in their history; returns each such
    pupil's cycles in order (pupil id -> records)."""
    today = context.today
    histories = []
    for pupil in pupils:
        for index, period in enumerate(pupil.periods):
            if period.provision is Provision.SEN_SUPPORT:
                following = pupil.periods[index + 1] if index + 1 < len(pupil.periods) else None
                histories.append((pupil, period, following, _first_cycle(context, pupil, period)))
    current = [(pupil, first) for pupil, _, following, first in histories if following is None]
    stages = _deal_stages(context, current, staff.demo_group_id)
    writer = CycleWriter(context, spec, staff)
    for pupil, period, following, first in histories:
        ending = None
        if following is None:
            stage = stages.get(pupil.id, Stage.DO)
            now = _current_cycle(context, stage, observed=pupil.id in stages)
            if (now.opened - first.starts).days >= SHORTEST_PLAN_DAYS:
                cycles = [*_closed_cycles(context, first, now.opened), now]
            else:  # too new to SEN support for a cycle to have closed
                cycles = [_first_as_current(context, first)]
        elif following.provision is Provision.NONE:
            ending = Ending(ReviewDecision.STEP_DOWN, reason=following.decision_reason or following.reason)
            cycles = _closed_cycles(context, first, following.start)
        else:
            requested, held = _ehc_request_dates(context, first, following.start)
            ending = Ending(ReviewDecision.REQUEST_EHC, requested=requested)
            cycles = _closed_cycles(context, first, held)
            cycles[-1].recorded = min(today, max(cycles[-1].recorded, requested))
        writer.write(pupil, period, cycles, ending)
    return writer.records


# --- Dates ------------------------------------------------------------------------------------------


def _days(context: DemoContext, low: int, high: int):
    return context.rng.randint(low, high) * DAY


def _pre_plan_forward(context: DemoContext, opened: date) -> CycleDates:
    """A cycle opened on `opened` (the last review's meeting): assessed, planned and started
    within about three weeks of term."""
    assessed = term_day_on_or_after(opened + _days(context, 0, 5))
    finished = term_day_on_or_after(assessed + _days(context, 0, 3))
    written = term_day_on_or_after(finished + _days(context, 0, 4))
    starts = term_day_on_or_after(written + _days(context, 0, 5))
    return CycleDates(opened, assessed, finished, written, starts)


def _pre_plan_backward(context: DemoContext, starts: date, state: CycleState) -> CycleDates:
    """A cycle whose plan starts on `starts`, with the weeks before it."""
    written = weekday_on_or_before(starts - _days(context, 0, 5))
    finished = weekday_on_or_before(written - _days(context, 0, 4))
    assessed = weekday_on_or_before(finished - _days(context, 0, 3))
    opened = weekday_on_or_before(assessed - _days(context, 0, 5))
    return CycleDates(opened, assessed, finished, written, starts, state=state)


def _first_cycle(context: DemoContext, pupil: PupilDraft, period: Period) -> CycleDates:
    """Cycle 1 up to its plan's start. Support that came with the pupil from another setting
    starts with a cycle opened on arrival; otherwise the cycle opened (from a concern, or by the
    SENCO) 10 to 35 days before the plan started and the pupil was placed on SEN support."""
    rng, start, admitted = context.rng, period.start, pupil.admitted_on
    if period.reason == names.CONTINUED_SEN_SUPPORT_REASON:
        # Support carried from a previous school may have begun before admission: the cycle
        # opens here on arrival.
        return _pre_plan_forward(context, max(start, admitted))
    concern = pupil.assessed_concern
    if concern is not None:
        opened = concern["decided_on"]
    else:
        opened = random_school_day(rng, max(admitted, start - 35 * DAY), max(admitted, start - 10 * DAY))
    assessed = random_school_day(rng, opened, min(opened + 7 * DAY, start))
    finished = random_school_day(rng, assessed, start)
    written = random_school_day(rng, finished, start)
    return CycleDates(opened, assessed, finished, written, start)


def _closed_cycles(context: DemoContext, first: CycleDates, held_last: date) -> list[CycleDates]:
    """Closed cycles from `first` (dated up to its plan's start) to a last review held on
    `held_last`, each plan running about 7 to 11 weeks to a review date in term time. The next
    cycle opens on the day of each review meeting, as the app opens it."""
    rng, today = context.rng, context.today
    cycles = []
    cycle = first
    while True:
        remaining = (held_last - cycle.starts).days
        following = None
        if remaining > LONGEST_LAST_PLAN_DAYS:
            length = rng.randint(*PLAN_DAYS)
            if remaining - length < PLAN_DAYS[0] + 17:
                length = max(SHORTEST_PLAN_DAYS, (remaining - 17) // 2)
            due = term_day_on_or_after(cycle.starts + length * DAY)
            held = weekday_on_or_after(due + rng.choice(HELD_DELAYS) * DAY)
            following = _pre_plan_forward(context, held)
            if (held_last - following.starts).days < SHORTEST_PLAN_DAYS:
                following = None
        if following is None:
            held = held_last
            due = max(weekday_on_or_before(held - rng.choice(HELD_DELAYS) * DAY), cycle.starts + DAY)
        cycle.due, cycle.held = due, held
        cycle.review_started = random_school_day(rng, due, held)
        cycle.recorded = min(today, weekday_on_or_after(held + rng.choice(RECORD_DELAYS) * DAY))
        cycles.append(cycle)
        if following is None:
            return cycles
        cycle = following


def _current_cycle(context: DemoContext, stage: Stage, *, observed: bool) -> CycleDates:
    """The open cycle at `stage`, dated back from today. `observed`: a plan at 'do' has run
    at least two weeks, long enough for observations."""
    rng, today = context.rng, context.today
    state = STAGE_STATES[stage]
    if stage is Stage.ASSESS:
        opened = weekday_on_or_before(today - _days(context, 0, 14))
        assessed = random_school_day(rng, opened, today) if rng.random() < 0.5 else None
        return CycleDates(opened, assessed, state=state)
    if stage is Stage.PLAN:
        starts = weekday_on_or_before(today - _days(context, 0, 12))
        cycle = _pre_plan_backward(context, starts, state)
        cycle.written = starts
        cycle.due = term_day_on_or_after(starts + _days(context, 49, 70))
        return cycle
    if stage is Stage.DO:
        starts = weekday_on_or_before(today - _days(context, 14 if observed else 3, 62))
        running = (today - starts).days
        cycle = _pre_plan_backward(context, starts, state)
        cycle.due = term_day_on_or_after(starts + _days(context, max(42, running + 3), max(77, running + 3)))
        return cycle
    if stage is Stage.OVERDUE:
        due = weekday_on_or_before(today - _days(context, 1, 25))
    else:
        started = weekday_on_or_before(today - _days(context, 0, 10))
        due = weekday_on_or_before(started - _days(context, 0, 7))
    cycle = _pre_plan_backward(context, weekday_on_or_before(due - _days(context, 42, 70)), state)
    cycle.due = due
    if stage is Stage.REVIEW:
        cycle.review_started = started
    return cycle


def _first_as_current(context: DemoContext, first: CycleDates) -> CycleDates:
    """Cycle 1 still open today: at 'do' (or, for a long first plan, at review) for a pupil
    placed on support here; at 'assess' or 'plan' for one who arrived with support weeks ago."""
    rng, today = context.rng, context.today
    cycle = first
    if cycle.starts > today:
        if cycle.written <= today:
            cycle.state, cycle.starts = CycleState.PLAN, cycle.written
            cycle.due = term_day_on_or_after(cycle.starts + _days(context, 49, 70))
        else:
            cycle.state = CycleState.ASSESS
            cycle.finished = cycle.written = cycle.starts = None
            if cycle.assessed > today:
                cycle.assessed = None
        return cycle
    running = (today - cycle.starts).days
    if running + 3 <= PLAN_DAYS[1]:
        cycle.state = CycleState.DO
        cycle.due = term_day_on_or_after(cycle.starts + _days(context, max(42, running + 3), PLAN_DAYS[1]))
    else:
        cycle.state = CycleState.REVIEW
        cycle.due = weekday_on_or_before(cycle.starts + _days(context, 42, min(70, running - 1)))
        cycle.review_started = random_school_day(rng, cycle.due, today)
    return cycle


def _ehc_request_dates(context: DemoContext, first: CycleDates, issued: date) -> tuple[date, date]:
    """When the EHC needs assessment was requested (20 to 26 weeks before the plan was issued,
    at least eight weeks into support) and when the review that decided it was held."""
    low, high = EHC_REQUEST_WEEKS
    earliest = max(first.starts + 56 * DAY, issued - high * 7 * DAY)
    requested = random_school_day(context.rng, earliest, issued - low * 7 * DAY)
    held = weekday_on_or_before(requested - _days(context, 0, 10))
    return requested, max(held, first.starts + SHORTEST_PLAN_DAYS * DAY)


def _deal_stages(
    context: DemoContext, current: list[tuple[PupilDraft, CycleDates]], demo_group_id: int | None
) -> dict[int, Stage]:
    """The stage of each settled pupil's open cycle (pupil id -> stage), in the shares of
    STAGE_SHARES of all the school's pupils on SEN support; the demo teacher's class first."""
    today = context.today
    settled = [pupil for pupil, first in current if first.starts <= today - SETTLED_DAYS * DAY]
    in_class = [pupil for pupil in settled if pupil.group_id == demo_group_id]
    stages = {pupil.id: stage for pupil, stage in zip(in_class, DEMO_CLASS_STAGES, strict=False)}
    others = [pupil for pupil in settled if pupil.id not in stages]
    pool: list[Stage] = []
    for stage, share in STAGE_SHARES.items():
        wanted = max(1, round(share * len(current))) if len(current) >= 5 else round(share * len(current))
        pool += [stage] * max(0, wanted - sum(s is stage for s in stages.values()))
    pool = pool[: len(others)]
    pool += [Stage.DO] * (len(others) - len(pool))
    context.rng.shuffle(pool)
    stages.update((pupil.id, stage) for pupil, stage in zip(others, pool, strict=True))
    return stages


# --- Rows -------------------------------------------------------------------------------------------


def _after(at: datetime, earlier: datetime) -> datetime:
    """`at`, unless that is not after `earlier`: entries made in order stay in order."""
    return at if at > earlier else earlier + NEXT_MINUTES


class CycleWriter:
    """Writes a pupil's planned cycles as rows, with their timeline events and revisions."""

    def __init__(self, context: DemoContext, spec: SchoolSpec, staff: Staff) -> None:
        self.context = context
        self.rng = context.rng
        self.today = context.today
        self.rows = context.rows
        self.book = texts.TextBook.for_phase(spec.phase)
        self.senco_id = staff.senco_id
        self.assistant_ids = staff.assistant_ids
        self.records: dict[int, list[CycleRecord]] = {}

    def write(self, pupil: PupilDraft, period: Period, cycles: list[CycleDates], ending: Ending | None) -> None:
        areas = self._areas(pupil, period)
        previous: dict[str, Any] | None = None
        carried: list[dict[str, Any]] = []
        opened_at: datetime | None = None
        for number, dates in enumerate(cycles, start=1):
            last = number == len(cycles)
            decision = ending if last and ending else Ending(ReviewDecision.CONTINUE)
            concern = pupil.assessed_concern if number == 1 else None
            previous, carried, opened_at = self._cycle(
                pupil, number, dates, areas, previous, carried, opened_at, decision, concern
            )

    def _areas(self, pupil: PupilDraft, period: Period) -> list[AreaOfNeed]:
        concern = pupil.assessed_concern
        first = period.primary_need.area or (concern["area_of_need"] if concern else None)
        first = first or weighted(self.rng, CONCERN_AREAS)
        second = period.secondary_need.area if period.secondary_need else None
        return [first] if second in (None, first) else [first, second]

    def _cycle(
        self,
        pupil: PupilDraft,
        number: int,
        dates: CycleDates,
        areas: list[AreaOfNeed],
        previous: dict[str, Any] | None,
        carried: list[dict[str, Any]],
        opened_at: datetime | None,
        decision: Ending,
        concern: dict[str, Any] | None,
    ) -> tuple[dict[str, Any], list[dict[str, Any]], datetime | None]:
        """One cycle, in the order the app would have written it. Returns its row, the unmet outcomes
        it carries into the next cycle and when its review was recorded (None while it is open)."""
        rng = self.rng
        closed = dates.state is CycleState.CLOSED
        if opened_at is None:  # cycle 1: opened by the SENCO, or on deciding the concern
            opened_at = moment(rng, dates.opened)
            if concern is not None:
                opened_at = _after(opened_at, concern["recorded_at"])
        cycle = self._open(pupil, number, dates, previous, opened_at, concern)
        cycle_id = cycle["id"]
        outcomes = self._carry(cycle_id, carried, opened_at)
        at = self._assess_and_plan(pupil, cycle_id, number, dates, areas, outcomes, opened_at)
        self.records.setdefault(pupil.id, []).append(
            CycleRecord(
                dates.opened,
                dates.held if closed else None,
                [(o, dates.opened if o["carried_from_id"] else dates.written) for o in outcomes],
            )
        )
        if dates.state is CycleState.PLAN:
            return cycle, [], None
        at = self._start_support(pupil, cycle_id, dates, outcomes, at)
        if dates.review_started is None:
            return cycle, [], None
        at = _after(moment(rng, dates.review_started), at)
        self._move(pupil, cycle_id, Move.START_REVIEW, timeline.REVIEW_STARTED, dates.due, at)
        if not closed:
            self._draft_review(cycle_id, dates, outcomes, at)
            return cycle, [], None
        recorded_at = _after(moment(rng, dates.recorded), at)
        self._review(pupil, cycle_id, number, dates, outcomes, decision, at, recorded_at)
        unmet = [o for o in outcomes if not o["rating"].met] if decision.decision is ReviewDecision.CONTINUE else []
        return cycle, unmet, recorded_at

    def _open(
        self,
        pupil: PupilDraft,
        number: int,
        dates: CycleDates,
        previous: dict[str, Any] | None,
        opened_at: datetime,
        concern: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """The cycle's row, counted in the summary, with the event of its opening."""
        closed = dates.state is CycleState.CLOSED
        cycle = self.rows.add(
            SupportCycle,
            pupil_id=pupil.id,
            number=number,
            state=dates.state,
            opened_on=dates.opened,
            opened_by_id=self.senco_id,
            concern_id=concern["id"] if concern else None,
            previous_cycle_id=previous["id"] if previous else None,
            closed_on=dates.held if closed else None,
            created_at=opened_at,
        )
        summary = self.context.summary
        summary.cycles += 1
        if not closed:
            state = dates.state.value
            summary.cycles_open[state] = summary.cycles_open.get(state, 0) + 1
            summary.reviews_overdue += is_review_overdue(dates.state, dates.due, self.today)
        detail = "Opened from a concern" if concern else ("Continues the previous cycle" if previous else None)
        self._event(
            pupil,
            cycle["id"],
            "cycle_opened",
            timeline.cycle_opened(number),
            dates.opened,
            opened_at,
            detail=detail,
            to_state=CycleState.ASSESS.value,
        )
        return cycle

    def _carry(self, cycle_id: int, carried: list[dict[str, Any]], opened_at: datetime) -> list[dict[str, Any]]:
        """The previous cycle's unmet outcomes, as `record_review` carries them into the cycle it opens."""
        return [
            self._outcome(
                opened_at,
                carried_from_id=old["id"],
                cycle_id=cycle_id,
                position=position,
                **{name: old[name] for name in ("description", "success_criteria", "area_of_need", "target_date")},
            )
            for position, old in enumerate(carried, start=1)
        ]

    def _assess_and_plan(
        self,
        pupil: PupilDraft,
        cycle_id: int,
        number: int,
        dates: CycleDates,
        areas: list[AreaOfNeed],
        outcomes: list[dict[str, Any]],
        at: datetime,
    ) -> datetime:
        """The assessment, its finishing and the plan with its outcomes, as far as the cycle got;
        returns when the last of them was entered."""
        if dates.assessed is not None:
            at = self._assessment(pupil, cycle_id, dates, areas, number, at)
        if dates.finished is not None:
            at = _after(moment(self.rng, dates.finished), at)
            self._move(pupil, cycle_id, Move.FINISH_ASSESSMENT, timeline.ASSESSMENT_FINISHED, dates.assessed, at)
        if dates.written is not None:
            at = self._plan(pupil, cycle_id, dates, areas, at)
            at = self._plan_outcomes(cycle_id, dates, areas, outcomes, at)
        return at

    def _plan_outcomes(
        self, cycle_id: int, dates: CycleDates, areas: list[AreaOfNeed], outcomes: list[dict[str, Any]], at: datetime
    ) -> datetime:
        """The carried outcomes saved again with the new plan's review date as target, then new ones
        up to two or three in all (at least one); returns when the last was saved."""
        for outcome in outcomes:
            at += NEXT_MINUTES
            outcome["target_date"], outcome["version"] = dates.due, 2
            self._revision("outcome", outcome, OUTCOME_FIELDS, at)
        wanted = self.rng.randint(2, 3)
        for _ in range(max(0 if outcomes else 1, wanted - len(outcomes))):
            description, criteria, area = self._new_outcome(areas, outcomes)
            at += NEXT_MINUTES
            outcomes.append(
                self._outcome(
                    at,
                    cycle_id=cycle_id,
                    position=len(outcomes) + 1,
                    description=description,
                    success_criteria=criteria,
                    area_of_need=area,
                    target_date=dates.due,
                )
            )
        return at

    def _start_support(
        self, pupil: PupilDraft, cycle_id: int, dates: CycleDates, outcomes: list[dict[str, Any]], at: datetime
    ) -> datetime:
        """The plan started, if it has, and the observations made while it ran."""
        if dates.starts is None:
            return at
        at = _after(self.context.entered(dates.starts, within_days=2), at)
        self._move(pupil, cycle_id, Move.START_SUPPORT, timeline.plan_started(dates.due), dates.starts, at)
        held = dates.held if dates.state is CycleState.CLOSED else None
        self._observations(pupil, cycle_id, outcomes, dates.starts, held)
        return at

    def _event(
        self,
        pupil: PupilDraft,
        cycle_id: int,
        kind: str,
        title: str,
        effective_on: date,
        recorded_at: datetime,
        *,
        actor_id: int | None = None,
        **more: str | None,
    ) -> None:
        """An event of the cycle, by the SENCO unless `actor_id` says; `more`: its detail and states."""
        by = actor_id or self.senco_id
        add_event(self.context, pupil.id, kind, title, effective_on, recorded_at, by, cycle_id=cycle_id, **more)

    def _move(
        self,
        pupil: PupilDraft,
        cycle_id: int,
        move: Move,
        title: str,
        effective_on: date,
        recorded_at: datetime,
    ) -> None:
        """The event of a move of the cycle, between the states `workflows.cycles.MOVES` gives it."""
        old, new = MOVE_STATES[move]
        self._event(
            pupil,
            cycle_id,
            "cycle_" + move.value,
            title,
            effective_on,
            recorded_at,
            from_state=old.value,
            to_state=new.value,
        )

    # --- Assess -----------------------------------------------------------------------------------

    def _assessment(
        self, pupil: PupilDraft, cycle_id: int, dates: CycleDates, areas: list[AreaOfNeed], number: int, after: datetime
    ) -> datetime:
        rng = self.rng
        assessed = dates.assessed
        recorded_at = _after(self.context.entered(assessed, within_days=3), after)
        lead = areas[0]
        strengths = rng.sample(texts.STRENGTHS[lead], 2)
        difficulties = [rng.choice(texts.DIFFICULTIES[area]) for area in areas]
        agencies = None
        if rng.random() < 0.5:
            agencies = rng.choice(texts.OUTSIDE_AGENCIES[lead])
            agencies += ": advice received and in the file." if number > 1 else ": referral discussed with parents."
        self.rows.add(
            Assessment,
            cycle_id=cycle_id,
            areas_of_need=[area.value for area in areas],
            strengths=" ".join(strengths),
            difficulties=" ".join(difficulties),
            evidence=self._evidence(pupil, areas, assessed),
            pupil_views=rng.choice(texts.ASSESSMENT_PUPIL_VIEWS[lead]) if rng.random() < 0.85 else None,
            parent_views=rng.choice(texts.ASSESSMENT_PARENT_VIEWS),
            outside_agencies=agencies,
            assessed_by_id=self.senco_id,
            assessed_on=assessed,
            recorded_at=recorded_at,
            version=1,
        )
        self._event(pupil, cycle_id, "assessment_recorded", timeline.ASSESSMENT_RECORDED, assessed, recorded_at)
        return recorded_at

    def _evidence(self, pupil: PupilDraft, areas: list[AreaOfNeed], on: date) -> str:
        rng = self.rng
        row = pupil.row
        months = (on - row["date_of_birth"]).days * 12 // 365
        year_then = row["year_group"] - (self.context.year_start.year - academic_year_start(on).year)
        reading = max(48, months - rng.randint(12, 30))
        values = {
            "age": texts.age_text(months),
            "reading_age": texts.age_text(reading),
            "spelling_age": texts.age_text(max(48, reading - rng.randint(0, 8))),
            "phonics": rng.randint(8, 30),
            "standard": rng.randint(69, 84),
            "standard2": rng.randint(72, 92),
            "sdq": rng.randint(17, 30),
            "incidents": rng.randint(5, 16),
            "attendance": rng.randint(82, 93),
            "wpm": rng.randint(5, 12),
        }
        found = []
        for area in areas:
            fitting = [t for low, high, t in texts.EVIDENCE[area] if low <= year_then <= high]
            found.append(rng.choice(fitting).format(**values))
        return " ".join(found)

    # --- Plan -------------------------------------------------------------------------------------

    def _plan(
        self, pupil: PupilDraft, cycle_id: int, dates: CycleDates, areas: list[AreaOfNeed], after: datetime
    ) -> datetime:
        rng = self.rng
        saved_at = _after(moment(rng, dates.written), after)
        if dates.state is CycleState.PLAN:  # not started: perhaps still waiting for parents to agree
            agreed = random_school_day(rng, dates.written, self.today) if rng.random() < 0.4 else None
        else:
            agreed = random_school_day(rng, dates.written, dates.starts)
        strategies = []
        for area in areas:
            strategies += rng.sample(texts.STRATEGIES[area], 2 if len(areas) > 1 else 3)
        provision = [rng.choice(self.book.provision[area]) for area in areas]
        # Chosen by the cycle's id, not drawn from `rng`, so that every later draw is as before.
        expected_impact = [
            texts.EXPECTED_IMPACT[area][(cycle_id + n) % len(texts.EXPECTED_IMPACT[area])]
            for n, area in enumerate(areas)
        ]
        row = self.rows.add(
            Plan,
            cycle_id=cycle_id,
            starts_on=dates.starts,
            strategies="\n".join(strategies),
            provision="\n".join(provision),
            expected_impact="\n".join(expected_impact),
            responsibilities=rng.choice(self.book.responsibilities),
            review_date=dates.due,
            agreed_with_parents_on=agreed,
            version=1,
            updated_by_id=self.senco_id,
            updated_at=saved_at,
        )
        self._revision("plan", row, PLAN_FIELDS, saved_at)
        self._event(
            pupil,
            cycle_id,
            "plan_written",
            timeline.PLAN_WRITTEN,
            min(saved_at.date(), dates.starts),
            saved_at,
            detail=f"Review date {display(dates.due)}",
        )
        return saved_at

    def _new_outcome(self, areas: list[AreaOfNeed], outcomes: list[dict[str, Any]]) -> tuple[str, str, AreaOfNeed]:
        rng = self.rng
        area = areas[0] if not outcomes or len(areas) == 1 else rng.choice(areas)
        taken = {o["description"] for o in outcomes}
        choices = [pair for pair in self.book.outcomes[area] if pair[0] not in taken]
        description, criteria = rng.choice(choices)
        return description, criteria, area

    def _outcome(self, saved_at: datetime, carried_from_id: int | None = None, **columns: Any) -> dict[str, Any]:
        """An outcome's row, not yet rated, at its first version (saved at `saved_at`); `columns`: its
        cycle_id, position, description, success_criteria, area_of_need and target_date."""
        row = self.rows.add(
            Outcome, **columns, carried_from_id=carried_from_id, rating=None, rating_note=None, version=1
        )
        self._revision("outcome", row, OUTCOME_FIELDS, saved_at)
        return row

    def _revision(self, record_type: str, row: dict[str, Any], fields: dict[str, str], saved_at: datetime) -> None:
        self.rows.add(
            RecordRevision,
            record_type=record_type,
            record_id=row["id"],
            version=row["version"],
            snapshot=snapshot(SimpleNamespace(**row), fields),
            saved_by_id=self.senco_id,
            saved_at=saved_at,
        )

    # --- Do ---------------------------------------------------------------------------------------

    def _observations(
        self, pupil: PupilDraft, cycle_id: int, outcomes: list[dict[str, Any]], starts: date, held: date | None
    ) -> None:
        """A few dated notes by the class teacher or a support assistant while the plan ran: two
        to four in a closed cycle (up to the review meeting), about one every three weeks so far
        in an open one."""
        rng, context = self.rng, self.context
        if held is not None:
            until, count = held, rng.randint(2, 4)
        else:
            until = self.today
            running = (until - starts).days
            count = 0 if running < 3 else min(5, 1 + running // 21)
        days = sorted(term_day_between(rng, starts, until) for _ in range(count))
        used: set[str] = set()
        for day in days:
            outcome = rng.choice(outcomes) if outcomes and rng.random() < 0.85 else None
            pool = self.book.observations[outcome["area_of_need"]] if outcome else texts.GENERAL_OBSERVATIONS
            note = rng.choice(pool)
            if note in used:
                note = rng.choice([n for n in pool if n not in used] or pool)
            used.add(note)
            by = pupil.teacher_id if rng.random() < 0.6 else rng.choice(self.assistant_ids)
            recorded_at = context.entered(day, within_days=3)
            self.rows.add(
                Observation,
                cycle_id=cycle_id,
                outcome_id=outcome["id"] if outcome else None,
                observed_on=day,
                note=note,
                recorded_by_id=by,
                recorded_at=recorded_at,
            )
            self._event(
                pupil,
                cycle_id,
                "observation",
                timeline.OBSERVATION_RECORDED,
                day,
                recorded_at,
                actor_id=by,
                detail=short(note, 120),
            )

    # --- Review -----------------------------------------------------------------------------------

    def _rate(self, outcomes: list[dict[str, Any]], decision: ReviewDecision) -> float:
        """Rate every outcome; returns the share met."""
        rng = self.rng
        for outcome in outcomes:
            if decision is ReviewDecision.CONTINUE:
                table = RATINGS["carried" if outcome["carried_from_id"] else "new"]
            else:
                table = RATINGS[decision]
            rating = weighted(rng, table)
            outcome["rating"] = rating
            outcome["rating_note"] = rng.choice(texts.RATING_NOTES[rating.value])
        return sum(o["rating"].met for o in outcomes) / len(outcomes)

    def _review(
        self,
        pupil: PupilDraft,
        cycle_id: int,
        number: int,
        dates: CycleDates,
        outcomes: list[dict[str, Any]],
        ending: Ending,
        started_at: datetime,
        recorded_at: datetime,
    ) -> None:
        """The review that closed the cycle: every outcome rated, the decision recorded."""
        rng = self.rng
        decision = ending.decision
        impact = _impact_of(decision, self._rate(outcomes, decision))
        parent_attended = rng.random() < PARENT_ATTENDED_RATE
        reason = self._decision_reason(ending, impact)
        row = self._add_review(
            cycle_id,
            held_on=dates.held,
            attendees=self._attendees(parent_attended),
            parent_attended=parent_attended,
            provision_impact=rng.choice(texts.IMPACT[impact]),
            pupil_views=rng.choice(texts.REVIEW_PUPIL_VIEWS[outcomes[0]["area_of_need"]]),
            parent_views=rng.choice(texts.REVIEW_PARENT_VIEWS[impact]),
            next_steps=rng.choice(texts.NEXT_STEPS[decision.value]),
            decision=decision,
            decision_reason=reason,
            ehc_requested_on=ending.requested,
            version=1,
            updated_by_id=self.senco_id,
            updated_at=recorded_at,
            recorded_at=recorded_at,
        )
        self._review_revisions(row, outcomes, started_at, recorded_at)
        self._move(pupil, cycle_id, Move.RECORD_REVIEW, timeline.review_held(decision), dates.held, recorded_at)
        if parent_attended:
            self._event(pupil, cycle_id, "parent_meeting", timeline.PARENTS_MET_AT_REVIEW, dates.held, recorded_at)
            self._review_meeting(
                pupil, cycle_id, row, f"Review of support cycle {number}: {decision.summary}", recorded_at
            )
        if decision is ReviewDecision.REQUEST_EHC:
            self._event(pupil, cycle_id, "ehc_requested", timeline.EHC_REQUESTED, ending.requested, recorded_at)

    def _decision_reason(self, ending: Ending, impact: str) -> str | None:
        """Why the review decided as it did (a review that continues says so half the time)."""
        if ending.decision is ReviewDecision.STEP_DOWN:
            return ending.reason
        if ending.decision is ReviewDecision.REQUEST_EHC:
            return self.rng.choice(texts.REQUEST_EHC_REASONS)
        return self.rng.choice(texts.CONTINUE_REASONS[impact]) if self.rng.random() < 0.5 else None

    def _attendees(self, parent_attended: bool) -> str:
        return self.rng.choice(self.book.attendees if parent_attended else self.book.attendees_without_parents)

    def _add_review(self, cycle_id: int, **values: Any) -> dict[str, Any]:
        """A review row: `values` over those of the empty draft `start_review` opens."""
        return self.rows.add(Review, **({"cycle_id": cycle_id} | BLANK_REVIEW | values))

    def _review_revisions(
        self, row: dict[str, Any], outcomes: list[dict[str, Any]], started_at: datetime, saved_at: datetime
    ) -> None:
        """The revisions of a review saved once: the empty draft, then `row` as saved."""
        self._blank_review_revision(row["id"], started_at, outcomes)
        self._revision("review", row | {"ratings_summary": _ratings_summary(outcomes)}, REVIEW_FIELDS, saved_at)

    def _draft_review(
        self, cycle_id: int, dates: CycleDates, outcomes: list[dict[str, Any]], started_at: datetime
    ) -> None:
        """The review of an open cycle: just started, or a draft saved with the meeting, some
        views and some ratings, the decision still to make."""
        rng = self.rng
        if rng.random() < 0.3:
            row = self._add_review(cycle_id, updated_at=started_at)
            self._blank_review_revision(row["id"], started_at, outcomes)
            return
        held = random_school_day(rng, dates.due, self.today) if rng.random() < 0.7 else None
        parent_attended = held is not None and rng.random() < PARENT_ATTENDED_RATE
        if held is not None:
            self._rate_some(outcomes)
        saved_at = _after(self.context.entered(held or dates.review_started, within_days=3), started_at)
        row = self._add_review(
            cycle_id,
            held_on=held,
            attendees=self._attendees(parent_attended) if held is not None else None,
            parent_attended=parent_attended,
            provision_impact=rng.choice(texts.IMPACT["mixed"]) if held else None,
            pupil_views=rng.choice(texts.REVIEW_PUPIL_VIEWS[outcomes[0]["area_of_need"]])
            if rng.random() < 0.6
            else None,
            parent_views=rng.choice(texts.REVIEW_PARENT_VIEWS["mixed"]) if parent_attended else None,
            version=1,
            updated_by_id=self.senco_id,
            updated_at=saved_at,
        )
        self._review_revisions(row, outcomes, started_at, saved_at)
        # No meeting with parents yet, even when a parent attended: the app records (or links) the
        # review's meeting only when the review is recorded (`record_review`).

    def _rate_some(self, outcomes: list[dict[str, Any]]) -> None:
        """Ratings for some of the outcomes, as a draft saved after the meeting holds them."""
        rng = self.rng
        for outcome in outcomes:
            if rng.random() < 0.6:
                rating = weighted(rng, RATINGS["carried" if outcome["carried_from_id"] else "new"])
                outcome["rating"], outcome["rating_note"] = rating, rng.choice(texts.RATING_NOTES[rating.value])

    def _review_meeting(
        self, pupil: PupilDraft, cycle_id: int, review: dict[str, Any], outcomes: str, recorded_at: datetime
    ) -> None:
        """The held meeting with parents that a review they attended stands for, as
        `sentrack.workflows.meetings.meeting_from_review` writes it (no timeline event of its own:
        the review's 'Parents met at the review' is it). Its record is marked shared with the
        parents (from the pupil page, with its timeline event) one to four school days after the
        review was recorded, when that is not after today. No random draws, so adding it changes
        nothing else."""
        shared = weekday_on_or_after(recorded_at.date() + (review["id"] % 4 + 1) * DAY)
        if shared > self.today:
            shared = None
        self.rows.add(
            ParentMeeting,
            pupil_id=pupil.id,
            planned_for=None,
            held_on=review["held_on"],
            mode=MeetingMode.IN_PERSON,
            led_by_id=self.senco_id,
            attendees=review["attendees"],
            pupil_views=review["pupil_views"],
            outcomes=outcomes,
            actions=review["next_steps"],
            discussion=None,
            version=1,
            shared_with_parents_on=shared,
            views_not_gathered=None,
            separate_with=None,
            cycle_id=cycle_id,
            review_id=review["id"],
            plan_id=None,
            recorded_by_id=self.senco_id,
            recorded_at=recorded_at,
        )
        self.records[pupil.id][-1].parent_met_on = review["held_on"]
        if shared is not None:
            add_event(
                self.context,
                pupil.id,
                "parent_meeting_shared",
                "Meeting record shared with parents",
                shared,
                datetime.combine(shared, time(15, 30), tzinfo=UTC),
                self.senco_id,
                detail=f"The record of the meeting of {display(review['held_on'])}",
            )

    def _blank_review_revision(self, review_id: int, started_at: datetime, outcomes: list[dict[str, Any]]) -> None:
        """Version 0, the empty draft that `start_review` saves."""
        blank = dict.fromkeys(REVIEW_FIELDS, None) | {
            "parent_attended": False,
            "id": review_id,
            "version": 0,
            "ratings_summary": _ratings_summary([{**o, "rating": None} for o in outcomes]),
        }
        self._revision("review", blank, REVIEW_FIELDS, started_at)


def _impact_of(decision: ReviewDecision, met: float) -> str:
    """How the review judged the provision's impact, from the share of outcomes met."""
    if decision is ReviewDecision.REQUEST_EHC:
        return "poor"
    return "good" if met >= 0.66 else "mixed" if met > 0 else "poor"


def _ratings_summary(outcomes: list[dict[str, Any]]) -> str:
    """What `Review.ratings_summary` reads for these outcomes."""
    return "; ".join(
        f"{position}. {outcome['rating'].label if outcome.get('rating') else 'not rated'}"
        for position, outcome in enumerate(outcomes, start=1)
    )
