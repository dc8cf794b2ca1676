"""Subject access: a request for the data SEN Track holds about a pupil (UK GDPR article 15), or a
parent's request to see the educational record (a maintained school's duty), with its due date,
any extension, how it ended, and the records withheld from what is sent and why."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime, checks, children
from sentrack.models.enums import enum_type, vocabulary
from sentrack.models.people import User
from sentrack.models.pupils import Pupil

Requester = vocabulary(
    "Requester",
    "Who asked for the pupil's data.",
    """
    parent: A parent or carer
    pupil: The pupil
    representative: Someone acting for the pupil or a parent
    """,
)

AccessKind = vocabulary(
    "AccessKind",
    """What was asked: the data held about the pupil (UK GDPR article 15: one calendar month), or
    a parent's request to see the educational record (the Education (Pupil Information) (England)
    Regulations 2005, regulation 5: 15 school days; maintained schools only).""",
    """
    subject_access: Subject access request (UK GDPR)
    educational_record: A parent's request to see the educational record
    """,
)

AccessStatus = vocabulary(
    "AccessStatus",
    "Where a request stands.",
    """
    open: Open
    answered: Answered
    withdrawn: Withdrawn
    """,
)


class SubjectAccessRequest(Base):
    __tablename__ = "subject_access_request"
    __table_args__ = (
        sa.Index("ix_subject_access_request_pupil_received", "pupil_id", "received_on"),
        sa.Index("ix_subject_access_request_status_due", "status", "due_on"),
        *checks(
            due_after_received="due_on > received_on",
            closed_when_not_open="(status = 'open') = (closed_on IS NULL)",
            closed_after_received="closed_on IS NULL OR closed_on >= received_on",
            extended_with_reason="(extended_on IS NULL) = (extension_reason IS NULL)",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="RESTRICT"))
    kind: Mapped[AccessKind] = mapped_column(enum_type(AccessKind, "kind"))
    requester_name: Mapped[str] = mapped_column(sa.String(120))
    requester: Mapped[Requester] = mapped_column(enum_type(Requester, "requester"))
    received_on: Mapped[date]
    # By the rule of its kind (`workflows.subject_access.due_date`), moved on by an extension.
    due_on: Mapped[date]
    extended_on: Mapped[date | None]
    extension_reason: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[AccessStatus] = mapped_column(enum_type(AccessStatus, "status"), default=AccessStatus.OPEN)
    closed_on: Mapped[date | None]  # answered or withdrawn on
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    pupil: Mapped[Pupil] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    withheld: Mapped[list[SubjectAccessWithheld]] = children("request", "SubjectAccessWithheld.id")

    def __repr__(self) -> str:
        return f"<SubjectAccessRequest {self.id}>"


class SubjectAccessWithheld(Base):
    """A record withheld from a request's export (third-party information, say), with why: left out
    of the readable document and the machine-readable files, and listed in their "withheld" part."""

    __tablename__ = "subject_access_withheld"
    __table_args__ = (sa.UniqueConstraint("request_id", "table_name", "row_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("subject_access_request.id", ondelete="CASCADE"))
    table_name: Mapped[str] = mapped_column(sa.String(40))  # a table of `workflows.pupil_data.PUPIL_TABLES`
    row_id: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    request: Mapped[SubjectAccessRequest] = relationship(back_populates="withheld")
