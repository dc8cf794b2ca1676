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

from datetime import UTC, date, datetime, time, timedelta

from sentrack.demo.context import DemoContext
from sentrack.demo.dates import moment
from sentrack.demo.pupils import PupilDraft
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


def add_task_history(
    context: DemoContext, school_id: int, pupils: list[PupilDraft], staff: Staff, duties: dict[str, Duty]
) -> None:
    rows = context.rows
    names = {p.id: f"{p.row['preferred_name'] or p.row['first_name']} {p.row['last_name']}" for p in pupils}
    public = {p.id: p.row["public_id"] for p in pupils}
    mine = set(names)

    def add(
        code: str,
        subject_type: str,
        subject_id: int,
        pupil_id: int,
        title: str,
        link: tuple[str, dict],
        due: date,
        made: date,
        done: date,
        what: str,
        record_id: int,
    ) -> None:
        # Closed as the app closes it (`fulfilment.settle_tasks`): done by the record, on the day
        # the record was made, with the app's note naming it.
        made = min(made, done)
        created_at = moment(context.rng, made)
        task = rows.add(
            Task,
            school_id=school_id,
            duty_id=duties[code].id,
            subject_type=subject_type,
            subject_id=subject_id,
            period="",
            pupil_id=pupil_id,
            assigned_to_id=staff.senco_id,
            assigned_by_id=None,
            for_role=Role.SENCO,
            title=title[:200],
            title_template=title.replace(names[pupil_id], PUPIL_IN_TITLE)[:200],
            link_endpoint=link[0],
            link_args=link[1],
            due_on=due,
            status=TaskStatus.DONE,
            completed_on=done,
            completed_by_id=staff.senco_id,
            closed_on=done,
            done_by_type=BY_CODE[code].fulfilled_by,
            done_by_id=record_id,
            note=f"Done: {what}, recorded by {staff.senco_name}.",
            created_at=created_at,
        )
        link = path_for(*link)
        context.summary.tasks_done += 1
        read_at = created_at + timedelta(hours=context.rng.randint(*READ_WITHIN_HOURS))
        rows.add(
            Notification,
            recipient_id=staff.senco_id,
            kind=TASK_ASSIGNED,
            subject_type="task",
            subject_id=task["id"],
            period="",
            title=task_title(title, task["title_template"], None)[:200],
            body=f"{task_title(title, task['title_template'], None)}. Due by {due.day} {due:%B %Y}.",
            link=link,
            created_at=created_at,
            read_at=min(read_at, _end_of(done)),
            email_status=EmailStatus.SENT,
            attempts=1,
            next_attempt_at=None,
            last_error=None,
            sent_at=created_at + timedelta(minutes=1),
        )

    plans = {row["cycle_id"]: row for row in rows.pending(Plan)}
    reviews = {row["cycle_id"]: row for row in rows.pending(Review)}
    for cycle in rows.pending(SupportCycle):
        plan, review = plans.get(cycle["id"]), reviews.get(cycle["id"])
        if cycle["pupil_id"] not in mine or cycle["state"] is not CycleState.CLOSED or not plan or not review:
            continue
        if not plan["review_date"] or not review["held_on"]:
            continue
        pupil_id, number = cycle["pupil_id"], cycle["number"]
        add(
            "senco_holds_review",
            "support_cycle",
            cycle["id"],
            pupil_id,
            f"Hold {names[pupil_id]}'s review (cycle {number})",
            ("cycles.show", {"public_id": public[pupil_id], "number": number}),
            plan["review_date"],
            plan["review_date"] - timedelta(days=NOTICE_DAYS),
            review["held_on"],
            f"review of {_day(review['held_on'])}",
            review["id"],
        )
    for letter in rows.pending(ParentLetter):
        if letter["pupil_id"] not in mine or letter["sent_on"] is None:
            continue
        pupil_id = letter["pupil_id"]
        add(
            "senco_tells_parents",
            "parent_letter",
            letter["id"],
            pupil_id,
            f"Send the SEN support letter to {names[pupil_id]}'s parents",
            ("cycles.letter", {"public_id": public[pupil_id], "letter_id": letter["id"]}),
            letter["created_on"] + timedelta(days=LETTER_DAYS),
            letter["created_on"],
            letter["sent_on"],
            f"letter sent on {_day(letter['sent_on'])}",
            letter["id"],
        )
    for concern in rows.pending(Concern):
        if concern["pupil_id"] not in mine or concern["status"] is ConcernStatus.OPEN or not concern["decided_on"]:
            continue
        pupil_id = concern["pupil_id"]
        add(
            "senco_decides_concern",
            "concern",
            concern["id"],
            pupil_id,
            f"Decide on the concern about {names[pupil_id]}",
            ("cycles.decide_concern", {"public_id": public[pupil_id], "concern_id": concern["id"]}),
            concern["deadline"],
            concern["raised_on"],
            concern["decided_on"],
            f"decision of {_day(concern['decided_on'])}: {concern['status'].label.lower()}",
            concern["id"],
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
