"""What someone typed into a long form and has not saved yet: kept so that nothing typed is lost.

One draft per user and form. The form is named by its key (the page's endpoint and the ids in its
address, never a pupil's name); the typed fields are kept as they were posted. A draft is deleted
when its form is saved or the person discards it, and forgotten after `DRAFT_LIFETIME`.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sentrack.models.base import Base, UTCDateTime


class Draft(Base):
    __tablename__ = "draft"
    __table_args__ = (sa.UniqueConstraint("user_id", "form_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    # "cycles.review:number=2,public_id=Ab12": the form's endpoint and the ids in its address.
    form_key: Mapped[str] = mapped_column(sa.String(200))
    # Each posted field's values, by the field's name: {"pupil_views": ["..."], "held_on": ["3", "10", "2026"]}.
    fields: Mapped[dict] = mapped_column(sa.JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
