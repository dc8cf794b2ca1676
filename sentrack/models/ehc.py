"""Education, health and care (EHC) work (SEND Regulations 2014; CoP chapter 9).

An `EhcRequest` is a request for an EHC needs assessment: asked for by the school (from a review's
decision, which it references) or by a parent or another body directly, with the local authority's
steps dated as they happen (decision whether to assess, advice asked and received, decision whether
to issue a plan, draft sent, final plan issued). Each statutory date is worked out from these by
`sentrack.workflows.ehc_dates`, never stored. An `EhcException` records one of the exceptions of
regulation 10(4) (or a missed appointment, regulation 8): it stops no clock, and is reported apart.

An `EhcPlan` is the plan the authority maintains: issued on a date, naming a setting, with ranked
census needs, outcomes and documents. The pupil's "E" SEN status follows it. Each plan is reviewed
at least every 12 months (6 for a child under five): an `EhcReview` is an annual (or interim) review,
convened and held by the school, reported, and decided by the authority (keep, amend, cease).

The school records its steps; the authority records its own (`sentrack.access`).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, deferred, mapped_column, relationship

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime, children, unique_while
from sentrack.models.enums import AreaOfNeed, NeedType, enum_type, vocabulary
from sentrack.models.organisation import LocalAuthority
from sentrack.models.people import User
from sentrack.models.pupils import Pupil


class Recorded:
    """Who recorded the row and when; and its version, which each save moves on, so that two people
    editing one record at once are told of each other's change (sentrack/workflows/revisions.py)."""

    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    @declared_attr
    def recorded_by(cls) -> Mapped[User | None]:
        return relationship(User)


EhcRequester = vocabulary(
    "EhcRequester",
    """Who asked the local authority for the assessment (SEN2: the source of the request).""",
    """
    school: The school
    parent: A parent
    young_person: The young person
    other: Another body (health, social care, another setting)
    """,
)
AssessmentDecision = vocabulary(
    "AssessmentDecision",
    """The authority's decision whether to assess (SEN2 codes; a withdrawal is `withdrawn_on`).""",
    """
    not_decided: Not yet decided
    agreed: Assessment agreed
    refused: Assessment refused
    """,
)
PlanDecision = vocabulary(
    "PlanDecision",
    """After the assessment: whether the authority issues a plan (regulation 10).""",
    """
    issue: Issue a plan
    no_plan: Not to issue a plan
    """,
)
ExceptionKind = vocabulary(
    "ExceptionKind",
    """The exceptions to the time limits (regulation 10(4); regulation 8(2) for advice).""",
    """
    setting_closed: A school, college or early years setting asked for advice was closed
    personal: Exceptional personal circumstances of the child or parent
    away: The child or parent was away from the area for at least 4 weeks
    missed_appointment: The child or parent missed an appointment (advice only)
    """,
)
ReviewKind = vocabulary(
    "ReviewKind",
    "Annual or interim.",
    """
    annual: Annual review
    interim: Interim review
    """,
)
ReviewOutcome = vocabulary(
    "ReviewOutcome",
    """What a review recommends, and what the authority decides (regulation 20(10)).""",
    """
    keep: Keep the plan as it is
    amend: Amend the plan
    cease: Cease the plan
    """,
)
DocumentKind = vocabulary(
    "DocumentKind",
    "What a document kept with the EHC work is.",
    """
    plan: The EHC plan
    advice: Advice report
    ep_report: Educational psychology report
    review_report: Annual review report
    other: Other document
    """,
)


