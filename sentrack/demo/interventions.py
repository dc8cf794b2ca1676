"""Interventions in the demo: each school's catalogue (`catalogue`), and interventions across the
year as the workflows in `sentrack.workflows.interventions` would have recorded them.

Every school has some interventions in each state, in numbers that follow its SEN register (about
one running for every four pupils on it): some ended in the last few months with the impact
recorded for every pupil (exit measure, a rating on the -2..+2 scale, a comment); a few ended in
the last three weeks with the impact still to record; many running, started 2 to 8 weeks ago and
ending in the coming weeks; a few starting next week. Sessions are registered on the
intervention's weekdays (outside the long holidays) up to yesterday, and some of today's already;
about one register in 25 was never taken, and each pupil attends about nine sessions in ten.

Wave 3 programmes are for pupils on SEN support or with an EHC plan whose needs fall in the
programme's area; most wave 2 groups are catch-up for pupils not on the register, the rest for
pupils on SEN support. A place is linked to an outcome of the pupil's support cycle that was open
when the intervention was set up, where the areas of need match. Groups have 3 to 6 pupils of
the same or the next year group; a pupil is in at most three interventions at a time.

At the demo school ta@demo.test delivers three running interventions, one starting next week, one
ended with its impact recorded and one ended without. One of the running three meets on the next
weekday (today, on a school day) and its register for today is still to take, so the assistant's
home page always has a session to record; another has a pupil of the demo teacher's class.
teacher@demo.test delivers one group of their own class, likewise meeting on the next weekday
with today's register to take. Other staff deliver the rest. The schools keep the default impact
scale, whose labels the impact events quote.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any

from sentrack.demo.catalogue import (
    ABSENCE_COMMENT,
    ASSISTANT,
    ASSISTANT_RATE_PENCE,
    CATALOGUE_SIZE,
    IMPACT_COMMENTS,
    PROGRAMMES,
    READING_AGE,
    SESSION_NOTES,
    TEACHER,
    TEACHER_RATE_PENCE,
    Measure,
    Programme,
)
from sentrack.demo.chronology import add_event
from sentrack.demo.context import DemoContext, weighted
from sentrack.demo.cycles import CycleRecord
from sentrack.demo.dates import (
    DAY,
    academic_year_start,
    first_school_day,
    in_long_holiday,
    moment,
    next_weekday,
    random_school_day,
    term_day_between,
    term_day_on_or_after,
    term_day_on_or_before,
    weekday_on_or_before,
)
from sentrack.demo.pupils import PupilDraft
from sentrack.demo.schools import SchoolSpec
from sentrack.demo.staff import Staff
from sentrack.models import (
    AbsenceReason,
    CostBasis,
    Delivery,
    Intervention,
    InterventionPupil,
    InterventionSession,
    InterventionType,
    MeasureType,
    NotHeldReason,
    Provision,
    SessionAttendance,
)
from sentrack.models.enums import AreaOfNeed
from sentrack.models.interventions import DEFAULT_IMPACT_SCALE
from sentrack.workflows import timeline
from sentrack.workflows.measures import reading_age_text
from sentrack.workflows.revisions import display


class State(Enum):
    """Where an intervention stands today."""

    ENDED = "ended"  # ended, impact recorded
    EARLIER = "earlier"  # ended in one of the two academic years before this one, impact recorded
    AWAITING_IMPACT = "awaiting_impact"  # ended, impact not yet recorded
    RUNNING = "running"
    STARTING = "starting"  # starts next week


PER_REGISTER = 4  # about one intervention running for every four pupils on the register
MAX_AT_ONCE = 3  # interventions a pupil is in at the same time
ENDED_WINDOW = (140, 15)  # ended between these many days ago (impact recorded)
EARLIER_YEARS = 2  # academic years of history before this one
EARLIER_PER_YEAR = 1  # interventions each year for every one running now (fewer than ran: a sample, for speed)
AWAITING_WINDOW = (20, 1)  # ended this recently, impact still to record
IMPACT_DELAY_DAYS = 14  # impact recorded within this many days of the end
RAN_AT_LEAST = 28 * DAY  # an intervention cut short by the start of the year ran at least this long
SETUP_DAYS = 10  # set up (entry measures taken) up to this many days before the start
CATCH_UP_RATE = 0.6  # wave 2 groups of pupils not on the register
ATTENDANCE_RATES = (0.8, 0.98)  # each pupil's chance of being at a session
MISSED_REGISTER_RATE = 0.04
TODAY_RECORDED_RATE = 0.35  # of the sessions due today, registers already taken
NOTE_RATE = 0.12
COMMENT_RATE = 0.9
LOW_ATTENDANCE = 0.75
RECORDED_BY_DELIVERER_RATE = 0.7  # impact recorded by who delivered it; otherwise by the SENCO
SENCO_DELIVERS_RATE = 0.25  # of the teacher-led programmes
IMPACTS = [(2, 12), (1, 33), (0, 35), (-1, 15), (-2, 5)]
IMPACTS_LOW_ATTENDANCE = [(1, 10), (0, 35), (-1, 35), (-2, 20)]
GAIN = {2: 2.3, 1: 1.6, 0: 1.0, -1: 0.45, -2: -0.15}  # share of the expected gain, by impact
# Registers as teachers keep them, drawn from a generator of their own so that the rest of the
# demo comes out the same: why a pupil missed a session, and the odd session that did not happen.
ABSENCE_REASONS = [
    (AbsenceReason.ILL, 40),
    (AbsenceReason.NOT_IN_SCHOOL, 25),
    (AbsenceReason.OTHER_COMMITMENT, 15),
    (AbsenceReason.APPOINTMENT, 10),
    (AbsenceReason.DECLINED, 5),
    (None, 5),  # not given
]
NOT_HELD_RATE = 0.03
NOT_HELD_REASONS = [(NotHeldReason.STAFF_ABSENT, 55), (NotHeldReason.TRIP, 25), (NotHeldReason.SCHOOL_CLOSED, 20)]


@dataclass
class Slot:
    """An intervention to make: its state and what is fixed about it in advance."""

    state: State
    deliverer: int | None = None  # else chosen by who delivers the programme
    staff: str | None = None  # only programmes delivered by this kind of staff
    weekday: int | None = None  # a weekday its sessions must include
    pool: list[PupilDraft] | None = None  # the first pupil (and the others, where they can) from these
    only_pool: bool = False  # every pupil from `pool`
    created_by: int | None = None  # else the SENCO
    forced: bool = False  # made however it can be, loosening the choice of pupils if need be


@dataclass
class Kind:
    """A catalogue entry once its row is added."""

    row: dict[str, Any]
    programme: Programme

    @property
    def id(self) -> int:
        return self.row["id"]


@cache
def _weekday_choices(count: int, required: int | None) -> tuple[list[tuple[int, ...]], list[int]]:
    """The sets of `count` weekdays holding `required`, those spread through the week favoured."""
    combos = [c for c in itertools.combinations(range(5), count) if required is None or required in c]
    weights = [1 + sum(b - a >= 2 for a, b in zip(c, c[1:], strict=False)) for c in combos]
    return combos, weights


def _year_label(years: list[int]) -> str:
    """ "Reception", "Year 5", "Years 3 and 4", "Reception to Year 2" for sorted year groups."""
    first, last = years[0], years[-1]
    if first == 0:
        return "Reception" if last == 0 else f"Reception {'and' if len(years) == 2 else 'to'} Year {last}"
    if len(years) == 1:
        return f"Year {first}"
    return f"Years {first} {'and' if len(years) == 2 else 'to'} {last}"


def _term_name(day: date) -> str:
    return "autumn" if day.month >= 9 else "spring" if day.month <= 3 else "summer"


def measure_columns(measure: Measure) -> dict[str, Any]:
    """How an intervention writes its programme's measure: a reading age as years and months, a
    standard score as a standardised score, a score with a highest as a named scale; free text
    otherwise (an age in months of number or maths, a count where lower is better)."""
    if measure is READING_AGE:
        return {"measure_type": MeasureType.READING_AGE, "measure_min": None, "measure_max": None}
    if "standard score" in measure.name:
        return {"measure_type": MeasureType.STANDARDISED, "measure_min": None, "measure_max": None}
    if measure.top is not None:
        return {"measure_type": MeasureType.SCALE, "measure_min": measure.bottom, "measure_max": measure.top}
    return {"measure_type": MeasureType.FREE_TEXT, "measure_min": None, "measure_max": None}


def measure_text(measure: Measure, value: int) -> str:
    """A score as its intervention's measure keeps it."""
    return reading_age_text(value) if measure is READING_AGE else str(value)


