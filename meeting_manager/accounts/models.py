"""User accounts, per-meeting roles, and the hashed tokens of emailed sign-in and reset links."""
import enum
from collections.abc import Iterable
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import TimestampMixin


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
    locale: Mapped[str] = mapped_column(String(5), default="en")
    last_sign_in_at: Mapped[datetime | None]
    #: bumped when the password changes, so that old sessions and links stop working
    session_version: Mapped[int] = mapped_column(default=1)
    meeting_roles: Mapped[list["MeetingRole"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

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
    """A single-use, expiring link sent by email; only the hash of the token is kept."""

    __tablename__ = "access_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    user: Mapped[User] = relationship()
