"""Local authorities, schools and their terms, and the teaching groups within a school."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sentrack.models.base import Base, unique_while
from sentrack.models.enums import GroupKind, Phase, Season, enum_type

if TYPE_CHECKING:  # mapped in their own modules, which import this one
    from sentrack.models.people import User
    from sentrack.models.pupils import Pupil

group_teachers = sa.Table(
    "group_teacher",
    Base.metadata,
    sa.Column("group_id", sa.ForeignKey("teaching_group.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)

group_pupils = sa.Table(
    "group_pupil",
    Base.metadata,
    sa.Column("group_id", sa.ForeignKey("teaching_group.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("pupil_id", sa.ForeignKey("pupil.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class LocalAuthority(Base):
    __tablename__ = "local_authority"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(3), unique=True)  # the DfE LA number
    name: Mapped[str] = mapped_column(sa.String(120))
    # Whether the roles that open many records (SENCO, head teacher, administrator, LA officer)
    # must sign in with a second factor. On unless the authority switches it off (the demo does).
    second_factor_required: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    schools: Mapped[list[School]] = relationship(back_populates="local_authority", order_by="School.name")


# The national curriculum years each phase usually teaches: (lowest, highest).
PHASE_YEARS = {
    Phase.PRIMARY: (0, 6),
    Phase.SECONDARY: (7, 11),
    Phase.ALL_THROUGH: (0, 13),
    Phase.SPECIAL: (0, 14),
}


def _phase_years(context) -> tuple[int, int]:
    return PHASE_YEARS[Phase(context.get_current_parameters()["phase"])]


class School(Base):
    """A school, with the rule settings its SENCO may change."""

    __tablename__ = "school"
    __table_args__ = (
        sa.CheckConstraint("concern_deadline_days BETWEEN 1 AND 90", name="concern_deadline"),
        sa.CheckConstraint("review_interval_weeks BETWEEN 6 AND 12", name="review_interval"),
        sa.CheckConstraint("parent_meeting_min_days BETWEEN 0 AND 90", name="parent_meeting_min_days"),
        sa.CheckConstraint("parent_due_window_days BETWEEN 1 AND 60", name="parent_due_window"),
        sa.CheckConstraint("records_stale_weeks BETWEEN 1 AND 52", name="records_stale_weeks"),
        sa.CheckConstraint("assistant_access_weeks BETWEEN 0 AND 52", name="assistant_access_weeks"),
        sa.CheckConstraint("sen_file_kept_years BETWEEN 25 AND 100", name="sen_file_kept_years"),
        sa.CheckConstraint("pupil_record_kept_years BETWEEN 6 AND 100", name="pupil_record_kept_years"),
        sa.CheckConstraint(
            "lowest_year BETWEEN -1 AND 14 AND highest_year BETWEEN lowest_year AND 14", name="years_taught"
        ),
        sa.UniqueConstraint("local_authority_id", "estab_number"),
        sa.CheckConstraint("length(estab_number) = 4", name="estab_number_digits"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    urn: Mapped[str] = mapped_column(sa.String(6), unique=True)
    # The DfE establishment number within the authority (four digits): with the LA number it names
    # the school in Common Transfer Files and their file names (LLLEEEE).
    estab_number: Mapped[str | None] = mapped_column(sa.String(4))
    name: Mapped[str] = mapped_column(sa.String(120))
    phase: Mapped[Phase] = mapped_column(enum_type(Phase, "phase"))
    local_authority_id: Mapped[int] = mapped_column(sa.ForeignKey("local_authority.id"), index=True)
    # The national curriculum years the school teaches (-1 nursery, 0 reception, 1 to 14): a pupil
    # in the highest moves on to another setting, a phase transfer for an EHC plan (regulation 18).
    # A new school teaches its phase's usual years unless told otherwise.
    lowest_year: Mapped[int] = mapped_column(default=lambda context: _phase_years(context)[0], server_default="0")
    highest_year: Mapped[int] = mapped_column(default=lambda context: _phase_years(context)[1], server_default="6")

    # Rule settings (DESIGN sections 1 and 6), each with the Code of Practice's default.
    concern_deadline_days: Mapped[int] = mapped_column(default=28, server_default="28")
    review_interval_weeks: Mapped[int] = mapped_column(default=8, server_default="8")
    parent_meeting_min_days: Mapped[int] = mapped_column(default=28, server_default="28")
    parent_due_window_days: Mapped[int] = mapped_column(default=21, server_default="21")
    records_stale_weeks: Mapped[int] = mapped_column(default=8, server_default="8")
    # How long a support assistant keeps access to the pupils of an intervention after it ends.
    assistant_access_weeks: Mapped[int] = mapped_column(default=4, server_default="4")
    # Maintained by the local authority (an academy or free school is not): a parent's right to see
    # the educational record within 15 school days applies to a maintained school only.
    maintained: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # How long a leaver's records are kept, in years after the date of birth (IRMS toolkit for
    # schools): an SEN file, and the record of a pupil never on the SEN register
    # (`sentrack.workflows.retention`).
    sen_file_kept_years: Mapped[int] = mapped_column(default=31, server_default="31")
    pupil_record_kept_years: Mapped[int] = mapped_column(default=25, server_default="25")
    # Labels for impact ratings -2..+2, as {"-2": "...", ...}; None means the default scale.
    impact_scale: Mapped[dict | None] = mapped_column(sa.JSON)
    # Whether everyone at the school, not only the roles that must, signs in with a second factor.
    second_factor_for_all: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Each save moves the record to the next version (sentrack/workflows/revisions.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    local_authority: Mapped[LocalAuthority] = relationship(back_populates="schools")
    terms: Mapped[list[SchoolTerm]] = relationship(
        back_populates="school", order_by="SchoolTerm.starts_on", cascade="all, delete-orphan"
    )

    @property
    def impact_labels(self) -> dict[int, str]:
        from sentrack.models.interventions import DEFAULT_IMPACT_SCALE

        custom = {int(k): v for k, v in (self.impact_scale or {}).items()}
        return {value: custom.get(value, label) for value, label in DEFAULT_IMPACT_SCALE.items()}

    @property
    def dfe_number(self) -> str | None:
        """The LA and establishment numbers together (LLLEEEE), or None while the number is unknown."""
        return f"{self.local_authority.code}{self.estab_number}" if self.estab_number else None

    def __repr__(self) -> str:
        return f"<School {self.urn}>"


class SchoolTerm(Base):
    """A school's own dates for one term (autumn, spring or summer) of an academic year, with its
    half-term holiday if recorded. A term the school has not set keeps the default dates
    (`sentrack.workflows.terms`). Overlaps between terms are refused by the settings workflow."""

    __tablename__ = "school_term"
    __table_args__ = (
        sa.UniqueConstraint("school_id", "academic_year", "season"),
        sa.CheckConstraint("ends_on > starts_on", name="ends_after_start"),
        sa.CheckConstraint("academic_year BETWEEN 2000 AND 2099", name="academic_year_range"),
        sa.CheckConstraint(
            "(half_term_starts_on IS NULL) = (half_term_ends_on IS NULL)", name="half_term_both_or_neither"
        ),
        sa.CheckConstraint(
            "half_term_starts_on IS NULL OR (half_term_starts_on > starts_on"
            " AND half_term_ends_on >= half_term_starts_on AND half_term_ends_on < ends_on)",
            name="half_term_inside",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id", ondelete="CASCADE"))
    academic_year: Mapped[int]  # the calendar year in which the academic year begins
    season: Mapped[Season] = mapped_column(enum_type(Season, "season"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    half_term_starts_on: Mapped[date | None]  # the first day of the half-term holiday
    half_term_ends_on: Mapped[date | None]  # its last day
    # Each save moves the record to the next version (sentrack/workflows/revisions.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    school: Mapped[School] = relationship(back_populates="terms")

    @property
    def name(self) -> str:
        from sentrack.workflows.terms import term_name

        return term_name(self.season, self.academic_year)


class TeachingGroup(Base):
    """A class (or tutor group): the pupils a teacher teaches."""

    __tablename__ = "teaching_group"
    # One current class of a name; an ended class keeps its name, pupils and teachers as history.
    __table_args__ = (unique_while("uq_teaching_group_current_name", ("school_id", "name"), "ended_on IS NULL"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    year_group: Mapped[int | None]
    # A pupil has one current registration class; teaching groups (sets) are as many as they are.
    kind: Mapped[GroupKind] = mapped_column(
        enum_type(GroupKind, "group_kind"), default=GroupKind.REGISTRATION, server_default="registration"
    )
    # The academic year the class was opened for (the calendar year it begins), when known, and
    # the day it ended (at a year-end rollover); a class with no end is current.
    academic_year: Mapped[int | None]
    ended_on: Mapped[date | None]
    # Each save moves the record to the next version (sentrack/workflows/revisions.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    school: Mapped[School] = relationship()
    teachers: Mapped[list[User]] = relationship(
        secondary=group_teachers, back_populates="groups", order_by="User.full_name"
    )
    pupils: Mapped[list[Pupil]] = relationship(
        secondary=group_pupils, back_populates="groups", order_by="(Pupil.last_name, Pupil.first_name)"
    )

    @property
    def is_current(self) -> bool:
        return self.ended_on is None

    @property
    def is_registration(self) -> bool:
        return self.kind is GroupKind.REGISTRATION

    @property
    def pupil_count(self) -> int:
        """How many pupils the class holds (what an edit conflict of its membership says)."""
        return len(self.pupils)

    @property
    def teacher_names(self) -> list[str]:
        """The teachers by name, in a steady order (what an edit conflict lists)."""
        return sorted(teacher.full_name for teacher in self.teachers)

    def __repr__(self) -> str:
        return f"<TeachingGroup {self.id}>"


def current_group(group_id) -> sa.ColumnElement[bool]:
    """SQL: the class whose id is `group_id` (a column of group_pupils or group_teachers) is
    current: a class ended at a year end is history, counted in no list of this year's classes."""
    return group_id.in_(sa.select(TeachingGroup.id).where(TeachingGroup.ended_on.is_(None)))