class InterventionBuilder:
    """The school's catalogue and its interventions (`build`), with their places, registers, impact
    and timeline events. `cycles`: each pupil's support cycles, as `add_support_cycles` returns them."""

    def __init__(
        self,
        context: DemoContext,
        spec: SchoolSpec,
        school_id: int,
        pupils: list[PupilDraft],
        staff: Staff,
        cycles: dict[int, list[CycleRecord]],
    ) -> None:
        self.context, self.rng, self.rows, self.today = context, context.rng, context.rows, context.today
        self.spec, self.school_id, self.pupils, self.staff, self.cycles = spec, school_id, pupils, staff, cycles
        self.by_year: dict[int, list[PupilDraft]] = {}
        for pupil in pupils:
            self.by_year.setdefault(pupil.row["year_group"], []).append(pupil)
        self.busy: dict[int, list[tuple[date, date, int]]] = {}  # pupil id -> (start, end, type id)
        self.load: dict[int, int] = {}  # deliverer -> interventions
        self.given: dict[int, dict[int, int]] = {}  # deliverer -> type id -> interventions
        self.names: dict[str, list[tuple[date, date]]] = {}  # name -> when interventions so named ran
        self.used: set[str] = set()
        self.demo_assistant = staff.assistant_ids[0] if spec.is_demo_school else None
        self.demo_teacher = staff.teacher_of.get(staff.demo_group_id) if spec.is_demo_school else None
        self.assistants = [a for a in staff.assistant_ids if a != self.demo_assistant]
        self.teachers = [t for t in staff.teacher_of.values() if t != self.demo_teacher]
        self.labels = DEFAULT_IMPACT_SCALE  # the demo schools keep the default impact scale
        self.register_rng = random.Random(f"registers-{context.seed}-{school_id}")
        self.entry_values: dict[int, int] = {}  # place id -> entry measure as a number
        self.ended_early = not spec.is_demo_school  # the demo school has one intervention ended early

    def build(self) -> None:
        self.kinds = self._catalogue()
        for slot in self._slots():
            self._make(slot)

    # --- Catalogue ----------------------------------------------------------------------------------

    def _catalogue(self) -> list[Kind]:
        """The school's programmes, in the catalogue's order: every core one and some others;
        when there are 16 or more, one of the others is no longer offered (inactive)."""
        rng = self.rng
        programmes = PROGRAMMES[self.spec.phase]
        core = [p for p in programmes if p.core]
        others = [p for p in programmes if not p.core]
        size = rng.randint(*CATALOGUE_SIZE)
        extra = rng.sample(others, min(len(others), max(0, size - len(core))))
        chosen = [p for p in programmes if p.core or p in extra]
        retired = rng.choice(extra) if len(chosen) >= 16 and extra else None
        rates = {
            ASSISTANT: rng.randrange(ASSISTANT_RATE_PENCE[0], ASSISTANT_RATE_PENCE[1] + 1, 5),
            TEACHER: rng.randrange(TEACHER_RATE_PENCE[0], TEACHER_RATE_PENCE[1] + 1, 5),
        }
        kinds = []
        for programme in chosen:
            per_session = programme.cost_per_session_pence
            if per_session is not None:  # the school's own deal, within a tenth of the list price
                per_session = round(per_session * rng.uniform(0.9, 1.1) / 5) * 5
            row = self.rows.add(
                InterventionType,
                school_id=self.school_id,
                name=programme.name,
                description=programme.description,
                area_of_need=programme.area,
                wave=programme.wave,
                sessions_per_week=programme.sessions_per_week,
                minutes_per_session=programme.minutes,
                weeks=programme.weeks,
                cost_basis=CostBasis.PER_SESSION if per_session is not None else CostBasis.STAFF_HOURS,
                cost_per_session_pence=per_session,
                hourly_rate_pence=None if per_session is not None else rates[programme.staff],
                active=programme is not retired,
            )
            kinds.append(Kind(row, programme))
        return kinds

    # --- What to make -------------------------------------------------------------------------------

    def _slots(self) -> list[Slot]:
        register = sum(p.provision in (Provision.SEN_SUPPORT, Provision.EHC_PLAN) for p in self.pupils)
        running = max(3, round(register / PER_REGISTER))
        counts = {
            State.EARLIER: running * EARLIER_YEARS * EARLIER_PER_YEAR,
            State.RUNNING: running,
            State.ENDED: running,
            State.AWAITING_IMPACT: max(1, round(running / 6)),
            State.STARTING: max(1, round(running / 8)),
        }
        slots = []
        if self.spec.is_demo_school:
            ta, demo_class = self.demo_assistant, [p for p in self.pupils if p.group_id == self.staff.demo_group_id]
            next_day = next_weekday(self.today).weekday()
            slots = [
                Slot(State.RUNNING, ta, ASSISTANT, weekday=next_day, forced=True),
                Slot(State.RUNNING, ta, ASSISTANT, pool=demo_class or None, forced=True),
                Slot(State.RUNNING, ta, ASSISTANT, forced=True),
                Slot(State.AWAITING_IMPACT, ta, ASSISTANT, forced=True),
                Slot(State.ENDED, ta, ASSISTANT, forced=True),
                Slot(State.STARTING, ta, ASSISTANT, forced=True),
            ]
            if self.demo_teacher is not None:
                slots.append(
                    Slot(
                        State.RUNNING,
                        self.demo_teacher,
                        TEACHER,
                        weekday=next_day,
                        pool=demo_class or None,
                        only_pool=bool(demo_class),
                        created_by=self.demo_teacher,
                        forced=True,
                    )
                )
            for slot in slots:
                counts[slot.state] = max(0, counts[slot.state] - 1)
        for state, count in counts.items():
            slots += [Slot(state) for _ in range(count)]
        return slots

    def _make(self, slot: Slot) -> None:
        rng = self.rng
        kinds = [k for k in self.kinds if k.row["active"] and slot.staff in (None, k.programme.staff)]
        if not kinds:
            return
        # Someone delivering several runs different programmes, where the school has them.
        given = self.given.get(slot.deliverer, {}) if slot.deliverer is not None else {}
        choices = [(k, k.programme.weight / (1 + 4 * given.get(k.id, 0))) for k in kinds]
        for loose in (False, True) if slot.forced else (False,):
            for _ in range(6):
                kind = weighted(rng, choices)
                weekdays = self._weekdays(kind.programme.sessions_per_week, slot.weekday)
                starts, ends = self._dates(slot.state, kind.programme, weekdays)
                chosen = self._pupils(kind, slot, starts, ends, loose=loose)
                if chosen:
                    self._write(slot, kind, chosen, weekdays, starts, ends)
                    return

    def _weekdays(self, count: int, required: int | None) -> list[int]:
        combos, weights = _weekday_choices(count, required)
        return list(self.rng.choices(combos, weights)[0])

    # --- Dates --------------------------------------------------------------------------------------

    def _dates(self, state: State, programme: Programme, weekdays: list[int]) -> tuple[date, date]:
        """The start (a session day where one is near) and end of an intervention in `state`,
        running for about the programme's weeks."""
        rng, today = self.rng, self.today
        length = (programme.weeks * 7 - 3) * DAY  # from the first Monday to the last Friday
        if state is State.RUNNING:
            so_far = rng.randint(14, max(14, min(56, programme.weeks * 7 - 10)))
            starts = self._first_session(today - so_far * DAY, weekdays, latest=today)
            ends = max(starts + length, today + rng.randint(7, 20) * DAY)
            return starts, term_day_on_or_after(weekday_on_or_before(ends))
        if state is State.STARTING:
            monday = today + (7 - today.weekday()) * DAY
            starts = self._first_session(term_day_on_or_after(monday + rng.randint(0, 2) * DAY), weekdays)
            return starts, term_day_on_or_after(weekday_on_or_before(starts + length))
        this_year = first_school_day(self.context.year_start.year)
        if state is State.EARLIER:  # ended in one of the earlier years, after it had run a while
            low = first_school_day(self.context.year_start.year - EARLIER_YEARS) + RAN_AT_LEAST
            high = self.context.year_start - DAY
        else:
            earliest, latest = ENDED_WINDOW if state is State.ENDED else AWAITING_WINDOW
            low, high = today - earliest * DAY, today - latest * DAY
        if state is not State.EARLIER and this_year + RAN_AT_LEAST <= high:  # it ran this academic year
            low = max(low, this_year + RAN_AT_LEAST)
        ends = term_day_between(rng, low, high)
        if in_long_holiday(ends):
            ends = term_day_on_or_before(ends)
        first = first_school_day(academic_year_start(ends).year)
        if ends - first < RAN_AT_LEAST:  # too early in the year: it ended before the summer
            ends = weekday_on_or_before(date(first.year, 7, 22) - rng.randint(0, 10) * DAY)
            first = first_school_day(first.year - 1)
        starts = ends - length
        if starts < first:  # ran from the start of the year, for fewer weeks than the programme's
            starts = min(first + rng.randint(0, 14) * DAY, ends - RAN_AT_LEAST)
        return self._first_session(starts, weekdays, latest=ends - DAY), ends

    @staticmethod
    def _first_session(day: date, weekdays: list[int], latest: date | None = None) -> date:
        """The first of `weekdays` in term on or after `day`, if not after `latest`; else the
        nearest term day on or before `day`."""
        found = term_day_on_or_after(day)
        for _ in range(7):
            if found.weekday() in weekdays:
                break
            found = term_day_on_or_after(found + DAY)
        if latest is None or found <= latest:
            return found
        return min(term_day_on_or_before(day), latest)

    # --- Pupils -------------------------------------------------------------------------------------

    def _needs_on(self, pupil: PupilDraft, day: date) -> tuple[Provision, tuple[AreaOfNeed, ...]]:
        if not pupil.periods:
            return Provision.NONE, ()
        period = None
        for candidate in pupil.periods:
            if candidate.start <= day:
                period = candidate
        if period is None:
            return Provision.NONE, ()
        needs = (period.primary_need, period.secondary_need)
        return period.provision, tuple(n.area for n in needs if n is not None and n.area is not None)

    def _free(self, pupil: PupilDraft, starts: date, ends: date, type_id: int) -> bool:
        spans = self.busy.get(pupil.id)
        if not spans:
            return True
        overlapping = [t for s, e, t in spans if s <= ends and starts <= e]
        return len(overlapping) < MAX_AT_ONCE and type_id not in overlapping

    def _pupils(self, kind: Kind, slot: Slot, starts: date, ends: date, *, loose: bool) -> list[PupilDraft]:
        """The pupils of a new intervention, or none if the programme suits nobody free then.
        `loose`: anyone free fits, those the programme suits first."""
        rng, programme = self.rng, kind.programme
        on = min(starts, self.today)  # needs as they stood when it was set up
        low, high = programme.years
        # Pupils move up a year each September: those in Year 5 now were in Year 4 last year.
        shift = self._years_ago(starts)
        type_id = kind.id
        pool = [
            p for y in range(low + shift, high + shift + 1) for p in self.by_year.get(y, ()) if p.admitted_on <= starts
        ]
        if slot.only_pool:
            pool = [p for p in pool if p in slot.pool]
        modes = ["register"]
        if programme.wave == 2:
            modes = ["catch_up", "support"] if rng.random() < CATCH_UP_RATE else ["support", "catch_up"]
        elif programme.wave == 1:
            modes = ["any"]
        found: list[PupilDraft] = []
        for mode in modes:
            found = [p for p in pool if self._suits(p, programme.area, on, mode)]
            found = [p for p in found if self._free(p, starts, ends, type_id)]
            if found:
                break
        if loose:
            ranked = set(map(id, found))
            free = [p for p in pool if self._free(p, starts, ends, type_id)]
            found = sorted(free, key=lambda p: (id(p) not in ranked, rng.random()))
        preferred = [p for p in found if p in slot.pool] if slot.pool is not None else found
        if not preferred:
            return []
        anchor = preferred[0] if loose else rng.choice(preferred)
        if programme.delivery is Delivery.ONE_TO_ONE:
            return [anchor]
        size = rng.randint(*programme.group_size)
        year = anchor.row["year_group"]
        near = [p for p in found if p is not anchor and abs(p.row["year_group"] - year) <= 1]
        tiers = [
            [p for p in near if slot.pool is not None and p in slot.pool],
            [p for p in near if p.row["year_group"] == year and (slot.pool is None or p not in slot.pool)],
            [p for p in near if p.row["year_group"] != year and (slot.pool is None or p not in slot.pool)],
        ]
        chosen = [anchor]
        for tier in tiers:
            if len(chosen) < size and tier:
                chosen += tier[: size - len(chosen)] if loose else rng.sample(tier, min(len(tier), size - len(chosen)))
        if len(chosen) < programme.group_size[0] and not loose:
            return []
        return chosen

    def _suits(self, pupil: PupilDraft, area: AreaOfNeed, on: date, mode: str) -> bool:
        if mode == "any":
            return True
        provision, areas = self._needs_on(pupil, on)
        if mode == "catch_up":
            return provision is Provision.NONE
        if mode == "support":
            return provision is Provision.SEN_SUPPORT and area in areas
        return provision in (Provision.SEN_SUPPORT, Provision.EHC_PLAN) and area in areas

    def _outcome_id(self, pupil: PupilDraft, area: AreaOfNeed, on: date) -> int | None:
        """An outcome in the area from the pupil's cycle open on `on`, if it had one yet."""
        for record in self.cycles.get(pupil.id, ()):
            if record.is_open_on(on):
                matching = [o for o, added in record.outcomes if added <= on and o["area_of_need"] == area]
                return matching[0]["id"] if matching else None
        return None

    # --- Rows ---------------------------------------------------------------------------------------

    def _name(self, programme: Programme, chosen: list[PupilDraft], starts: date, ends: date) -> str:
        """As staff name them: the programme, the year and the pupil's initials for one-to-one
        ("Toe by Toe: Year 5 one-to-one (A.K.)"); groups running at the same time as another of
        the same programme and years get a letter ("... group B"), and a name used before the
        term the intervention starts ("..., spring term")."""
        shift = self._years_ago(starts)
        years = _year_label(sorted({p.row["year_group"] - shift for p in chosen}))
        if programme.delivery is Delivery.ONE_TO_ONE:
            row = chosen[0].row
            initials = f"{(row['preferred_name'] or row['first_name'])[0]}.{row['last_name'][0]}."
            name = f"{programme.short}: {years} one-to-one ({initials})"
        else:
            name = f"{programme.short}: {years} group"
        spans = self.names.setdefault(name, [])
        at_once = sum(s <= ends and starts <= e for s, e in spans)
        spans.append((starts, ends))
        if programme.delivery is Delivery.GROUP and at_once:
            name += " " + "ABCDEFGHIJ"[min(at_once, 9)]
        if name in self.used:  # run before: named by the term it starts in
            name += f", {_term_name(starts)} term"
        if name in self.used:
            name += f" ({len(spans)})"
        self.used.add(name)
        return name

    def _years_ago(self, day: date) -> int:
        """How many academic years before this one `day` falls in (0 this year)."""
        return max(0, self.context.year_start.year - academic_year_start(day).year)

    def _deliverer(self, slot: Slot, programme: Programme) -> int:
        rng, senco = self.rng, self.staff.senco_id
        if slot.deliverer is not None:
            return slot.deliverer
        if programme.staff == TEACHER:
            if not self.teachers or rng.random() < SENCO_DELIVERS_RATE:
                return senco
            return rng.choice(self.teachers)
        if not self.assistants:
            return senco
        return min(self.assistants, key=lambda a: (self.load.get(a, 0), rng.random()))

    def _write(
        self, slot: Slot, kind: Kind, chosen: list[PupilDraft], weekdays: list[int], starts: date, ends: date
    ) -> None:
        """The intervention, its places with their events, the registers taken so far and, if it
        has ended and its impact is recorded, the impact."""
        rng, today = self.rng, self.today
        programme = kind.programme
        by = self._deliverer(slot, programme)
        self.load[by] = self.load.get(by, 0) + 1
        given = self.given.setdefault(by, {})
        given[kind.id] = given.get(kind.id, 0) + 1
        admitted = max(p.admitted_on for p in chosen)
        set_up = random_school_day(rng, max(admitted, min(starts, today) - SETUP_DAYS * DAY), min(starts, today))
        intervention = self.rows.add(
            Intervention,
            school_id=self.school_id,
            type_id=kind.id,
            name=self._name(programme, chosen, starts, ends),
            delivery=programme.delivery,
            delivered_by_id=by,
            weekdays=weekdays,
            minutes_per_session=programme.minutes,
            starts_on=starts,
            ends_on=ends,
            measure=programme.measure.name,
            **measure_columns(programme.measure),
            planned_ends_on=None,
            created_by_id=slot.created_by or self.staff.senco_id,
            created_at=moment(rng, set_up),
        )
        if slot.state is State.ENDED and not self.ended_early:
            # Ended three weeks before its planned end: it reads "Ended early" everywhere.
            intervention["planned_ends_on"] = ends + 21 * DAY
            self.ended_early = True
        chosen = sorted(chosen, key=lambda p: p.id)
        places = self._places(intervention, programme, chosen, set_up)
        attended = self._sessions(intervention["id"], by, places, weekdays, starts, ends)
        self._count(slot.state)
        if slot.state in (State.ENDED, State.EARLIER):
            self._impact(intervention["name"], programme, by, places, chosen, attended, starts, ends)

    def _places(
        self, intervention: dict[str, Any], programme: Programme, chosen: list[PupilDraft], set_up: date
    ) -> list[dict[str, Any]]:
        """A place for each pupil (busy from then on), with the entry measure and the event of the start."""
        starts, ends = intervention["starts_on"], intervention["ends_on"]
        weekdays = intervention["weekdays"]
        places = []
        for pupil in chosen:
            self.busy.setdefault(pupil.id, []).append((starts, ends, intervention["type_id"]))
            entry = self._entry(programme.measure, pupil, starts)
            places.append(
                self.rows.add(
                    InterventionPupil,
                    intervention_id=intervention["id"],
                    pupil_id=pupil.id,
                    outcome_id=self._outcome_id(pupil, programme.area, set_up),
                    entry_score=measure_text(programme.measure, entry),
                    exit_score=None,
                    impact=None,
                    impact_comment=None,
                    impact_recorded_on=None,
                    impact_recorded_by_id=None,
                )
            )
            self.entry_values[places[-1]["id"]] = entry
            add_event(
                self.context,
                pupil.id,
                "intervention_started",
                timeline.intervention_starts(intervention["name"]),
                starts,
                intervention["created_at"],
                intervention["created_by_id"],
                detail=f"{len(weekdays)} x {programme.minutes} minutes a week until {display(ends)}",
            )
        return places

    def _count(self, state: State) -> None:
        """The intervention in the summary, by where it stands."""
        summary = self.context.summary
        summary.interventions += 1
        if state is State.RUNNING:
            summary.interventions_running += 1
        elif state is State.STARTING:
            summary.interventions_starting += 1
        elif state is State.AWAITING_IMPACT:
            summary.interventions_awaiting_impact += 1

    def _sessions(
        self, intervention_id: int, by: int, places: list[dict[str, Any]], weekdays: list[int], starts: date, ends: date
    ) -> dict[int, tuple[int, int, bool]]:
        """The registers taken so far; returns each pupil's (sessions attended, sessions held, low
        attendance). Low attendance is judged from every register drawn, those of sessions that did not
        take place too, as it was before sessions could be recorded as not held: so that the draws
        made from it, and so the rest of the demo, come out the same."""
        rng, rows, today = self.rng, self.rows, self.today
        last = min(ends, today)
        days = []
        for weekday in weekdays:
            day = starts + (weekday - starts.weekday()) % 7 * DAY
            while day <= last:
                if not in_long_holiday(day):
                    days.append(day)
                day += 7 * DAY
        days.sort()
        rates = {place["pupil_id"]: rng.uniform(*ATTENDANCE_RATES) for place in places}
        counts = {pupil_id: [0, 0, 0, 0] for pupil_id in rates}  # attended, held; drawn attended, drawn
        for day in days:
            if day == today and (by in (self.demo_assistant, self.demo_teacher) or rng.random() >= TODAY_RECORDED_RATE):
                continue  # the register is still to take
            if rng.random() < MISSED_REGISTER_RATE:
                continue
            not_held = self._not_held(day)
            session = rows.add(
                InterventionSession,
                intervention_id=intervention_id,
                held_on=day,
                not_held_reason=not_held,
                note=rng.choice(SESSION_NOTES) if rng.random() < NOTE_RATE else None,
                recorded_by_id=by,
                recorded_at=self.context.entered(day, within_days=2),
                version=1,
            )
            self.context.summary.intervention_sessions += 1
            for pupil_id, rate in rates.items():
                present = rng.random() < rate  # drawn whether or not it took place, as before
                counts[pupil_id][2] += present
                counts[pupil_id][3] += 1
                if not_held is not None:
                    continue
                reason = None if present else weighted(self.register_rng, ABSENCE_REASONS)
                rows.add(
                    SessionAttendance,
                    session_id=session["id"],
                    pupil_id=pupil_id,
                    attended=present,
                    absence_reason=reason,
                    absence_note=None,
                )
                counts[pupil_id][0] += present
                counts[pupil_id][1] += 1
        return {pupil_id: (a, h, dh > 0 and da / dh < LOW_ATTENDANCE) for pupil_id, (a, h, da, dh) in counts.items()}

    def _not_held(self, day: date) -> NotHeldReason | None:
        """Whether the session of `day` did not take place, and why (not today's)."""
        if day >= self.today or self.register_rng.random() >= NOT_HELD_RATE:
            return None
        return weighted(self.register_rng, NOT_HELD_REASONS)

    def _entry(self, measure: Measure, pupil: PupilDraft, on: date) -> int:
        rng = self.rng
        if measure.age_based:
            months = (on - pupil.row["date_of_birth"]).days * 12 // 365
            return max(36, months - rng.randint(*measure.entry))
        return rng.randint(*measure.entry)

    def _exit(self, measure: Measure, entry: int, impact: int, weeks: float) -> int:
        expected = measure.gain * weeks / 10
        change = expected * (GAIN[impact] + self.rng.uniform(-0.15, 0.15))
        score = round(entry - change if measure.lower_is_better else entry + change)
        if measure.top is not None:
            score = min(measure.top, score)
        return max(measure.bottom, score)

    def _impact(
        self,
        name: str,
        programme: Programme,
        by: int,
        places: list[dict[str, Any]],
        chosen: list[PupilDraft],
        attended: dict[int, tuple[int, int]],
        starts: date,
        ends: date,
    ) -> None:
        """Exit measures, impact and comments for every pupil, recorded at once as `record_impact`
        records them, with its 'intervention_impact' event for each pupil."""
        rng, today = self.rng, self.today
        recorded_on = random_school_day(rng, ends, min(ends + IMPACT_DELAY_DAYS * DAY, today))
        recorder = by if rng.random() < RECORDED_BY_DELIVERER_RATE else self.staff.senco_id
        recorded_at: datetime = moment(rng, recorded_on)
        weeks = (ends - starts).days / 7
        for place in places:
            present, held, low = attended[place["pupil_id"]]
            impact = weighted(rng, IMPACTS_LOW_ATTENDANCE if low else IMPACTS)
            exit_score = measure_text(
                programme.measure, self._exit(programme.measure, self.entry_values[place["id"]], impact, weeks)
            )
            if low and rng.random() < 0.6:
                comment = ABSENCE_COMMENT.format(attended=present, held=held)
            elif rng.random() < COMMENT_RATE:
                comment = rng.choice(IMPACT_COMMENTS[impact])
            else:
                comment = None
            place.update(
                exit_score=exit_score,
                impact=impact,
                impact_comment=comment,
                impact_recorded_on=recorded_on,
                impact_recorded_by_id=recorder,
            )
            add_event(
                self.context,
                place["pupil_id"],
                "intervention_impact",
                timeline.intervention_ended(name),
                ends,
                recorded_at,
                recorder,
                detail=f"Impact: {self.labels[impact]}. Exit measure {exit_score}",
            )
