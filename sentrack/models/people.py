"""Staff accounts, the roles they hold, and their signed-in sessions."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, lazyload, mapped_column, relationship

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime
from sentrack.models.enums import Role, enum_type
from sentrack.models.organisation import LocalAuthority, School, TeachingGroup, group_teachers

# What an account holds until its owner sets a password through their invitation: not an argon2
# hash, so no password verifies against it.
NO_PASSWORD = "!"


class User(Base):
    """A member of staff, a governor or a local-authority officer."""

    __tablename__ = "user"
    __table_args__ = (
        sa.CheckConstraint("school_id IS NOT NULL OR local_authority_id IS NOT NULL", name="belongs_somewhere"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school.id"), index=True)
    local_authority_id: Mapped[int | None] = mapped_column(sa.ForeignKey("local_authority.id"))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when someone else chose the password (`flask create-user --password`): the account's
    # first sign-in leads straight to changing it.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Each save of the account by its managers moves it to the next version (sentrack/workflows/revisions.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    school: Mapped[School | None] = relationship()
    local_authority: Mapped[LocalAuthority | None] = relationship()
    role_assignments: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    groups: Mapped[list[TeachingGroup]] = relationship(
        secondary=group_teachers, back_populates="teachers", order_by="TeachingGroup.name"
    )

    # Flask-Login: the id in the cookie is the session token, not the user id (see auth.sessions).
    session_token = None
    # The id of the signed-in session's row, for what it remembers server-side (auth.sessions).
    session_row_id = None
    # When the signed-in session began and was last active (auth.sessions), for the timeout warning.
    session_times = None
    # Whether the signed-in session still awaits the second factor (auth.sessions, auth.factors).
    second_factor_pending = False

    @classmethod
    def named_only(cls):
        """The loader option for users a page only names (who recorded, who delivers): their roles,
        loaded with every user otherwise, are left unloaded."""
        return lazyload(cls.role_assignments)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(a.role for a in self.role_assignments)

    @property
    def role_labels(self) -> list[str]:
        """The roles held, by name, in a steady order (what an edit conflict lists)."""
        return sorted(role.label for role in self.roles)

    @property
    def current_groups(self) -> list[TeachingGroup]:
        """The classes the user teaches this year: a class ended at a year end is history."""
        return [group for group in self.groups if group.ended_on is None]

    @property
    def class_names(self) -> list[str]:
        return sorted(group.name for group in self.current_groups)

    def has_role(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def has_password(self) -> bool:
        """Whether the account's owner has a password yet (they set it through their invitation)."""
        return self.password_hash != NO_PASSWORD

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class RoleAssignment(Base):
    """A role held by a user; one person may hold several (a head who is also the SENCO)."""

    __tablename__ = "role_assignment"
    __table_args__ = (sa.UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    user: Mapped[User] = relationship(back_populates="role_assignments")


class RoleProposal(Base):
    """A role proposed for a user by someone who may not grant it (an administrator proposing a
    teacher, say). It gives no access: the head teacher or the SENCO confirms it, which turns it
    into a RoleAssignment, or declines it."""

    __tablename__ = "role_proposal"
    __table_args__ = (sa.UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])


class EmailedLink:
    """What an emailed one-use link keeps (sentrack/workflows/links.py): the nonce its token is made
    from with the app's secret key, the SHA-256 of that token (never the token itself), and when it
    was made, ends, was used or was replaced."""

    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    nonce: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Invitation(EmailedLink, Base):
    """An emailed link with which a new member of staff sets their own password: it works once,
    until `expires_at`. Only the SHA-256 of the link's token is stored (see workflows.invitations)."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class PasswordReset(EmailedLink, Base):
    """An emailed link with which a person who has forgotten their password chooses a new one: it
    works once, within PASSWORD_RESET_MINUTES, and a newer one replaces it (see
    workflows.password_resets). Only the SHA-256 of the link's token is stored."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship()


class UserSession(Base):
    """A signed-in session, held on the server so that signing out really ends it.

    The browser's cookie carries a random token; only its SHA-256 is stored here.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(sa.String(40))
    remote_addr: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))
    # Opened with the right password by someone who has a second factor (or must enrol one): until
    # it is given (`second_factor_at`), the session reaches only the second-factor pages.
    second_factor_pending: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class SessionValue(Base):
    """Something a signed-in session remembers from page to page (the pupil search text), kept
    on the server rather than in the cookie, and deleted when the session ends."""

    __tablename__ = "session_value"
    __table_args__ = (sa.UniqueConstraint("user_session_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_session_id: Mapped[int] = mapped_column(sa.ForeignKey("user_session.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(40))
    value: Mapped[str] = mapped_column(sa.Text)