class EhcRequest(Recorded, Base):
    __tablename__ = "ehc_request"
    __table_args__ = (
        sa.CheckConstraint(
            "(assessment = 'not_decided') = (assessment_decided_on IS NULL)", name="assessment_decided_dated"
        ),
        sa.CheckConstraint(
            "assessment_decided_on IS NULL OR assessment_decided_on >= received_on", name="decided_after"
        ),
        sa.CheckConstraint("(plan_decision IS NULL) = (plan_decided_on IS NULL)", name="plan_decision_dated"),
        sa.CheckConstraint("plan_decided_on IS NULL OR plan_decided_on >= received_on", name="plan_decided_after"),
        sa.CheckConstraint("draft_sent_on IS NULL OR draft_sent_on >= received_on", name="draft_after"),
        sa.CheckConstraint("final_issued_on IS NULL OR final_issued_on >= received_on", name="final_after"),
        sa.CheckConstraint("withdrawn_on IS NULL OR withdrawn_on >= received_on", name="withdrawn_after"),
        sa.Index("ix_ehc_request_pupil_received", "pupil_id", "received_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="RESTRICT"))
    requested_by: Mapped[EhcRequester] = mapped_column(enum_type(EhcRequester, "requested_by"))
    requester_detail: Mapped[str | None] = mapped_column(sa.String(200))  # the parent's or body's name
    received_on: Mapped[date]  # the day the local authority received the request: every clock starts here
    review_id: Mapped[int | None] = mapped_column(sa.ForeignKey("review.id"), unique=True)  # the evidence
    assessment: Mapped[AssessmentDecision] = mapped_column(
        enum_type(AssessmentDecision, "assessment"), default=AssessmentDecision.NOT_DECIDED
    )
    assessment_decided_on: Mapped[date | None]
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    plan_decision: Mapped[PlanDecision | None] = mapped_column(enum_type(PlanDecision, "plan_decision"))
    plan_decided_on: Mapped[date | None]
    parents_told_on: Mapped[date | None]  # told that no plan will be issued (by week 16)
    draft_sent_on: Mapped[date | None]
    final_issued_on: Mapped[date | None]
    withdrawn_on: Mapped[date | None]
    withdrawn_reason: Mapped[str | None] = mapped_column(sa.Text)

    pupil: Mapped[Pupil] = relationship()
    advice: Mapped[list[EhcAdvice]] = children("request", "EhcAdvice.asked_on, EhcAdvice.id")
    exceptions: Mapped[list[EhcException]] = children("request", "EhcException.starts_on, EhcException.id")

    def __repr__(self) -> str:
        return f"<EhcRequest {self.id}>"


class EhcAdvice(Base):
    """Advice asked for the assessment (regulation 6): due within 6 weeks of being asked (reg 8)."""

    __tablename__ = "ehc_advice"
    __table_args__ = (sa.CheckConstraint("received_on IS NULL OR received_on >= asked_on", name="received_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("ehc_request.id", ondelete="CASCADE"), index=True)
    adviser: Mapped[str] = mapped_column(sa.String(120))  # "Educational psychologist", "Health", ...
    asked_on: Mapped[date]
    received_on: Mapped[date | None]

    request: Mapped[EhcRequest] = relationship(back_populates="advice")


class EhcException(Base):
    """An exception to the time limits, with its reason: it is reported, and stops no clock."""

    __tablename__ = "ehc_exception"
    __table_args__ = (sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("ehc_request.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ExceptionKind] = mapped_column(enum_type(ExceptionKind, "kind"))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    reason: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    request: Mapped[EhcRequest] = relationship(back_populates="exceptions")


class EhcPlan(Recorded, Base):
    """An EHC plan maintained by a local authority. At most one is in force per pupil."""

    __tablename__ = "ehc_plan"
    __table_args__ = (
        sa.CheckConstraint("ceased_on IS NULL OR ceased_on >= issued_on", name="ceased_after_issued"),
        sa.CheckConstraint("secondary_need IS NULL OR secondary_need <> primary_need", name="needs_differ"),
        sa.CheckConstraint(
            "primary_need <> 'NSA' AND (secondary_need IS NULL OR secondary_need <> 'NSA')", name="no_nsa"
        ),
        unique_while("uq_ehc_plan_one_in_force_per_pupil", "pupil_id", "ceased_on IS NULL"),
        sa.Index("ix_ehc_plan_authority_ceased", "local_authority_id", "ceased_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="RESTRICT"), index=True)
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ehc_request.id"), unique=True)
    local_authority_id: Mapped[int] = mapped_column(sa.ForeignKey("local_authority.id"))
    issued_on: Mapped[date]
    named_setting: Mapped[str] = mapped_column(sa.String(160))
    primary_need: Mapped[NeedType] = mapped_column(enum_type(NeedType, "primary_need"))
    secondary_need: Mapped[NeedType | None] = mapped_column(enum_type(NeedType, "secondary_need"))
    ceased_on: Mapped[date | None]
    cease_reason: Mapped[str | None] = mapped_column(sa.Text)

    pupil: Mapped[Pupil] = relationship()
    local_authority: Mapped[LocalAuthority] = relationship()
    request: Mapped[EhcRequest | None] = relationship()
    outcomes: Mapped[list[EhcOutcome]] = children("plan", "EhcOutcome.position")
    reviews: Mapped[list[EhcReview]] = children("plan", "EhcReview.id")

    @property
    def outcome_lines(self) -> list[str]:
        """The outcomes as one line each, in order: what a saved version of the plan remembers of
        them (sentrack/workflows/revisions.py)."""
        return [
            f"{outcome.area_of_need.label}: {outcome.description}" if outcome.area_of_need else outcome.description
            for outcome in self.outcomes
        ]

    def __repr__(self) -> str:
        return f"<EhcPlan {self.id}>"


class EhcOutcome(Base):
    """An outcome of an EHC plan (section E), in the plan's order."""

    __tablename__ = "ehc_outcome"
    __table_args__ = (sa.UniqueConstraint("plan_id", "position", name="uq_ehc_outcome_plan_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("ehc_plan.id", ondelete="CASCADE"))
    position: Mapped[int]
    area_of_need: Mapped[AreaOfNeed | None] = mapped_column(enum_type(AreaOfNeed, "area_of_need"))
    description: Mapped[str] = mapped_column(sa.Text)

    plan: Mapped[EhcPlan] = relationship(back_populates="outcomes")


class EhcReview(Recorded, Base):
    """An annual (or interim) review of an EHC plan (regulations 18 to 22). The school convenes it
    (invitations and advice asked at least 2 weeks before `meeting_on`), holds it (`held_on`) and
    sends the report (within 2 weeks); the authority decides within 4 weeks of the meeting, and an
    amended plan is final within 8 weeks of the proposed amendments."""

    __tablename__ = "ehc_review"
    __table_args__ = (
        sa.CheckConstraint(
            "report_sent_on IS NULL OR (held_on IS NOT NULL AND report_sent_on >= held_on)", name="report_after_meeting"
        ),
        sa.CheckConstraint("(la_decision IS NULL) = (la_decided_on IS NULL)", name="decision_dated"),
        sa.CheckConstraint(
            "la_decided_on IS NULL OR (held_on IS NOT NULL AND la_decided_on >= held_on)", name="decided_after_meeting"
        ),
        sa.CheckConstraint(
            "amendments_proposed_on IS NULL OR (la_decided_on IS NOT NULL AND amendments_proposed_on >= la_decided_on)",
            name="proposed_after_decision",
        ),
        sa.CheckConstraint(
            "amended_final_on IS NULL"
            " OR (amendments_proposed_on IS NOT NULL AND amended_final_on >= amendments_proposed_on)",
            name="final_after_proposed",
        ),
        sa.Index("ix_ehc_review_plan_held", "plan_id", "held_on"),
        # One annual review of a plan convened and not yet held at a time, however many convene at once.
        unique_while("uq_ehc_review_one_open_annual_per_plan", "plan_id", "kind = 'annual' AND held_on IS NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("ehc_plan.id", ondelete="CASCADE"))
    kind: Mapped[ReviewKind] = mapped_column(enum_type(ReviewKind, "kind"), default=ReviewKind.ANNUAL)
    meeting_on: Mapped[date]  # the date set for the meeting when it was convened
    convened_on: Mapped[date | None]  # invitations sent and advice asked
    held_on: Mapped[date | None]
    attendees: Mapped[str | None] = mapped_column(sa.Text)
    pupil_views: Mapped[str | None] = mapped_column(sa.Text)
    summary: Mapped[str | None] = mapped_column(sa.Text)  # progress towards the outcomes, what was agreed
    adulthood: Mapped[str | None] = mapped_column(sa.Text)  # preparing for adulthood (from Year 9)
    recommendation: Mapped[ReviewOutcome | None] = mapped_column(enum_type(ReviewOutcome, "recommendation"))
    report_sent_on: Mapped[date | None]
    la_decision: Mapped[ReviewOutcome | None] = mapped_column(enum_type(ReviewOutcome, "la_decision"))
    la_decided_on: Mapped[date | None]
    amendments_proposed_on: Mapped[date | None]
    amended_final_on: Mapped[date | None]

    plan: Mapped[EhcPlan] = relationship(back_populates="reviews")

    def __repr__(self) -> str:
        return f"<EhcReview {self.id}>"


class EhcDocument(Base):
    """A file kept with a pupil's EHC work (the plan, advice, reports), stored in the database,
    checked by its content when uploaded, and served only within scope, each download audited."""

    __tablename__ = "ehc_document"
    __table_args__ = (
        sa.CheckConstraint("size > 0", name="not_empty"),
        sa.CheckConstraint("plan_id IS NOT NULL OR request_id IS NOT NULL", name="belongs"),
        sa.Index("ix_ehc_document_pupil", "pupil_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="RESTRICT"))
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ehc_plan.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ehc_request.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(enum_type(DocumentKind, "kind"))
    title: Mapped[str] = mapped_column(sa.String(200))
    filename: Mapped[str] = mapped_column(sa.String(200))
    media_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    pupil: Mapped[Pupil] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<EhcDocument {self.id}>"
