"""Meetings with parents (CoP 6.65) for the pupils on the SEN register today (K or E).

A review that a parent attended is already a held meeting (written with the review, in `cycles`).
On top of those, the class teacher (the form tutor in a secondary) meets the parents once in each
term of this academic year that counts for the pupil under the parent-engagement rule
(`sentrack.workflows.engagement`) and holds no such review, on a school day of that term, never
after today; the record is shared with the parents a few days later.

So that the school's engagement page has something to show, about 12% of the pupils on the
register (as many as can be: those whose reviews with parents do not already cover the terms
ended) have let it lapse: the meetings held this year, reviews included, fall one short of the
terms that have ended, and none has been held this term yet, so the pupil is overdue. In the
autumn term no term of the year has ended yet, so nobody can be overdue. In the current term a meeting is
already held with a chance that grows as the term goes on, which leaves some pupils without one
near its end (due). Some of those still to meet this term have one planned in the coming weeks.
Now and then (SEPARATE_RATE) the parents live apart and the teacher meets the other parent on
the same day, recorded as a separate meeting with them (the engagement rule counts the day once).
Everything comes from the build's one generator, after every other part of the school, so the
rest of the demo is the same with or without them. (Which meetings are followed by a separate one,
and the reason given when the pupil's views were not gathered, follow from the pupil and the day
without a draw, so that they change nothing else.)
"""

from __future__ import annotations

from datetime import date, datetime

from sentrack.demo.chronology import add_event
from sentrack.demo.context import DemoContext, weighted
from sentrack.demo.cycles import CycleRecord
from sentrack.demo.dates import (
    DAY,
    moment,
    random_school_day,
    term_day_between,
    term_day_on_or_after,
    term_day_on_or_before,
    terms_of_year,
    weekday_on_or_after,
)
from sentrack.demo.pupils import PupilDraft
from sentrack.demo.schools import SchoolSpec
from sentrack.demo.texts import (
    MEETING_ACTIONS,
    MEETING_OUTCOMES,
    MEETING_PUPIL_VIEWS,
    MEETING_VIEWS_NOT_GATHERED,
    TextBook,
)
from sentrack.models import MeetingMode, ParentMeeting, Provision, User
from sentrack.workflows import timeline

ON_REGISTER = (Provision.SEN_SUPPORT, Provision.EHC_PLAN)
# The columns of a meeting's row beyond who, when recorded and its mode: empty unless given.
_MEETING_DETAILS = (
    "planned_for",
    "held_on",
    "attendees",
    "pupil_views",
    "outcomes",
    "actions",
    "shared_with_parents_on",
    "views_not_gathered",
    "separate_with",
    "cycle_id",
    "review_id",
    "plan_id",
)
MIN_DAYS = 28  # the school's parent_meeting_min_days, as the demo leaves it (the default)
LAPSED_SHARE = 0.12  # of the pupils on the register, those whose meetings fell behind: overdue today
THIS_TERM_HELD_MAX = 0.85  # the chance this term's meeting is held already, reached at the term's end
PLANNED_RATE = 0.45  # of those yet to meet this term (or behind), the share with a meeting planned
PLANNED_DAYS = (3, 28)  # a planned meeting is this many days ahead
SHARED_DELAYS = (0, 1, 2, 3, 5)  # days from the meeting to the record being shared with parents
SEPARATE_EVERY = 10  # about one meeting held in this many is followed that day by one with the other parent
SEPARATE_WITH = [
    "The other parent, who lives apart from the family",
    "The pupil's other parent (the parents live apart)",
]
MODES = [(MeetingMode.IN_PERSON, 60), (MeetingMode.PHONE, 25), (MeetingMode.VIDEO, 15)]


def add_parent_meetings(
    context: DemoContext, spec: SchoolSpec, pupils: list[PupilDraft], cycles: dict[int, list[CycleRecord]]
) -> None:
    """The class teachers' meetings with parents this year, held and planned, with their events."""
    today, rng = context.today, context.rng
    terms = [(start, end) for _, start, end in terms_of_year(context.year_start.year)]
    current = next(((start, end) for start, end in terms if start <= today <= end), None)
    found = []  # (pupil, on the register since, the terms ended that count, reviews with parents)
    for pupil in pupils:
        since = _on_register_since(pupil, today)
        if since is None:
            continue
        counting = [(s, e) for s, e in terms if e < today and since <= e and (e - since).days + 1 >= MIN_DAYS]
        reviews = [
            record.parent_met_on
            for record in cycles.get(pupil.id, [])
            if record.parent_met_on is not None and context.year_start <= record.parent_met_on <= today
        ]
        found.append((pupil, since, counting, reviews))
    # Behind: only a pupil whose reviews with parents do not already cover the terms ended can be.
    behind = [pupil for pupil, _, counting, reviews in found if len(reviews) < len(counting)]
    lapsed_ids = {p.id for p in rng.sample(behind, min(len(behind), round(LAPSED_SHARE * len(found))))}
    writer = _MeetingWriter(context, spec)
    for pupil, since, counting, reviews in found:
        lapsed = pupil.id in lapsed_ids
        # Terms ended without a review with parents: one meeting each (one short in all, if lapsed).
        without = [(s, e) for s, e in counting if not any(s <= day <= e for day in reviews)]
        wanted = len(counting) - 1 - len(reviews) if lapsed else len(without)
        for start, end in without[:wanted]:
            writer.held(pupil, term_day_between(rng, max(start, since), end))
        if current is None:
            continue
        start, end = current
        met_this_term = any(start <= day <= today for day in reviews)
        if not met_this_term and not lapsed:
            elapsed = (today - max(start, since)).days / max(1, (end - start).days)
            if rng.random() < THIS_TERM_HELD_MAX * min(1.0, elapsed):
                writer.held(pupil, random_school_day(rng, max(start, since), today))
                met_this_term = True
        if not met_this_term and rng.random() < PLANNED_RATE:
            writer.planned(pupil, since, _planned_day(today + rng.randint(*PLANNED_DAYS) * DAY, today))


