"""Interventions and the provision map: what is done for pupils beyond everyday teaching.

The school's catalogue of intervention types (with the wave of provision each belongs to and
what it costs), the interventions that run (who delivers them, for which pupils, on which days),
a register for each session, and each pupil's entry and exit measures and impact.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime
from sentrack.models.cycles import Outcome
from sentrack.models.enums import AreaOfNeed, Labelled, enum_type
from sentrack.models.people import User
from sentrack.models.pupils import Pupil


class Wave(enum.IntEnum):
    """Waves of provision (guide, 'things to remember')."""

    QUALITY_FIRST = 1
    CATCH_UP = 2
    SEN_PROVISION = 3

    @property
    def label(self) -> str:
        return {1: "Wave 1: quality-first teaching", 2: "Wave 2: catch-up", 3: "Wave 3: SEN provision"}[self.value]


class CostBasis(Labelled):
    PER_SESSION = "per_session", "A cost per session"
    STAFF_HOURS = "staff_hours", "Staff hours at an hourly rate"


class Delivery(Labelled):
    GROUP = "group"
    ONE_TO_ONE = "one_to_one", "One-to-one"


class MeasureType(Labelled):
    """How an intervention's entry and exit measures are written (sentrack/workflows/measures.py)."""

    SCALE = "scale", "A score on a named scale"
    STANDARDISED = "standardised", "A standardised score"
    READING_AGE = "reading_age", "A reading age in years and months"
    FREE_TEXT = "free_text", "Words, or any other measure"


class AbsenceReason(Labelled):
    """Why a pupil missed a session that happened."""

    ILL = "ill", "Ill"
    APPOINTMENT = "appointment", "At an appointment"
    OTHER_COMMITMENT = "other_commitment", "Another lesson or commitment"
    NOT_IN_SCHOOL = "not_in_school", "Not in school"
    DECLINED = "declined", "Did not want to come"
    OTHER = "other", "Another reason"


class NotHeldReason(Labelled):
    """Why a whole session did not happen: it counts neither as delivered nor as missed."""

    STAFF_ABSENT = "staff_absent", "Staff absent"
    TRIP = "trip", "Trip or school event"
    SCHOOL_CLOSED = "school_closed", "School closed"
    OTHER = "other", "Another reason"


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")

# The default impact scale; a school may relabel it.
DEFAULT_IMPACT_SCALE = {
    -2: "Much less progress than expected",
    -1: "Less progress than expected",
    0: "Expected progress",
    1: "More progress than expected",
    2: "Much more progress than expected",
}


