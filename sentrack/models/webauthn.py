"""Security keys and passkeys (WebAuthn) a person has added as a second factor of sign-in.

Only what the relying party keeps: the credential's id and public key (COSE), the signature count
last seen (a count that goes backwards means a cloned key), the transports the browser reported,
and the name the person gave it. No private key ever leaves the authenticator.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime
from sentrack.models.people import User


class WebAuthnCredential(Base):
    """A person's security key or passkey. Its `credential_id` is unique across every account:
    an authenticator answers for one account per credential."""

    __tablename__ = "webauthn_credential"
    __table_args__ = (sa.UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[bytes] = mapped_column(sa.LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    # What the browser said the key can be reached by ("usb", "nfc", "internal", "hybrid", ...).
    transports: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    name: Mapped[str] = mapped_column(sa.String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
