"""The graduated approach (CoP 6.44 to 6.56): support cycles of assess, plan, do, review.

A pupil has at most one open cycle. Its assessment, plan (with outcomes) and review hang off it;
observations record what was done. A reviewed cycle is closed and locked: later changes are new
records in the next cycle, never rewrites.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime
from sentrack.models.enums import AreaOfNeed, Labelled, enum_type
from sentrack.models.people import User
from sentrack.models.pupils import Concern, Pupil


class CycleState(Labelled):
    ASSESS = "assess"
    PLAN = "plan"
    DO = "do"
    REVIEW = "review"
    CLOSED = "closed"


class ReviewDecision(Labelled):
    CONTINUE = "continue", "Continue SEN support with a new cycle"
    STEP_DOWN = "step_down", "Step down from SEN support"
    REQUEST_EHC = "request_ehc", "Request an EHC needs assessment"

    @property
    def summary(self) -> str:
        """The decision as it reads inside a sentence."""
        return {
            "continue": "SEN support continues in a new cycle",
            "step_down": "stepped down from SEN support",
            "request_ehc": "EHC needs assessment requested",
        }[self.value]


class EarlyReviewReason(Labelled):
    """Why a review is held before the agreed review date (the SENCO's decision)."""

    NEEDS_CHANGED = "needs_changed", "The pupil's needs have changed"
    PARENTS_ASKED = "parents_asked", "The parents asked for an earlier review"
    OTHER = "other", "Another reason"


class OutcomeRating(Labelled):
    NOT_ACHIEVED = "not_achieved", "Not achieved"
    PARTLY_ACHIEVED = "partly_achieved", "Partly achieved"
    ACHIEVED = "achieved"
    EXCEEDED = "exceeded"

    @property
    def met(self) -> bool:
        return self in (OutcomeRating.ACHIEVED, OutcomeRating.EXCEEDED)


class SupportCycle(Base):
    __tablename__ = "support_cycle"
    __table_args__ = (
        sa.UniqueConstraint("pupil_id", "number"),
        sa.Index(
            "uq_support_cycle_one_open_per_pupil",
            "pupil_id",
            unique=True,
            sqlite_where=sa.text("state <> 'closed'"),
            postgresql_where=sa.text("state <> 'closed'"),
        ),
        sa.CheckConstraint("(state = 'closed') = (closed_on IS NOT NULL)", name="closed_on_when_closed"),
        sa.Index("ix_support_cycle_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="RESTRICT"))
    number: Mapped[int]
    state: Mapped[CycleState] = mapped_column(enum_type(CycleState, "state"))
    opened_on: Mapped[date]
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    concern_id: Mapped[int | None] = mapped_column(sa.ForeignKey("concern.id"), index=True)
    previous_cycle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("support_cycle.id"), index=True)
    closed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    pupil: Mapped[Pupil] = relationship()
    opened_by: Mapped[User | None] = relationship()
    concern: Mapped[Concern | None] = relationship()
    previous_cycle: Mapped[SupportCycle | None] = relationship(remote_side="SupportCycle.id")
    assessment: Mapped[Assessment | None] = relationship(back_populates="cycle", uselist=False)
    plan: Mapped[Plan | None] = relationship(back_populates="cycle", uselist=False)
    review: Mapped[Review | None] = relationship(back_populates="cycle", uselist=False)
    outcomes: Mapped[list[Outcome]] = relationship(back_populates="cycle", order_by="(Outcome.position, Outcome.id)")
    observations: Mapped[list[Observation]] = relationship(
        back_populates="cycle", order_by="(Observation.observed_on.desc(), Observation.id.desc())"
    )

    @property
    def is_open(self) -> bool:
        return self.state is not CycleState.CLOSED

    def review_overdue(self, today: date) -> bool:
        """The agreed review date has passed and no review is recorded (`workflows.register`)."""
        from sentrack.workflows.register import is_review_overdue

        return self.plan is not None and is_review_overdue(self.state, self.plan.review_date, today)

    def __repr__(self) -> str:
        return f"<SupportCycle {self.id} {self.state}>"


class Assessment(Base):
    """Assess: what the pupil finds hard, what they do well, and the evidence for it."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("support_cycle.id", ondelete="CASCADE"), unique=True)
    areas_of_need: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    strengths: Mapped[str] = mapped_column(sa.Text)
    difficulties: Mapped[str] = mapped_column(sa.Text)
    evidence: Mapped[str] = mapped_column(sa.Text)
    pupil_views: Mapped[str | None] = mapped_column(sa.Text)
    parent_views: Mapped[str | None] = mapped_column(sa.Text)
    outside_agencies: Mapped[str | None] = mapped_column(sa.Text)
    assessed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    assessed_on: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    version: Mapped[int] = mapped_column(default=1)

    cycle: Mapped[SupportCycle] = relationship(back_populates="assessment")
    assessed_by: Mapped[User | None] = relationship()

    @property
    def areas(self) -> list[AreaOfNeed]:
        return [AreaOfNeed(value) for value in self.areas_of_need or []]


class Plan(Base):
    """Plan: the provision and strategies agreed with parents, and the date it will be reviewed."""

    __tablename__ = "plan"
    __table_args__ = (
        sa.CheckConstraint("review_date IS NULL OR review_date > starts_on", name="review_after_start"),
        # Revisions refer to the id: SQLite must never hand a deleted row's id to a new one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("support_cycle.id", ondelete="CASCADE"), unique=True)
    starts_on: Mapped[date]
    strategies: Mapped[str | None] = mapped_column(sa.Text)
    provision: Mapped[str | None] = mapped_column(sa.Text)
    # CoP 6.48: the expected impact on progress, development or behaviour.
    expected_impact: Mapped[str | None] = mapped_column(sa.Text)
    responsibilities: Mapped[str | None] = mapped_column(sa.Text)
    review_date: Mapped[date | None]
    agreed_with_parents_on: Mapped[date | None]
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    cycle: Mapped[SupportCycle] = relationship(back_populates="plan")
    updated_by: Mapped[User | None] = relationship()


class Outcome(Base):
    """An outcome the plan aims at, with how success will be seen. Rated at the review."""

    __tablename__ = "outcome"
    __table_args__ = (sa.Index("ix_outcome_cycle", "cycle_id", "position"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("support_cycle.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=1)
    description: Mapped[str] = mapped_column(sa.Text)
    success_criteria: Mapped[str] = mapped_column(sa.Text)
    area_of_need: Mapped[AreaOfNeed] = mapped_column(enum_type(AreaOfNeed, "area_of_need"))
    target_date: Mapped[date]
    carried_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outcome.id"), index=True)
    rating: Mapped[OutcomeRating | None] = mapped_column(enum_type(OutcomeRating, "rating"))
    rating_note: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)

    cycle: Mapped[SupportCycle] = relationship(back_populates="outcomes")
    carried_from: Mapped[Outcome | None] = relationship(remote_side="Outcome.id")


class Observation(Base):
    """Do: a dated note by class staff of what was done and seen, against an outcome."""

    __tablename__ = "observation"
    __table_args__ = (sa.Index("ix_observation_cycle_date", "cycle_id", "observed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("support_cycle.id", ondelete="CASCADE"))
    outcome_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outcome.id"), index=True)
    observed_on: Mapped[date]
    note: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    cycle: Mapped[SupportCycle] = relationship(back_populates="observations")
    outcome: Mapped[Outcome | None] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class Review(Base):
    """Review: held on or after the review date (earlier only with the SENCO's reason), with the
    pupil's and parents' views, a rating for every outcome (on the outcomes) and the decision.
    Saved as a draft until it is recorded."""

    __tablename__ = "review"
    __table_args__ = (
        sa.CheckConstraint("decision IS NOT NULL OR recorded_at IS NULL", name="decision_when_recorded"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("support_cycle.id", ondelete="CASCADE"), unique=True)
    held_on: Mapped[date | None]
    attendees: Mapped[str | None] = mapped_column(sa.Text)
    parent_attended: Mapped[bool] = mapped_column(default=False)
    provision_impact: Mapped[str | None] = mapped_column(sa.Text)
    pupil_views: Mapped[str | None] = mapped_column(sa.Text)
    parent_views: Mapped[str | None] = mapped_column(sa.Text)
    next_steps: Mapped[str | None] = mapped_column(sa.Text)
    decision: Mapped[ReviewDecision | None] = mapped_column(enum_type(ReviewDecision, "decision"))
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    ehc_requested_on: Mapped[date | None]
    # A review held before the plan's review date says why (the SENCO's decision).
    early_reason: Mapped[EarlyReviewReason | None] = mapped_column(enum_type(EarlyReviewReason, "early_reason"))
    early_reason_detail: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cycle: Mapped[SupportCycle] = relationship(back_populates="review")
    updated_by: Mapped[User | None] = relationship()

    @property
    def ratings_summary(self) -> str:
        """The outcome ratings in one line, so that a review's saved versions include them."""
        return "; ".join(
            f"{position}. {outcome.rating.label if outcome.rating else 'not rated'}"
            for position, outcome in enumerate(self.cycle.outcomes, start=1)
        )


class TimelineEvent(Base):
    """A dated entry in the pupil's chronology: its effective date and when it was entered."""

    __tablename__ = "timeline_event"
    __table_args__ = (sa.Index("ix_timeline_event_pupil", "pupil_id", "effective_on", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="RESTRICT"))
    cycle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("support_cycle.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    detail: Mapped[str | None] = mapped_column(sa.Text)
    from_state: Mapped[str | None] = mapped_column(sa.String(20))
    to_state: Mapped[str | None] = mapped_column(sa.String(20))
    effective_on: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # The meeting with parents the event is about, whose record the timeline links to.
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parent_meeting.id"), index=True)

    actor: Mapped[User | None] = relationship()


class RecordRevision(Base):
    """Each saved version of a record people edit (a plan, a pupil's details, a term's dates...;
    `record_type` is its table), so that two people editing at once see exactly what the other
    changed, and nothing is lost (sentrack/workflows/revisions.py)."""

    __tablename__ = "record_revision"
    __table_args__ = (sa.UniqueConstraint("record_type", "record_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(sa.String(20))
    record_id: Mapped[int]
    version: Mapped[int]
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    saved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    saved_by: Mapped[User | None] = relationship()


class ParentLetter(Base):
    """The letter telling parents the school is making SEN provision (Children and Families Act
    2014 s.68), created when a pupil is placed on SEN support and marked sent when it goes."""

    __tablename__ = "parent_letter"
    __table_args__ = (sa.UniqueConstraint("sen_status_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="RESTRICT"), index=True)
    sen_status_id: Mapped[int] = mapped_column(sa.ForeignKey("sen_status.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    created_on: Mapped[date]
    sent_on: Mapped[date | None]
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    pupil: Mapped[Pupil] = relationship()
