"""Second factors of sign-in: an authenticator app's time-based codes (TOTP) and one-use
recovery codes. What `sentrack.auth.factors` checks after the password is right."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime
from sentrack.models.people import User

# The kind of notification (and email) telling a person that their second factor was reset.
SECOND_FACTOR_RESET = "second_factor_reset"


class TotpFactor(Base):
    """A person's authenticator app: the shared secret (base32) its codes are made from. One per
    person; `last_used_step` is the 30-second step of the last code accepted, so that no code (nor
    an older one) is accepted twice."""

    __tablename__ = "totp_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(sa.String(64))
    label: Mapped[str] = mapped_column(sa.String(60), default="Authenticator app", server_default="Authenticator app")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    last_used_step: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class RecoveryCode(Base):
    """One of a person's ten one-use recovery codes, for when the authenticator is lost. Only the
    SHA-256 of the code (80 random bits) is kept; `used_at` is set when it is used."""

    __tablename__ = "recovery_code"
    __table_args__ = (sa.UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
