"""The drill-down behind a figure: the pupils, concerns, interventions or tasks it counts, each
with the fact that put it there and the open tasks that answer it (the figure's duties, named by
its card), so that the list says who holds each. A fixed number of queries for any number of rows.
Pupils are loaded through the user's SEN scope (`access.sen_scope`), the whole school for those who
may see these lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import Session, load_only, selectinload

from sentrack import access
from sentrack.clock import day_of
from sentrack.dashboard.cards import BY_KEY
from sentrack.models import (
    Concern,
    CycleState,
    Duty,
    Intervention,
    InterventionPupil,
    Plan,
    Pupil,
    SupportCycle,
    Task,
    TaskStatus,
    TimelineEvent,
    User,
)
from sentrack.models.duties import task_title
from sentrack.workflows.compliance import Figure
from sentrack.workflows.ehc_schedule import review_schedule
from sentrack.workflows.engagement import describe
from sentrack.workflows.register import awaiting_impact


@dataclass(frozen=True)
class Row:
    """One line of a drill-down: `pupil` when it is about a pupil, and what it links to: the last
    part of the address of its kind's page (`ROW_PAGES`)."""

    pupil: Pupil | None
    subject: str  # the concern, intervention or task; "" for a pupil
    detail: str
    sort_key: tuple
    target: int | str = ""
    tasks: tuple[Task, ...] = ()  # the open tasks that answer it, each naming its holder (`Task.holder`)


# The page a row of each kind links to: (endpoint, the argument that ends its address, a sample value).
ROW_PAGES = {
    "pupil": ("pupils.show", "public_id", "x"),
    "concern": ("pupils.show", "public_id", "x"),
    "intervention": ("interventions.show", "intervention_id", 0),
    "task": ("duties.task", "task_id", 0),
}


def address_of(endpoint: str, argument: str, sample: int | str) -> Callable[[int | str], str]:
    """The address of `endpoint` for any value of `argument`, the last part of its path: made
    once with `url_for` and completed for each row (`url_for` on every row of a long list costs
    more than the rest of the row)."""
    made = url_for(endpoint, **{argument: sample})
    stem = made.removesuffix(str(sample))
    if stem == made:
        raise ValueError(f"{argument} does not end the address of {endpoint}")
    return lambda value: f"{stem}{value}"


# What a row names of a pupil (`Pupil.full_name`, `Pupil.year_label`), of a task and its holder
# (`task_title`, `Task.holder`): only these columns are read.
_PUPIL_COLUMNS = load_only(
    Pupil.id,
    Pupil.school_id,
    Pupil.public_id,
    Pupil.first_name,
    Pupil.preferred_name,
    Pupil.last_name,
    Pupil.year_group,
)
_TASK_COLUMNS = (
    load_only(
        Task.id,
        Task.pupil_id,
        Task.subject_id,
        Task.title,
        Task.title_template,
        Task.for_role,
        Task.due_on,
        Task.assigned_to_id,
    ),
    selectinload(Task.assigned_to).options(load_only(User.id, User.full_name), User.named_only()),
)


def _d(day: date | None) -> str:
    return day.strftime("%-d %b %Y") if day else ""


def _days_ago(today: date, day: date) -> str:
    days = (today - day).days
    return "1 day ago" if days == 1 else f"{days} days ago"


def _open_tasks(session: Session, duties: tuple[str, ...], about, ids) -> dict[int, tuple[Task, ...]]:
    """The open tasks of `duties` about each of `ids` (`about`: the Task column naming them, the
    pupil's or the subject's id, for tasks whose subject is that kind of record), soonest due
    first, with their holders. Two queries; none when the figure has no duty."""
    if not duties or not ids:
        return {}
    column, subject_type = about
    conditions = [column.in_(ids), Task.status == TaskStatus.OPEN, Duty.code.in_(duties)]
    if subject_type is not None:
        conditions.append(Task.subject_type == subject_type)
    found: dict[int, list[Task]] = {}
    for task in session.scalars(
        sa.select(Task)
        .join(Duty, Duty.id == Task.duty_id)
        .where(*conditions)
        .options(*_TASK_COLUMNS)
        .order_by(Task.due_on, Task.id)
    ):
        found.setdefault(getattr(task, column.key), []).append(task)
    return {key: tuple(tasks) for key, tasks in found.items()}


def _pupils(session: Session, user, ids) -> dict[int, Pupil]:
    return {
        p.id: p
        for p in session.scalars(
            sa.select(Pupil).where(Pupil.id.in_(ids), access.sen_scope(user)).options(_PUPIL_COLUMNS)
        )
    }


