"""Page queries of the year end and of a class's pupils, within the user's own school."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import access
from sentrack.models import Pupil, School, TeachingGroup, User, group_pupils
from sentrack.models.enums import year_group_label
from sentrack.workflows.register import on_roll


def school_of(session: Session, user: User) -> School | None:
    """The user's school; None for a user of no one school."""
    return session.get(School, user.school_id) if user.school_id is not None else None


@dataclass(frozen=True)
class ClassPupilsPage:
    """A class's pupils on the roll, and the other pupils on the roll who may be added (of the
    year group chosen, when one is), with the year groups to choose from."""

    members: list[Pupil]
    others: list[Pupil]
    years: list[int]

    @staticmethod
    def _choices(pupils: list[Pupil]) -> list[tuple[int, str]]:
        return [(p.id, f"{p.last_name}, {p.preferred_name or p.first_name} ({p.year_label})") for p in pupils]

    @property
    def member_choices(self) -> list[tuple[int, str]]:
        return self._choices(self.members)

    @property
    def other_choices(self) -> list[tuple[int, str]]:
        return self._choices(self.others)

    @property
    def year_choices(self) -> list[tuple[str, str]]:
        return [("", "All year groups")] + [(str(y), year_group_label(y)) for y in self.years]

    @property
    def pupils(self) -> list[Pupil]:
        return self.members + self.others


def class_pupils_page(
    session: Session, user: User, group: TeachingGroup, year: int | None, today: date
) -> ClassPupilsPage:
    """The class's pupils and those who may join it, on the roll `today` and within the user's
    reach (`access.class_pupil_scope`): three queries whatever the roll's size."""
    reach = [access.class_pupil_scope(user), on_roll(today)]
    in_class = Pupil.id.in_(sa.select(group_pupils.c.pupil_id).where(group_pupils.c.group_id == group.id))
    order = (Pupil.last_name, Pupil.first_name, Pupil.id)
    members = session.scalars(sa.select(Pupil).where(*reach, in_class).order_by(*order)).all()
    others = sa.select(Pupil).where(*reach, sa.not_(in_class))
    if year is not None:
        others = others.where(Pupil.year_group == year)
    years = session.scalars(sa.select(Pupil.year_group).where(*reach).distinct().order_by(Pupil.year_group)).all()
    return ClassPupilsPage(
        members=list(members), others=list(session.scalars(others.order_by(*order))), years=list(years)
    )