def _planned_day(day: date, today: date) -> date:
    """`day`, moved out of a weekend or a long holiday: back into the term if that stays after
    today, else on into the next."""
    day = term_day_on_or_before(day)
    return day if day > today else term_day_on_or_after(today + DAY)


def _on_register_since(pupil: PupilDraft, today: date) -> date | None:
    """When the pupil's unbroken stretch on the register (K or E) that holds today began."""
    periods = [p for p in pupil.periods if p.start <= today]
    if not periods or periods[-1].provision not in ON_REGISTER:
        return None
    since = periods[-1].start
    for period in reversed(periods[:-1]):  # periods follow on day by day: K to E is one stretch
        if period.provision not in ON_REGISTER:
            break
        since = period.start
    # Only the days on this school's roll count: support carried from a previous school counts
    # from admission (as in sentrack.workflows.engagement).
    return max(since, pupil.admitted_on)


class _MeetingWriter:
    def __init__(self, context: DemoContext, spec: SchoolSpec) -> None:
        self.context = context
        self.rng = context.rng
        self.book = TextBook.for_phase(spec.phase)
        self.staff_names = {row["id"]: row["full_name"] for row in context.rows.pending(User)}

    def held(self, pupil: PupilDraft, held_on: date) -> None:
        """A meeting held on `held_on` (not after today), as `record_meeting` writes it; now and
        then followed that day by a separate meeting with the other parent."""
        held_on = max(held_on, pupil.admitted_on)
        self._held(pupil, held_on, None)
        turn = pupil.id * 31 + held_on.toordinal()
        if turn % SEPARATE_EVERY == 0:
            self._held(pupil, held_on, SEPARATE_WITH[turn // SEPARATE_EVERY % len(SEPARATE_WITH)])

    def _held(self, pupil: PupilDraft, held_on: date, separate_with: str | None) -> None:
        rng, context = self.rng, self.context
        mode = weighted(rng, MODES)
        shared = weekday_on_or_after(held_on + rng.choice(SHARED_DELAYS) * DAY)
        recorded_at = context.entered(held_on, within_days=2)
        leader = pupil.teacher_id
        attendees = rng.choice(self.book.meeting_attendees)
        views = rng.choice(MEETING_PUPIL_VIEWS)
        self._add_meeting(
            pupil,
            recorded_at,
            held_on=held_on,
            mode=mode,
            attendees=attendees,
            pupil_views=views,
            outcomes=rng.choice(MEETING_OUTCOMES),
            actions=rng.choice(MEETING_ACTIONS),
            shared_with_parents_on=shared if shared <= context.today else None,
            views_not_gathered=(
                MEETING_VIEWS_NOT_GATHERED[held_on.toordinal() % len(MEETING_VIEWS_NOT_GATHERED)]
                if views is None
                else None
            ),
            separate_with=separate_with,
        )
        detail = f"{mode.label}, led by {self.staff_names[leader]}"
        if separate_with:
            detail += f"; a separate meeting with {separate_with}"
        add_event(
            context, pupil.id, "parent_meeting", timeline.PARENTS_MET, held_on, recorded_at, leader, detail=detail
        )
        context.summary.parent_meetings += 1

    def _add_meeting(self, pupil: PupilDraft, recorded_at: datetime, **values: object) -> None:
        """A meeting's row as the app writes one, led and recorded by the pupil's teacher, outside any
        cycle; the columns `values` leave out are empty (every row names the same columns)."""
        leader = pupil.teacher_id
        self.context.rows.add(
            ParentMeeting,
            pupil_id=pupil.id,
            led_by_id=leader,
            recorded_by_id=leader,
            recorded_at=recorded_at,
            **(dict.fromkeys(_MEETING_DETAILS) | values),
        )

    def planned(self, pupil: PupilDraft, since: date, planned_for: date) -> None:
        """A meeting planned in the last fortnight for `planned_for` (after today), as
        `plan_meeting` writes it."""
        rng, context = self.rng, self.context
        today = context.today
        planned_on = random_school_day(rng, min(today, max(today - 14 * DAY, since)), today)
        recorded_at = moment(rng, planned_on)
        leader = pupil.teacher_id
        self._add_meeting(
            pupil,
            recorded_at,
            planned_for=planned_for,
            mode=weighted(rng, MODES),
            attendees=rng.choice(self.book.meeting_attendees) if rng.random() < 0.5 else None,
        )
        add_event(
            context,
            pupil.id,
            "parent_meeting_planned",
            timeline.MEETING_PLANNED,
            planned_on,
            recorded_at,
            leader,
            detail=f"For {planned_for:%d/%m/%Y}",
        )
        context.summary.parent_meetings_planned += 1
