"""Parent engagement and reviews by class: the head teacher's "which classes are falling behind?",
worst first.

Each pupil counts in one class, their *registration class* (`registration_classes`): the current class
they are in (a class ended at a year end is history); a pupil in several (a teaching set beside a
form group) counts in the one of their own year group, then the first by name. The pupils in no
current class count together, under "Not in a class" (`NO_CLASS`), so that the classes' figures add
up to the school's.

The figures are the school's own (`compliance.compliance_figures`), divided by class, never counted
again another way: parent engagement on track, due and overdue (of the pupils on the register,
`engagement.engagement_for_school`), and reviews overdue (of the open cycles,
`register.is_review_overdue`); a review *on time* is an open cycle whose review is not overdue.

Worst first: by the share of the class's parent engagement and reviews that are overdue, then by
how many are overdue, then by how many meetings are due; "Not in a class" comes last. One query
(each pupil's class), whatever the number of pupils and classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import Pupil, TeachingGroup, group_pupils

if TYPE_CHECKING:
    from sentrack.workflows.compliance import SchoolCompliance

NO_CLASS = 0  # the "class" of the pupils in none: no class has this id
NO_CLASS_NAME = "Not in a class"


def registration_classes(school_id: int | None = None) -> sa.Subquery:
    """SQL: each pupil in a current class, with their registration class (see the module):
    columns `pupil_id` and `group_id`. A pupil in no current class has no row. `school_id`
    keeps it to that school's classes and pupils (a class and its pupils are of one school), so
    that the ranking reads one school's rows, not the authority's."""
    preference = (
        sa.func.row_number()
        .over(
            partition_by=group_pupils.c.pupil_id,
            order_by=(
                sa.case((TeachingGroup.year_group == Pupil.year_group, 0), else_=1),
                TeachingGroup.name,
                TeachingGroup.id,
            ),
        )
        .label("preference")
    )
    ranked = (
        sa.select(group_pupils.c.pupil_id, group_pupils.c.group_id, preference)
        .join(TeachingGroup, TeachingGroup.id == group_pupils.c.group_id)
        .join(Pupil, Pupil.id == group_pupils.c.pupil_id)
        .where(TeachingGroup.school_id == Pupil.school_id, TeachingGroup.ended_on.is_(None))
    )
    if school_id is not None:
        ranked = ranked.where(TeachingGroup.school_id == school_id)
    ranked = ranked.subquery()
    return sa.select(ranked.c.pupil_id, ranked.c.group_id).where(ranked.c.preference == 1).subquery("registration")


def in_registration_class(group_id: int, pupil=Pupil, *, school_id: int | None = None) -> sa.ColumnElement[bool]:
    """SQL: the pupil's registration class is `group_id` (`NO_CLASS`: they are in no current class);
    `school_id`, the pupil's school, keeps the ranking to its classes."""
    chosen = registration_classes(school_id)
    if group_id == NO_CLASS:
        return pupil.id.not_in(sa.select(chosen.c.pupil_id))
    return pupil.id.in_(sa.select(chosen.c.pupil_id).where(chosen.c.group_id == group_id))


def _percent(count: int, population: int) -> float:
    return round(100 * count / population, 1) if population else 0.0


@dataclass
class ClassFigures:
    """One class's share of the school's figures."""

    group_id: int  # NO_CLASS for the pupils in no class
    name: str
    year_group: int | None
    on_track: int = 0
    due: int = 0
    overdue: int = 0
    open_cycles: int = 0
    reviews_overdue: int = 0

    @property
    def on_register(self) -> int:
        return self.on_track + self.due + self.overdue

    @property
    def reviews_on_time(self) -> int:
        return self.open_cycles - self.reviews_overdue

    @property
    def is_a_class(self) -> bool:
        return self.group_id != NO_CLASS

    @property
    def overdue_percent(self) -> float:
        """Of the class's pupils on the register, those whose parents have not been met as often as needed."""
        return _percent(self.overdue, self.on_register)

    @property
    def reviews_on_time_percent(self) -> float:
        return _percent(self.reviews_on_time, self.open_cycles)

    @property
    def behind_share(self) -> float:
        """The share of the class's parent engagement and reviews that are overdue: what ranks it."""
        counted = self.on_register + self.open_cycles
        return (self.overdue + self.reviews_overdue) / counted if counted else 0.0

    @property
    def rank(self) -> tuple:
        return (
            not self.is_a_class,
            -self.behind_share,
            -(self.overdue + self.reviews_overdue),
            -self.due,
            self.name.lower(),
            self.group_id,
        )


def _classes_of_pupils(session: Session, school_id: int) -> dict[int, tuple[int, str, int | None]]:
    """Each pupil of the school in a current class: their registration class (id, name, year
    group). A pupil with no row is in no class (`NO_CLASS`). The classes drive the query: the
    school's few hundred memberships, ranked, then their classes by key."""
    chosen = registration_classes(school_id)
    rows = session.execute(
        sa.select(chosen.c.pupil_id, TeachingGroup.id, TeachingGroup.name, TeachingGroup.year_group).join(
            TeachingGroup, TeachingGroup.id == chosen.c.group_id
        )
    )
    return {pupil_id: (group_id, name, year) for pupil_id, group_id, name, year in rows}


def figures_by_class(session: Session, compliance: SchoolCompliance) -> list[ClassFigures]:
    """The school's parent engagement and reviews divided by registration class, worst first; only
    the classes with a pupil counted in either. One query."""
    classes = _classes_of_pupils(session, compliance.school_id)
    found: dict[int, ClassFigures] = {}

    def of(pupil_id: int) -> ClassFigures:
        group_id, name, year = classes.get(pupil_id, (NO_CLASS, NO_CLASS_NAME, None))
        if group_id not in found:
            found[group_id] = ClassFigures(group_id, name, year)
        return found[group_id]

    figures = compliance.figures
    for status in ("on_track", "due", "overdue"):
        for pupil_id in figures[f"engagement_{status}"].ids:
            figure = of(pupil_id)
            setattr(figure, status, getattr(figure, status) + 1)
    for pupil_id in figures["reviews_overdue"].population_ids:
        of(pupil_id).open_cycles += 1
    for pupil_id in figures["reviews_overdue"].ids:
        of(pupil_id).reviews_overdue += 1
    return sorted(found.values(), key=lambda figure: figure.rank)
