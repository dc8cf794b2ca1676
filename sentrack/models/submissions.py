"""Form submissions already answered: the one-time tokens that stop a create form being saved twice.

A token is claimed by inserting its row in the same transaction as the record the form creates:
the unique token hash lets only one of two identical posts commit, on any number of servers. The
row keeps where the first post was sent on, so that a repeat is answered the same way.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sentrack.models.base import Base, UTCDateTime


class FormSubmission(Base):
    __tablename__ = "form_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the token: the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Where the first post was redirected; empty until its answer is known.
    location: Mapped[str | None] = mapped_column(sa.Text)
