"""What the compliance figures of a school were at the end of a term, for the dashboard's trend.

Figures such as "tasks overdue" or "records not updated" depend on the state of records on the
day, which later work changes, so they cannot be recomputed for a past date from today's tables.
The daily sweep stores each school's figures as of the last day of each term, once.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime


class ComplianceSnapshot(Base):
    __tablename__ = "compliance_snapshot"
    __table_args__ = (sa.UniqueConstraint("school_id", "term_starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id", ondelete="CASCADE"))
    term_name: Mapped[str] = mapped_column(sa.String(40))
    term_starts_on: Mapped[date]
    as_of: Mapped[date]  # the term's last day
    figures: Mapped[dict] = mapped_column(sa.JSON)  # `compliance.to_json`: counts and percentages only
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
