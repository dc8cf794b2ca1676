"""Tasks and notifications from before today: the daily sweep's tasks for what the SENCO has
already done, completed on the day it was done, each with the notification that told them,
read and emailed.

For each review held (a closed cycle), each letter to parents sent and each concern decided, the
task the sweep would have made (the same duty, subject, period, title and link, so that today's
sweep sees it as made), due when the sweep would have said and done on the day the record shows.
Written from the rows the school's other parts added, before they are inserted; today's sweep
makes today's open tasks after the build.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sentrack.demo.context import DemoContext
from sentrack.demo.dates import moment
from sentrack.demo.pupils import PupilDraft
from sentrack.demo.rows import Rows
from sentrack.demo.staff import Staff
from sentrack.models import (
    Concern,
    ConcernStatus,
    CycleState,
    Duty,
    EmailStatus,
    Notification,
    ParentLetter,
    PassportRead,
    Plan,
    Provision,
    Review,
    Role,
    SenStatus,
    SupportCycle,
    Task,
    TaskStatus,
)
from sentrack.models.duties import PUPIL_IN_TITLE, task_title
from sentrack.workflows.duty_catalogue import BY_CODE
from sentrack.workflows.sweep import TASK_ASSIGNED, path_for

NOTICE_DAYS = BY_CODE["senco_holds_review"].notice_days  # the task is made this long before the review date
LETTER_DAYS = BY_CODE["senco_tells_parents"].due_days  # a letter is due this long after it was made
READ_WITHIN_HOURS = (1, 30)


@dataclass(frozen=True)
class Done:
    """A duty done before today: the task the sweep made for it, and the record that did it."""

    code: str  # the duty
    subject_type: str
    subject: dict[str, Any]  # the row the task is about: its id and its pupil_id
    title: str
    link: tuple[str, dict]  # the endpoint and its arguments besides the pupil's public id
    dates: tuple[date, date, date]  # when the task was due, made (at the latest) and done
    what: str  # the record that did it, in the task's note
    record_id: int


@dataclass(frozen=True)
class Roll:
    """The school's pupils as the tasks name and link them (pupil id -> name, public id)."""

    names: dict[int, str]
    public: dict[int, str]


def add_task_history(
    context: DemoContext, school_id: int, pupils: list[PupilDraft], staff: Staff, duties: dict[str, Duty]
) -> None:
    """A done task, with its notification, for each review held, letter sent and concern decided."""
    roll = Roll(
        {p.id: f"{p.row['preferred_name'] or p.row['first_name']} {p.row['last_name']}" for p in pupils},
        {p.id: p.row["public_id"] for p in pupils},
    )
    rows = context.rows
    for done in [*_reviews_held(rows, roll), *_letters_sent(rows, roll), *_concerns_decided(rows, roll)]:
        _add_done(context, school_id, staff, duties, roll, done)


def _reviews_held(rows: Rows, roll: Roll) -> Iterator[Done]:
    """'Hold the review' for each closed cycle of the school's pupils whose review was held."""
    plans = {row["cycle_id"]: row for row in rows.pending(Plan)}
    reviews = {row["cycle_id"]: row for row in rows.pending(Review)}
    for cycle in rows.pending(SupportCycle):
        plan, review = plans.get(cycle["id"]), reviews.get(cycle["id"])
        if cycle["pupil_id"] not in roll.names or cycle["state"] is not CycleState.CLOSED or not plan or not review:
            continue
        if not plan["review_date"] or not review["held_on"]:
            continue
        number, due = cycle["number"], plan["review_date"]
        title = f"Hold {roll.names[cycle['pupil_id']]}'s review (cycle {number})"
        dates = (due, due - timedelta(days=NOTICE_DAYS), review["held_on"])
        link = ("cycles.show", {"number": number})
        what = f"review of {_day(review['held_on'])}"
        yield Done("senco_holds_review", "support_cycle", cycle, title, link, dates, what, review["id"])


def _letters_sent(rows: Rows, roll: Roll) -> Iterator[Done]:
    """'Send the SEN support letter' for each letter to the school's pupils' parents sent."""
    for letter in rows.pending(ParentLetter):
        if letter["pupil_id"] not in roll.names or letter["sent_on"] is None:
            continue
        title = f"Send the SEN support letter to {roll.names[letter['pupil_id']]}'s parents"
        dates = (letter["created_on"] + timedelta(days=LETTER_DAYS), letter["created_on"], letter["sent_on"])
        link = ("cycles.letter", {"letter_id": letter["id"]})
        what = f"letter sent on {_day(letter['sent_on'])}"
        yield Done("senco_tells_parents", "parent_letter", letter, title, link, dates, what, letter["id"])


