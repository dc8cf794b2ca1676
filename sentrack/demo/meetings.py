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

About half the meetings held (chosen by the pupil and the day, without a draw) are recorded as the
app records them now: what was discussed, and the actions agreed as rows, one for the teacher and
one for the parents, each due some weeks on; most of those due by today are done, the others
overdue. In each school the latest of them has been corrected once by its leader (a grandparent
who came added to who attended, the teacher's action marked done), with both versions kept.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from types import SimpleNamespace

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
    weekday_on_or_before,
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
from sentrack.models import MeetingAction, MeetingMode, ParentMeeting, Provision, RecordRevision, User
from sentrack.models.meetings import action_line
from sentrack.workflows import timeline
from sentrack.workflows.meeting_records import MEETING_CORRECTED
from sentrack.workflows.meetings import MEETING_FIELDS, RECORD_TYPE
from sentrack.workflows.revisions import display, snapshot

ON_REGISTER = (Provision.SEN_SUPPORT, Provision.EHC_PLAN)
# The columns of a meeting's row beyond who, when recorded and its mode: empty unless given.
_MEETING_DETAILS = (
    "planned_for",
    "held_on",
    "attendees",
    "discussion",
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
WITH_ACTION_ROWS_EVERY = 2  # about one meeting held in this many has its actions as rows
MEETING_DISCUSSIONS = [
    "How the term has started at school and at home; the reading group and homework.",
    "Mornings have been hard at home; the class teacher described the settling-in routine at school.",
    "Friendships at playtime, and how the pupil is getting on with the new seating plan.",
    "The pupil's progress with the targets in the plan, and what the parents see at home.",
]
TEACHER_ACTIONS = [
    "Send home the week's word lists",
    "Share the visual timetable for use at home",
    "Check in with the parents by phone",
    "Update the pupil passport and send a copy home",
]
HOME_ACTIONS = [
    ("Read together three evenings a week", "Parents"),
    ("Send in the new glasses", "The pupil's mother"),
    ("Practise the morning routine chart", "Parents"),
    ("Confirm a place at homework club", "The pupil's father"),
]
ACTION_WEEKS = (2, 4)  # the teacher's action and the parents' are due this many weeks after the meeting
CORRECTED_ATTENDEES = "; the pupil's grandmother"


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
    writer.correct_latest()


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
        self.latest: tuple | None = None  # (held on, meeting row, its action rows): the one corrected

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
        row = self._add_meeting(
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
        turn = pupil.id + held_on.toordinal()
        if separate_with is None and turn % WITH_ACTION_ROWS_EVERY == 0:
            self._with_action_rows(row, turn)
        detail = f"{mode.label}, led by {self.staff_names[leader]}"
        if separate_with:
            detail += f"; a separate meeting with {separate_with}"
        add_event(
            context,
            pupil.id,
            "parent_meeting",
            timeline.PARENTS_MET,
            held_on,
            recorded_at,
            leader,
            detail=detail,
            meeting_id=row["id"],
        )
        context.summary.parent_meetings += 1

    def _done_on(self, held_on: date, due_on: date, turn: int) -> date | None:
        """When an action due on `due_on` was done: most of those due by today, a day or two before
        their date (never before the meeting); the others not yet (overdue once their date passes)."""
        today = self.context.today
        if due_on > today or turn % 4 == 0:
            return None
        return max(held_on, weekday_on_or_before(min(due_on, today) - (turn % 3) * DAY))

    def _with_action_rows(self, row: dict, turn: int) -> None:
        """The meeting recorded as the app records it now: what was discussed, and its actions as
        rows (the teacher's, the parents'), in place of the actions written as text."""
        held_on, leader = row["held_on"], row["led_by_id"]
        row["actions"], row["discussion"] = None, MEETING_DISCUSSIONS[turn % len(MEETING_DISCUSSIONS)]
        home, home_owner = HOME_ACTIONS[turn // 2 % len(HOME_ACTIONS)]
        actions = []
        for position, (what, owner_id, owner_name, weeks) in enumerate(
            [
                (TEACHER_ACTIONS[turn // 2 % len(TEACHER_ACTIONS)], leader, None, ACTION_WEEKS[0]),
                (home, None, home_owner, ACTION_WEEKS[1]),
            ],
            start=1,
        ):
            due_on = weekday_on_or_after(held_on + weeks * 7 * DAY)
            actions.append(
                self.context.rows.add(
                    MeetingAction,
                    meeting_id=row["id"],
                    position=position,
                    what=what,
                    owner_id=owner_id,
                    owner_name=owner_name,
                    due_on=due_on,
                    done_on=self._done_on(held_on, due_on, turn + position),
                )
            )
        if self.latest is None or held_on >= self.latest[0]:
            self.latest = (held_on, row, actions)

    def _snapshot(self, row: dict, actions: list[dict]) -> dict:
        """The meeting's record as a saved version remembers it (`MEETING_FIELDS`)."""
        lines = [
            action_line(a["what"], self.staff_names.get(a["owner_id"]) or a["owner_name"], a["due_on"], a["done_on"])
            for a in actions
        ]
        shown = SimpleNamespace(**row, leader_name=self.staff_names[row["led_by_id"]], action_lines=lines)
        return snapshot(shown, MEETING_FIELDS)

    def correct_latest(self) -> None:
        """The school's latest meeting with action rows, corrected once by its leader a day or so
        later: a grandparent who came added to who attended, and the teacher's action marked done.
        Both versions are kept, as `correct_meeting` keeps them, with its timeline event."""
        if self.latest is None:
            return
        held_on, row, actions = self.latest
        today, leader = self.context.today, row["led_by_id"]
        rows = self.context.rows
        rows.add(
            RecordRevision,
            record_type=RECORD_TYPE,
            record_id=row["id"],
            version=1,
            snapshot=self._snapshot(row, actions),
            saved_by_id=leader,
            saved_at=row["recorded_at"],
        )
        corrected_on = min(today, weekday_on_or_after(row["recorded_at"].date() + DAY))
        row["attendees"] += CORRECTED_ATTENDEES
        row["version"] = 2
        actions[0]["done_on"] = actions[0]["done_on"] or corrected_on
        corrected_at = max(row["recorded_at"], datetime.combine(corrected_on, time(16, 10), tzinfo=UTC))
        rows.add(
            RecordRevision,
            record_type=RECORD_TYPE,
            record_id=row["id"],
            version=2,
            snapshot=self._snapshot(row, actions),
            saved_by_id=leader,
            saved_at=corrected_at,
        )
        changed = f"{MEETING_FIELDS['attendees'].lower()}, {MEETING_FIELDS['action_lines'].lower()}"
        add_event(
            self.context,
            row["pupil_id"],
            "parent_meeting_corrected",
            MEETING_CORRECTED,
            corrected_on,
            corrected_at,
            leader,
            detail=f"The record of the meeting of {display(held_on)}. Changed: {changed}",
            meeting_id=row["id"],
        )

    def _add_meeting(self, pupil: PupilDraft, recorded_at: datetime, **values: object) -> dict:
        """A meeting's row as the app writes one, led and recorded by the pupil's teacher, outside any
        cycle; the columns `values` leave out are empty (every row names the same columns)."""
        leader = pupil.teacher_id
        return self.context.rows.add(
            ParentMeeting,
            pupil_id=pupil.id,
            led_by_id=leader,
            recorded_by_id=leader,
            recorded_at=recorded_at,
            version=1,
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
        row = self._add_meeting(
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
            detail=f"For {display(planned_for)}",
            meeting_id=row["id"],
        )
        context.summary.parent_meetings_planned += 1
