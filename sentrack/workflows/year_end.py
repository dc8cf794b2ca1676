"""The year-end rollover: at the end of an academic year every pupil on the roll moves up a year,
the year's classes end and next year's open, from a preview the person checks and edits.

Pupils in the school's oldest year group are finishing: they stay in their year group, on the
roll, until their leaving is recorded (the rollover records no leaving). A pupil whose leaving is
already recorded, for a day still ahead, stays in their year group too, and joins no new class. Each current class ends
on the day the rollover runs and keeps its pupils and teachers as history; the class proposed for
next year has the name with the year number moved up ("Year 3 Oak" to "Year 4 Oak", "3O" to "4O"),
the same teachers and the same pupils but those finishing. A rollover runs once per school and
academic year, from 1 June of the calendar year the academic year ends in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from sentrack import audit
from sentrack.clock import now
from sentrack.models import Pupil, School, TeachingGroup, User, YearEnd, group_pupils, group_teachers
from sentrack.models.enums import YEAR_GROUP_MAX
from sentrack.workflows import RuleBroken
from sentrack.workflows.register import on_roll
from sentrack.workflows.revisions import display
from sentrack.workflows.terms import academic_year_of, year_label

OPENS_MONTH, OPENS_DAY = 6, 1  # the rollover of a year may run from 1 June of the year it ends in
NAME_LENGTH = 40
_NUMBER = re.compile(r"(?<!\d)(\d{1,2})(?!\d)")


def allowed_from(academic_year: int) -> date:
    """The first day the rollover of `academic_year` (the calendar year it began) may run."""
    return date(academic_year + 1, OPENS_MONTH, OPENS_DAY)


def next_year_group(year_group: int | None) -> int | None:
    """A year group a year on, never beyond the last (14)."""
    return None if year_group is None else min(year_group + 1, YEAR_GROUP_MAX)


def next_name(name: str, year_group: int | None) -> str:
    """The name of next year's class: the class's year number in its name moved up a year ("Year 3
    Oak" to "Year 4 Oak", "3O" to "4O"). A name without the class's year number stays as it is."""
    if year_group is None or year_group < 1:
        return name
    for match in _NUMBER.finditer(name):
        if int(match.group(1)) == year_group:
            moved = str(next_year_group(year_group))
            return (name[: match.start()] + moved + name[match.end() :])[:NAME_LENGTH]
    return name


def _finishing(school: School) -> sa.ColumnElement[bool]:
    """A pupil in the school's oldest year group (or beyond it): finishing at this school."""
    return Pupil.year_group >= min(school.highest_year, YEAR_GROUP_MAX)


def _moving(school: School, day: date) -> list[sa.ColumnElement[bool]]:
    """The pupils the rollover moves up a year: on the school's roll on `day`, not finishing, and
    with no leaving recorded (a pupil leaving in the last days of term goes in their year group)."""
    return [Pupil.school_id == school.id, on_roll(day), Pupil.left_on.is_(None), sa.not_(_finishing(school))]


@dataclass(frozen=True)
class YearMove:
    """How many pupils move from one year group to the next."""

    from_year: int
    to_year: int
    pupils: int


@dataclass(frozen=True)
class ClassProposal:
    """A current class, and the class proposed in its place next year."""

    group: TeachingGroup
    name: str
    year_group: int | None
    pupils: int  # the class's pupils who go on with it (on the roll, not finishing)
    opens: bool  # proposed to open: a class whose pupils all finish is not


@dataclass(frozen=True)
class YearEndPlan:
    """What the rollover of `academic_year` would do, or `done` when it has run."""

    academic_year: int
    allowed_from: date
    done: YearEnd | None
    moves: list[YearMove]
    finishing: list[Pupil]
    classes: list[ClassProposal]

    @property
    def label(self) -> str:
        return year_label(self.academic_year)

    @property
    def next_label(self) -> str:
        return year_label(self.academic_year + 1)

    def may_run(self, today: date) -> bool:
        return self.done is None and today >= self.allowed_from


def done_for(session: Session, school: School, academic_year: int) -> YearEnd | None:
    return session.scalar(
        sa.select(YearEnd)
        .where(YearEnd.school_id == school.id, YearEnd.academic_year == academic_year)
        .options(selectinload(YearEnd.run_by))
    )


def _class_proposals(session: Session, school: School, today: date) -> list[ClassProposal]:
    groups = session.scalars(
        sa.select(TeachingGroup)
        .where(TeachingGroup.school_id == school.id, TeachingGroup.ended_on.is_(None))
        .options(selectinload(TeachingGroup.teachers))
        .order_by(TeachingGroup.year_group, TeachingGroup.name)
    ).all()
    going_on = dict(
        session.execute(
            sa.select(group_pupils.c.group_id, sa.func.count())
            .join(Pupil, Pupil.id == group_pupils.c.pupil_id)
            .where(group_pupils.c.group_id.in_([g.id for g in groups]), *_moving(school, today))
            .group_by(group_pupils.c.group_id)
        ).all()
    )
    last = min(school.highest_year, YEAR_GROUP_MAX)
    return [
        ClassProposal(
            group=group,
            name=next_name(group.name, group.year_group),
            year_group=next_year_group(group.year_group),
            pupils=going_on.get(group.id, 0),
            opens=group.year_group is None or group.year_group < last,
        )
        for group in groups
    ]


def plan_year_end(session: Session, school: School, today: date) -> YearEndPlan:
    """The preview of the rollover of the academic year holding `today`: the pupils moving up by
    year group, those finishing, and each current class with the class proposed for next year.
    A handful of queries whatever the school's size."""
    year = academic_year_of(today)
    moves = [
        YearMove(from_year=year_group, to_year=next_year_group(year_group), pupils=count)
        for year_group, count in session.execute(
            sa.select(Pupil.year_group, sa.func.count())
            .where(*_moving(school, today))
            .group_by(Pupil.year_group)
            .order_by(Pupil.year_group)
        )
    ]
    finishing = session.scalars(
        sa.select(Pupil)
        .where(Pupil.school_id == school.id, on_roll(today), _finishing(school))
        .order_by(Pupil.last_name, Pupil.first_name, Pupil.id)
    ).all()
    return YearEndPlan(
        academic_year=year,
        allowed_from=allowed_from(year),
        done=done_for(session, school, year),
        moves=moves,
        finishing=list(finishing),
        classes=_class_proposals(session, school, today),
    )


@dataclass(frozen=True)
class ClassChoice:
    """What the person chose for a current class: the name of next year's class, or not to open one."""

    group_id: int
    name: str | None
    opens: bool


@dataclass(frozen=True)
class YearEndDetails:
    """The rollover as confirmed: the academic year the preview showed, and a choice per class."""

    academic_year: int | None
    classes: list[ClassChoice]


def _already_run(done: YearEnd) -> RuleBroken:
    who = done.run_by.full_name if done.run_by else "someone"
    return RuleBroken(
        f"The year end of {year_label(done.academic_year)} was already run, on {display(done.run_at)} by {who}."
        " Nothing was changed."
    )


def _check_when(session: Session, school: School, details: YearEndDetails, today: date) -> int:
    """The academic year to roll over; RuleBroken when it is not the year the page showed, it is
    before 1 June of its last months, or its rollover already ran."""
    year = academic_year_of(today)
    if details.academic_year != year:
        raise RuleBroken("The academic year has changed since this page was opened: look at the preview again")
    if today < allowed_from(year):
        raise RuleBroken(
            f"The year end of {year_label(year)} can be run from {display(allowed_from(year))}: nothing was changed"
        )
    done = done_for(session, school, year)
    if done is not None:
        raise _already_run(done)
    return year


def _check_classes(session: Session, school: School, details: YearEndDetails) -> dict[int, ClassChoice]:
    """The choices by class; RuleBroken unless they name exactly the school's current classes,
    and each class opened has a name of its own."""
    current = set(
        session.scalars(
            sa.select(TeachingGroup.id).where(TeachingGroup.school_id == school.id, TeachingGroup.ended_on.is_(None))
        )
    )
    choices = {choice.group_id: choice for choice in details.classes}
    if set(choices) != current or len(choices) != len(details.classes):
        raise RuleBroken("The school's classes changed since this page was opened: look at the preview again")
    names: dict[str, int] = {}
    for choice in details.classes:
        if not choice.opens:
            continue
        name = " ".join((choice.name or "").split())
        if not name:
            raise RuleBroken(
                "Enter the name of next year's class, or choose not to open it", field=f"name_{choice.group_id}"
            )
        if len(name) > NAME_LENGTH:
            raise RuleBroken(f"A class name can be at most {NAME_LENGTH} characters", field=f"name_{choice.group_id}")
        if name.lower() in names:
            raise RuleBroken("Two of next year's classes have this name", field=f"name_{choice.group_id}")
        names[name.lower()] = choice.group_id
    return choices


def _claim(session: Session, school: School, year: int, actor: User) -> YearEnd:
    """The rollover's own row, inserted first: of two people running it at once, the unique key
    lets one through and the other is told, with nothing changed."""
    record = YearEnd(school_id=school.id, academic_year=year, summary={}, run_by_id=actor.id)
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        done = done_for(session, school, year)
        if done is None:
            raise
        raise _already_run(done) from None
    return record


def _open_classes(
    session: Session, school: School, choices: dict[int, ClassChoice], year: int, today: date
) -> dict[int, TeachingGroup]:
    """End every current class and open next year's in its place where chosen, with the same
    teachers and the pupils going on; answer the classes opened, by the id of the class they follow."""
    old = session.scalars(
        sa.select(TeachingGroup).where(TeachingGroup.school_id == school.id, TeachingGroup.ended_on.is_(None))
    ).all()
    for group in old:
        group.ended_on = today
    session.flush()  # ended first: a new class may take the name of the one it follows
    opened = {}
    for group in old:
        choice = choices[group.id]
        if choice.opens:
            opened[group.id] = TeachingGroup(
                school_id=school.id,
                name=" ".join(choice.name.split()),
                year_group=next_year_group(group.year_group),
                kind=group.kind,
                academic_year=year + 1,
            )
    session.add_all(opened.values())
    session.flush()
    if not opened:
        return opened
    teachers = session.execute(
        sa.select(group_teachers.c.group_id, group_teachers.c.user_id).where(group_teachers.c.group_id.in_(opened))
    ).all()
    pupils = session.execute(
        sa.select(group_pupils.c.group_id, group_pupils.c.pupil_id)
        .join(Pupil, Pupil.id == group_pupils.c.pupil_id)
        .where(group_pupils.c.group_id.in_(opened), *_moving(school, today))
    ).all()
    if teachers:
        session.execute(sa.insert(group_teachers), [{"group_id": opened[g].id, "user_id": u} for g, u in teachers])
    if pupils:
        session.execute(sa.insert(group_pupils), [{"group_id": opened[g].id, "pupil_id": p} for g, p in pupils])
    return opened


def _move_pupils_up(session: Session, actor: User, school: School, today: date) -> int:
    """Every pupil on the roll but those finishing a year group up, each audited (by field);
    answer how many. A colleague's form opened on a pupil before is then out of date."""
    moving = dict(session.execute(sa.select(Pupil.id, Pupil.school_id).where(*_moving(school, today))).all())
    if not moving:
        return 0
    # Below the oldest year group taught (at most 14), a year up is never beyond 14.
    session.execute(
        sa.update(Pupil)
        .where(*_moving(school, today))
        .values(year_group=Pupil.year_group + 1, version=Pupil.version + 1, updated_at=now())
        .execution_options(synchronize_session=False)
    )
    audit.record_for_pupils(
        session, "year_group_moved_up", actor=actor, pupil_schools=moving, details={"fields": ["year_group"]}
    )
    return len(moving)


def run_year_end(session: Session, *, actor: User, school: School, details: YearEndDetails, today: date) -> YearEnd:
    """Roll the school over to next year, as the preview shows it: every pupil on the roll but
    those finishing up a year group, every current class ended today and next year's classes
    opened as chosen, all history kept. Refused (RuleBroken, nothing changed) before 1 June of the
    year's end, for a year already rolled over (also by two people at once), for a preview whose
    classes no longer are the school's, and for a class to open with no name or another's name."""
    year = _check_when(session, school, details, today)
    # Claimed before the classes are read: someone else's rollover committing meanwhile ends
    # them, and the person must be told it ran, not that the classes changed.
    record = _claim(session, school, year, actor)
    choices = _check_classes(session, school, details)
    finishing = session.scalar(
        sa.select(sa.func.count(Pupil.id)).where(Pupil.school_id == school.id, on_roll(today), _finishing(school))
    )
    opened = _open_classes(session, school, choices, year, today)
    moved = _move_pupils_up(session, actor, school, today)
    record.summary = {
        "pupils_moved": moved,
        "finishing": finishing or 0,
        "classes_ended": len(choices),
        "classes_opened": len(opened),
    }
    session.flush()
    audit.record(session, "year_end_run", actor=actor, school_id=school.id, about=record, details=record.summary)
    session.flush()
    return record
