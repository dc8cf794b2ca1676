"""What the compliance figures of a school were on a day.

Figures such as "tasks overdue" or "records not updated" depend on the state of records on the
day, which later work changes, so they cannot be recomputed for a past date from today's tables.
The daily sweep stores each school's figures as of that day (the LA officer's side-by-side view
reads these) and, once, as of the last day of each term (the dashboard's trend reads these).
Daily snapshots that are not a term's end are kept for a week.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime


class ComplianceSnapshot(Base):
    __tablename__ = "compliance_snapshot"
    __table_args__ = (
        sa.UniqueConstraint("school_id", "as_of"),
        sa.Index("ix_compliance_snapshot_as_of", "as_of"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id", ondelete="CASCADE"))
    as_of: Mapped[date]
    term_name: Mapped[str | None] = mapped_column(sa.String(40))  # set when `as_of` is the term's last day
    term_starts_on: Mapped[date | None]
    figures: Mapped[dict] = mapped_column(sa.JSON)  # `compliance.to_json`: counts and percentages only
    counted_on: Mapped[date]  # the sweep's day: after `as_of` when a past term was counted late
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
