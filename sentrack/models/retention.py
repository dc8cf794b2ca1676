"""Retention of a leaver's records: legal holds that stop their destruction, and the log of what
was destroyed, which names no child (issue 18, point 4; IRMS Information Management Toolkit for
Schools)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime, unique_while
from sentrack.models.people import User


class LegalHold(Base):
    """A hold on a pupil's records (a claim, an inquiry, a safeguarding review): while it is not
    lifted, the records are not destroyed, whatever their retention date. Part of the pupil's
    record: destroyed with it once lifted."""

    __tablename__ = "legal_hold"
    __table_args__ = (
        unique_while("uq_legal_hold_one_active_per_pupil", "pupil_id", "lifted_at IS NULL"),
        sa.CheckConstraint("(lifted_at IS NULL) = (lifted_by_id IS NULL)", name="lifted_by_someone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="RESTRICT"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    placed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    lifted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    placed_by: Mapped[User | None] = relationship(foreign_keys=[placed_by_id])
    lifted_by: Mapped[User | None] = relationship(foreign_keys=[lifted_by_id])


class DestructionLog(Base):
    """One destruction of a leaver's records: the kind of record, how many rows of each kind went,
    when, why, and who approved it. It names no child: no pupil id, name, UPN or date of birth."""

    __tablename__ = "destruction_log"
    __table_args__ = (sa.Index("ix_destruction_log_school_time", "school_id", "destroyed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    # "sen_file" or "pupil_record" (`sentrack.workflows.retention.RecordKind`).
    record_kind: Mapped[str] = mapped_column(sa.String(20))
    # Why it was due: "retention_ended" (past its date) or "transferred" (the next school has it).
    reason: Mapped[str] = mapped_column(sa.String(20))
    kept_until: Mapped[date | None]  # the retention date that had passed
    # How many rows went, by kind of record: {"Support cycles": 3, "Documents": 1, ...}.
    counts: Mapped[dict] = mapped_column(sa.JSON)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    approved_by_name: Mapped[str] = mapped_column(sa.String(120))
    destroyed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    approved_by: Mapped[User | None] = relationship()

    @property
    def rows_destroyed(self) -> int:
        return sum(self.counts.values())