class InterventionType(Base):
    """An entry in the school's catalogue of interventions."""

    __tablename__ = "intervention_type"
    __table_args__ = (
        sa.UniqueConstraint("school_id", "name"),
        sa.CheckConstraint("wave BETWEEN 1 AND 3", name="wave_range"),
        sa.CheckConstraint("sessions_per_week BETWEEN 1 AND 5", name="sessions_per_week_range"),
        sa.CheckConstraint("minutes_per_session BETWEEN 5 AND 240", name="minutes_range"),
        sa.CheckConstraint("weeks BETWEEN 1 AND 52", name="weeks_range"),
        sa.CheckConstraint(
            "(cost_basis = 'per_session' AND cost_per_session_pence IS NOT NULL) OR "
            "(cost_basis = 'staff_hours' AND hourly_rate_pence IS NOT NULL)",
            name="cost_given",
        ),
        sa.CheckConstraint("cost_per_session_pence IS NULL OR cost_per_session_pence >= 0", name="cost_not_negative"),
        sa.CheckConstraint("hourly_rate_pence IS NULL OR hourly_rate_pence >= 0", name="rate_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str | None] = mapped_column(sa.Text)
    area_of_need: Mapped[AreaOfNeed] = mapped_column(enum_type(AreaOfNeed, "area_of_need"))
    wave: Mapped[int]
    sessions_per_week: Mapped[int]
    minutes_per_session: Mapped[int]
    weeks: Mapped[int]
    cost_basis: Mapped[CostBasis] = mapped_column(enum_type(CostBasis, "cost_basis"))
    cost_per_session_pence: Mapped[int | None]
    hourly_rate_pence: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Each save moves the record to the next version (sentrack/workflows/revisions.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    @property
    def wave_label(self) -> str:
        return Wave(self.wave).label


class Intervention(Base):
    """An intervention running for one pupil or a group, delivered by a member of staff on set
    weekdays between two dates. The class teacher stays responsible for the pupils' progress."""

    __tablename__ = "intervention"
    __table_args__ = (
        sa.CheckConstraint("ends_on > starts_on", name="ends_after_start"),
        sa.CheckConstraint("minutes_per_session BETWEEN 5 AND 240", name="minutes_range"),
        sa.CheckConstraint(
            "measure_type != 'scale' OR (measure_min IS NOT NULL AND measure_max > measure_min)", name="scale_bounds"
        ),
        sa.CheckConstraint("planned_ends_on IS NULL OR planned_ends_on > ends_on", name="ended_early_before_plan"),
        sa.Index("ix_intervention_school_dates", "school_id", "starts_on", "ends_on"),
        sa.Index("ix_intervention_delivered_by", "delivered_by_id", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    type_id: Mapped[int] = mapped_column(sa.ForeignKey("intervention_type.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    delivery: Mapped[Delivery] = mapped_column(enum_type(Delivery, "delivery"))
    delivered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    weekdays: Mapped[list[int]] = mapped_column(sa.JSON)  # 0 = Monday ... 4 = Friday
    minutes_per_session: Mapped[int]
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    measure: Mapped[str | None] = mapped_column(sa.String(120))  # what the entry and exit scores measure
    # How the entry and exit measures are written; a named scale has its lowest and highest score.
    measure_type: Mapped[MeasureType] = mapped_column(
        enum_type(MeasureType, "measure_type"), default=MeasureType.FREE_TEXT, server_default="free_text"
    )
    measure_min: Mapped[int | None]
    measure_max: Mapped[int | None]
    # The end date planned before it was ended early; None unless it was ended early.
    planned_ends_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    # Each save moves the record to the next version (sentrack/workflows/revisions.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    type: Mapped[InterventionType] = relationship()
    delivered_by: Mapped[User] = relationship(foreign_keys=[delivered_by_id])
    places: Mapped[list[InterventionPupil]] = relationship(
        back_populates="intervention", cascade="all, delete-orphan", order_by="InterventionPupil.id"
    )
    sessions: Mapped[list[InterventionSession]] = relationship(
        back_populates="intervention", cascade="all, delete-orphan", order_by="InterventionSession.held_on.desc()"
    )

    @property
    def sessions_per_week(self) -> int:
        return len(self.weekdays or [])

    # For the saved versions of an intervention (sentrack/workflows/revisions.py): pupils are
    # counted, never named, since not everyone who edits it may see every pupil.
    @property
    def type_name(self) -> str:
        return self.type.name

    @property
    def delivered_by_name(self) -> str:
        return self.delivered_by.full_name

    @property
    def pupil_count(self) -> int:
        return len(self.places)

    @property
    def weekday_names(self) -> str:
        return ", ".join(WEEKDAYS[d] for d in sorted(self.weekdays or []))

    def runs_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on and day.weekday() in (self.weekdays or [])

    @property
    def ended_early(self) -> bool:
        """Ended before its planned end (sentrack/workflows/intervention_status.py)."""
        return self.planned_ends_on is not None


class InterventionPupil(Base):
    """A pupil's place in an intervention: the outcome it serves, entry and exit measures, impact."""

    __tablename__ = "intervention_pupil"
    __table_args__ = (
        sa.UniqueConstraint("intervention_id", "pupil_id"),
        sa.CheckConstraint("impact IS NULL OR impact BETWEEN -2 AND 2", name="impact_range"),
        sa.CheckConstraint("(impact IS NULL) = (impact_recorded_on IS NULL)", name="impact_dated"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    intervention_id: Mapped[int] = mapped_column(sa.ForeignKey("intervention.id", ondelete="CASCADE"))
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="RESTRICT"), index=True)
    outcome_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outcome.id", ondelete="SET NULL"), index=True)
    entry_score: Mapped[str | None] = mapped_column(sa.String(40))
    exit_score: Mapped[str | None] = mapped_column(sa.String(40))
    impact: Mapped[int | None]
    impact_comment: Mapped[str | None] = mapped_column(sa.Text)
    impact_recorded_on: Mapped[date | None]
    impact_recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # Each save of the impact moves the place to the next version (sentrack/workflows/revisions.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    intervention: Mapped[Intervention] = relationship(back_populates="places")
    pupil: Mapped[Pupil] = relationship()
    outcome: Mapped[Outcome | None] = relationship()


class InterventionSession(Base):
    """One session's register, or a session that did not happen (`not_held_reason`): such a
    session has no marks, and counts neither as delivered nor as missed (workflows/registers.py)."""

    __tablename__ = "intervention_session"
    __table_args__ = (sa.UniqueConstraint("intervention_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    intervention_id: Mapped[int] = mapped_column(sa.ForeignKey("intervention.id", ondelete="CASCADE"))
    held_on: Mapped[date]
    not_held_reason: Mapped[NotHeldReason | None] = mapped_column(enum_type(NotHeldReason, "not_held_reason"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    # Each correction moves the register to the next version (sentrack/workflows/revisions.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    intervention: Mapped[Intervention] = relationship(back_populates="sessions")
    attendance: Mapped[list[SessionAttendance]] = relationship(back_populates="session", cascade="all, delete-orphan")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    @property
    def held(self) -> bool:
        return self.not_held_reason is None

    # For the saved versions of a register (sentrack/workflows/revisions.py): each mark by pupil
    # id, never by name, since not everyone who corrects it may see every pupil.
    @property
    def marks(self) -> dict[str, list[str | None]]:
        return {str(row.pupil_id): row.kept for row in sorted(self.attendance, key=lambda row: row.pupil_id)}


class SessionAttendance(Base):
    """A pupil's mark on a register: present, or absent with the reason (and a note)."""

    __tablename__ = "session_attendance"
    __table_args__ = (sa.CheckConstraint("NOT attended OR absence_reason IS NULL", name="present_has_no_reason"),)

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("intervention_session.id", ondelete="CASCADE"), primary_key=True
    )
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="RESTRICT"), primary_key=True, index=True)
    attended: Mapped[bool]
    absence_reason: Mapped[AbsenceReason | None] = mapped_column(enum_type(AbsenceReason, "absence_reason"))
    absence_note: Mapped[str | None] = mapped_column(sa.String(200))

    session: Mapped[InterventionSession] = relationship(back_populates="attendance")

    @property
    def kept(self) -> list[str | None]:
        """The mark as a register's saved versions keep it: ["present" or the reason, the note]."""
        if self.attended:
            return ["present", None]
        return [self.absence_reason.value if self.absence_reason else "absent", self.absence_note]
