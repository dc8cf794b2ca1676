"""The school's templates of letters to parents: the wording the SENCO keeps, with placeholders
filled from the pupil's record for each letter (sentrack/workflows/letter_templates.py)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime
from sentrack.models.people import User


class LetterTemplate(Base):
    """One school's wording of one kind of letter (`kind`, e.g. "s68"). A school without a saved
    row for a kind uses the app's default wording until the SENCO saves their own."""

    __tablename__ = "letter_template"
    __table_args__ = (sa.UniqueConstraint("school_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    # Each save moves the record to the next version (sentrack/workflows/revisions.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    updated_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<LetterTemplate {self.id} {self.kind}>"
