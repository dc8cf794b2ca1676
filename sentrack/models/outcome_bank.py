"""The school's bank of outcome wordings: SMART outcomes by area of need that the SENCO keeps for
the school, so that writing a plan's outcome is a pick and a tweak rather than a blank box.

Every school starts with the wordings of `sentrack.workflows.outcome_bank.STARTING_WORDINGS`; the
SENCO adds, changes and retires them. A retired wording is no longer offered; outcomes already
written from it keep their own text.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime
from sentrack.models.enums import AreaOfNeed, enum_type


class OutcomeWording(Base):
    __tablename__ = "outcome_wording"
    __table_args__ = (
        sa.UniqueConstraint("school_id", "area_of_need", "wording"),
        sa.Index("ix_outcome_wording_school_area", "school_id", "area_of_need", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    area_of_need: Mapped[AreaOfNeed] = mapped_column(enum_type(AreaOfNeed, "area_of_need"))
    wording: Mapped[str] = mapped_column(sa.Text)
    success_criteria: Mapped[str | None] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Each save moves the wording to the next version (sentrack/workflows/revisions.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    def __repr__(self) -> str:
        return f"<OutcomeWording {self.id} {self.area_of_need}>"