def _concerns_decided(rows: Rows, roll: Roll) -> Iterator[Done]:
    """'Decide on the concern' for each concern about the school's pupils decided."""
    for concern in rows.pending(Concern):
        decided = concern["decided_on"]
        if concern["pupil_id"] not in roll.names or concern["status"] is ConcernStatus.OPEN or not decided:
            continue
        title = f"Decide on the concern about {roll.names[concern['pupil_id']]}"
        link = ("cycles.decide_concern", {"concern_id": concern["id"]})
        what = f"decision of {_day(decided)}: {concern['status'].label.lower()}"
        dates = (concern["deadline"], concern["raised_on"], decided)
        yield Done("senco_decides_concern", "concern", concern, title, link, dates, what, concern["id"])


def _add_done(
    context: DemoContext, school_id: int, staff: Staff, duties: dict[str, Duty], roll: Roll, done: Done
) -> None:
    """The task, closed as the app closes it (`fulfilment.settle_tasks`): done by the record, on
    the day the record was made, with the app's note naming it; and the notification of it."""
    due, made, done_on = done.dates
    pupil_id = done.subject["pupil_id"]
    endpoint, args = done.link
    title = done.title
    task = context.rows.add(
        Task,
        school_id=school_id,
        duty_id=duties[done.code].id,
        subject_type=done.subject_type,
        subject_id=done.subject["id"],
        period="",
        pupil_id=pupil_id,
        assigned_to_id=staff.senco_id,
        assigned_by_id=None,
        for_role=Role.SENCO,
        title=title[:200],
        title_template=title.replace(roll.names[pupil_id], PUPIL_IN_TITLE)[:200],
        link_endpoint=endpoint,
        link_args={"public_id": roll.public[pupil_id]} | args,
        due_on=due,
        status=TaskStatus.DONE,
        completed_on=done_on,
        completed_by_id=staff.senco_id,
        closed_on=done_on,
        done_by_type=BY_CODE[done.code].fulfilled_by,
        done_by_id=done.record_id,
        note=f"Done: {done.what}, recorded by {staff.senco_name}.",
        created_at=moment(context.rng, min(made, done_on)),
    )
    context.summary.tasks_done += 1
    _add_notification(context, staff, task, title)


def _add_notification(context: DemoContext, staff: Staff, task: dict[str, Any], title: str) -> None:
    """The task's notification to the SENCO, emailed and read before the task was done."""
    created_at, due = task["created_at"], task["due_on"]
    read_at = created_at + timedelta(hours=context.rng.randint(*READ_WITHIN_HOURS))
    shown = task_title(title, task["title_template"], None)
    context.rows.add(
        Notification,
        recipient_id=staff.senco_id,
        kind=TASK_ASSIGNED,
        subject_type="task",
        subject_id=task["id"],
        period="",
        title=shown[:200],
        body=f"{shown}. Due by {due.day} {due:%B %Y}.",
        link=path_for(task["link_endpoint"], task["link_args"]),
        created_at=created_at,
        read_at=min(read_at, _end_of(task["completed_on"])),
        email_status=EmailStatus.SENT,
        attempts=1,
        next_attempt_at=None,
        last_error=None,
        sent_at=created_at + timedelta(minutes=1),
    )


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(18), tzinfo=UTC)


PASSPORTS_READ = 0.85  # the share of teachers who have read the passport of a pupil on the register
READ_WITHIN_DAYS = (1, 14)


def add_passport_reads(context: DemoContext, pupils: list[PupilDraft]) -> None:
    """The class teacher's "I have read it" for most pupils who joined the register more than three
    weeks ago, a few days after they joined: the sweep then finds those passport tasks done."""
    rng, today = context.rng, context.today
    teachers = {p.id: p.teacher_id for p in pupils}
    for status in context.rows.pending(SenStatus):
        teacher_id = teachers.get(status["pupil_id"])
        if (
            teacher_id is None
            or status["end_date"] is not None
            or status["provision"] is Provision.NONE
            or status["start_date"] > today - timedelta(weeks=3)
            or rng.random() > PASSPORTS_READ
        ):
            continue
        read_on = min(status["start_date"] + timedelta(days=rng.randint(*READ_WITHIN_DAYS)), today)
        context.rows.add(
            PassportRead,
            pupil_id=status["pupil_id"],
            user_id=teacher_id,
            sen_status_id=status["id"],
            read_on=read_on,
            recorded_at=moment(rng, read_on),
        )
