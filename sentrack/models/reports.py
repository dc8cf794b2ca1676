"""The governors' annual SEN information report (SEND Regulations 2014, regulation 51 and
schedule 1): one per school and academic year, drafted by the SENCO from the school's figures,
edited (each save kept, sentrack/workflows/revisions.py) and then published for the head teacher,
the governors and parents to read. Its sections are plain text, one column each
(`sentrack.workflows.sen_report.SECTIONS` gives their headings and what each covers)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime, checks
from sentrack.models.enums import Labelled, enum_type
from sentrack.models.organisation import School
from sentrack.models.people import User


class ReportStatus(Labelled):
    DRAFT = "draft"
    PUBLISHED = "published"


class SenReport(Base):
    __tablename__ = "sen_report"
    __table_args__ = (
        sa.UniqueConstraint("school_id", "academic_year"),
        *checks(
            published_when_dated="(status = 'published') = (published_on IS NOT NULL)",
            academic_year_in_range="academic_year BETWEEN 1900 AND 2100",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    academic_year: Mapped[int]  # the calendar year it begins: 2026 for 2026 to 2027
    status: Mapped[ReportStatus] = mapped_column(
        enum_type(ReportStatus, "status"), default=ReportStatus.DRAFT, server_default="draft"
    )
    # The sections, in the order the report gives them (`sen_report.SECTIONS`).
    figures: Mapped[str | None] = mapped_column(sa.Text)
    kinds_of_need: Mapped[str | None] = mapped_column(sa.Text)
    identifying: Mapped[str | None] = mapped_column(sa.Text)
    parents: Mapped[str | None] = mapped_column(sa.Text)
    pupils: Mapped[str | None] = mapped_column(sa.Text)
    reviewing: Mapped[str | None] = mapped_column(sa.Text)
    transitions: Mapped[str | None] = mapped_column(sa.Text)
    teaching: Mapped[str | None] = mapped_column(sa.Text)
    staff: Mapped[str | None] = mapped_column(sa.Text)
    provision: Mapped[str | None] = mapped_column(sa.Text)
    inclusion: Mapped[str | None] = mapped_column(sa.Text)
    partners: Mapped[str | None] = mapped_column(sa.Text)
    complaints: Mapped[str | None] = mapped_column(sa.Text)
    contacts: Mapped[str | None] = mapped_column(sa.Text)
    figures_as_of: Mapped[date | None]  # the day the figure sections were last drafted from
    published_on: Mapped[date | None]
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    # Each save moves the record to the next version (sentrack/workflows/revisions.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    school: Mapped[School] = relationship()
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    @property
    def is_published(self) -> bool:
        return self.status is ReportStatus.PUBLISHED

    def __repr__(self) -> str:
        return f"<SenReport {self.id}>"
