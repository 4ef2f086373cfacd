"""User accounts, per-meeting roles, and the hashed tokens of emailed sign-in and reset links."""
import enum
from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import TimestampMixin, utcnow


class MeetingRoleName(str, enum.Enum):
    organiser = "organiser"
    staff = "staff"


class TokenPurpose(str, enum.Enum):
    password_reset = "password_reset"
    sign_in = "sign_in"


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  #: stored lower-cased
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    #: the language the person chose with the switcher; None: their browser's (Accept-Language) decides
    locale: Mapped[str | None] = mapped_column(String(5))
    last_sign_in_at: Mapped[datetime | None]
    #: when the owner of the address last proved it (an emailed link used, or an invitation sent to it)
    email_proven_at: Mapped[datetime | None]
    meeting_roles: Mapped[list["MeetingRole"]] = relationship(back_populates="user", cascade="all, delete-orphan")
    #: the raw key of the sign-in session this request runs in (set by the session loader, never stored)
    session_key: ClassVar[str | None] = None

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        # Flask-Login keeps this in the session and the remember cookie: the key of a server-side session that
        # sign-out, a password or role change and "sign out everywhere" revoke, not the user's id.
        return self.session_key

    def has_meeting_role(self, meeting_id: int | None, roles: Iterable[str]) -> bool:
        """True if the user holds one of `roles` in that meeting (in any meeting when meeting_id is None)."""
        return any(
            r.role.value in roles and (meeting_id is None or r.meeting_id == meeting_id) for r in self.meeting_roles
        )

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class MeetingRole(db.Model):
    __tablename__ = "meeting_roles"
    __table_args__ = (UniqueConstraint("user_id", "meeting_id", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    role: Mapped[MeetingRoleName]
    user: Mapped[User] = relationship(back_populates="meeting_roles")
    meeting: Mapped["Meeting"] = relationship()  # noqa: F821


class AccessToken(TimestampMixin, db.Model):
    """A single-use, expiring link sent by email; only the hash of the token is kept.

    A sign-in link may be for an address that has no account yet (someone who applied to an open meeting): the
    account is made, and the address's registrations attached to it, only when the link is used.
    """

    __tablename__ = "access_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: the address the link was sent to (lower-cased)
    email: Mapped[str] = mapped_column(String(254), index=True)
    purpose: Mapped[TokenPurpose]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    user: Mapped[User | None] = relationship()


class SignInSession(db.Model):
    """A signed-in browser, known to the server so that it can be ended there: the cookie holds only a random
    key whose hash is kept here."""

    __tablename__ = "sign_in_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    remembered: Mapped[bool] = mapped_column(default=False)
    ended_at: Mapped[datetime | None]
    user: Mapped[User] = relationship()


class ThrottleHit(db.Model):
    """One counted event (a failed sign-in, an application, a link sent) under a key such as an account or an
    address; kept in the database so that every worker and every app server counts the same."""

    __tablename__ = "throttle_hits"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
