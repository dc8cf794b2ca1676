"""The audit trail: who did what, to which record, when and from where.

Details never hold a pupil's name or other personal detail: only identifiers and field names.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime
from sentrack.models.people import User


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_pupil_time", "pupil_id", "occurred_at"),
        sa.Index("ix_audit_event_school_time", "school_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # The actor's name as it was when the event was written: renaming a user rewrites no history.
    actor_name: Mapped[str | None] = mapped_column(sa.String(120))
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school.id", ondelete="SET NULL"))
    pupil_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pupil.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(40))
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(40))
    remote_addr: Mapped[str | None] = mapped_column(sa.String(45))
    details: Mapped[dict | None] = mapped_column(sa.JSON)

    user: Mapped[User | None] = relationship()