def _pupil_details(session: Session, key: str, figure: Figure, school, today: date) -> dict[int, str]:
    ids = list(figure.ids)
    if key.startswith("engagement_"):
        # Each pupil's engagement as the figure counted it (`Figure.facts`), not counted again.
        return {pid: describe(figure.facts[pid]) for pid in ids}
    if key in ("reviews_overdue", "k_without_plan"):
        cycles = {
            pid: (state, review)
            for pid, state, review in session.execute(
                sa.select(SupportCycle.pupil_id, SupportCycle.state, Plan.review_date)
                .outerjoin(Plan, Plan.cycle_id == SupportCycle.id)
                .where(SupportCycle.pupil_id.in_(ids), SupportCycle.state != CycleState.CLOSED)
            )
        }
        if key == "reviews_overdue":
            return {pid: f"Review was due {_d(review)}" for pid, (_, review) in cycles.items()}
        return {
            pid: (f"Cycle at {cycles[pid][0].label.lower()}" if pid in cycles else "No support cycle open")
            for pid in ids
        }
    if key.startswith("ehc_reviews"):
        word = "due" if key == "ehc_reviews_due" else "was due"
        return {
            row.pupil_id: f"Annual review {word} {_d(row.due_on)}"
            for row in review_schedule(session, today, Pupil.id.in_(ids))
        }
    if key == "records_stale":
        latest = dict(
            session.execute(
                sa.select(TimelineEvent.pupil_id, sa.func.max(TimelineEvent.recorded_at))
                .where(TimelineEvent.pupil_id.in_(ids))
                .group_by(TimelineEvent.pupil_id)
            ).all()
        )
        return {
            pid: f"Last recorded {_d(day_of(latest[pid]))}" if latest.get(pid) else "Nothing recorded" for pid in ids
        }
    return {}


def pupil_rows(
    session: Session, user, key: str, figure: Figure, school, today: date, duties: tuple[str, ...]
) -> list[Row]:
    pupils = _pupils(session, user, figure.ids)
    details = _pupil_details(session, key, figure, school, today)
    tasks = _open_tasks(session, duties, (Task.pupil_id, None), list(pupils))
    rows = []
    for pid in figure.ids:
        pupil = pupils.get(pid)
        if pupil is None:
            continue
        detail = details.get(pid, "")
        rows.append(
            Row(
                pupil,
                "",
                detail,
                (pupil.last_name.lower(), pupil.first_name.lower(), pid),
                pupil.public_id,
                tasks.get(pid, ()),
            )
        )
    return sorted(rows, key=lambda r: r.sort_key)


def concern_rows(session: Session, user, figure: Figure, today: date, duties: tuple[str, ...]) -> list[Row]:
    concerns = session.scalars(
        sa.select(Concern)
        .join(Pupil, Pupil.id == Concern.pupil_id)
        .where(Concern.id.in_(figure.ids), access.sen_scope(user))
        .options(
            load_only(Concern.id, Concern.pupil_id, Concern.raised_on, Concern.deadline),
            selectinload(Concern.pupil).options(_PUPIL_COLUMNS),
        )
    ).all()
    tasks = _open_tasks(session, duties, (Task.subject_id, "concern"), [c.id for c in concerns])
    return sorted(
        (
            Row(
                c.pupil,
                f"Raised {_d(c.raised_on)}",
                f"Decision was due {_d(c.deadline)}, {_days_ago(today, c.deadline)}",
                (c.deadline, c.id),
                c.pupil.public_id,
                tasks.get(c.id, ()),
            )
            for c in concerns
        ),
        key=lambda r: r.sort_key,
    )


def intervention_rows(session: Session, figure: Figure, duties: tuple[str, ...]) -> list[Row]:
    missing = dict(
        session.execute(
            sa.select(InterventionPupil.intervention_id, sa.func.count())
            .where(InterventionPupil.intervention_id.in_(figure.ids), awaiting_impact())
            .group_by(InterventionPupil.intervention_id)
        ).all()
    )
    interventions = session.scalars(
        sa.select(Intervention)
        .where(Intervention.id.in_(figure.ids))
        .options(load_only(Intervention.id, Intervention.name, Intervention.ends_on))
    )
    tasks = _open_tasks(session, duties, (Task.subject_id, "intervention"), list(figure.ids))
    return sorted(
        (
            Row(
                None,
                iv.name,
                f"Ended {_d(iv.ends_on)}; impact missing for {missing.get(iv.id, 0)} "
                f"pupil{'s' if missing.get(iv.id, 0) != 1 else ''}",
                (iv.ends_on, iv.id),
                iv.id,
                tasks.get(iv.id, ()),
            )
            for iv in interventions
        ),
        key=lambda r: r.sort_key,
    )


def task_rows(session: Session, user, figure: Figure, today: date) -> list[Row]:
    tasks = session.scalars(sa.select(Task).where(Task.id.in_(figure.ids)).options(*_TASK_COLUMNS)).all()
    pupils = _pupils(session, user, {t.pupil_id for t in tasks if t.pupil_id is not None})
    return sorted(
        (
            Row(
                pupils.get(t.pupil_id),
                task_title(t.title, t.title_template, pupils.get(t.pupil_id)),
                f"Was due {_d(t.due_on)}, {_days_ago(today, t.due_on)}",
                (t.due_on, t.id),
                t.id,
                (t,),
            )
            for t in tasks
        ),
        key=lambda r: r.sort_key,
    )


def rows_for(session: Session, user, key: str, figure: Figure, school, today: date) -> list[Row]:
    duties = BY_KEY[key].duties if key in BY_KEY else ()
    if figure.id_kind == "pupil":
        return pupil_rows(session, user, key, figure, school, today, duties)
    if figure.id_kind == "concern":
        return concern_rows(session, user, figure, today, duties)
    if figure.id_kind == "intervention":
        return intervention_rows(session, figure, duties)
    return task_rows(session, user, figure, today)


def holders(row: Row) -> str:
    """Who holds the row's open tasks, in words (the CSV's column): "Tess Teacher (Class teacher),
    due 18 Dec 2026"; "" when no task is open."""
    return "; ".join(f"{t.holder} ({t.for_role.label}), due {_d(t.due_on)}" for t in row.tasks)
