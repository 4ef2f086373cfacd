"""Accounts: creating users, checking passwords, and the emailed single-use links."""
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..audit.services import record
from ..errors import DomainError
from ..extensions import db
from ..mail.services import queue_message
from ..models_base import utcnow
from ..tokens import hash_token, link_for, new_token
from .models import AccessToken, MeetingRole, MeetingRoleName, TokenPurpose, User


@lru_cache(maxsize=4)
def _hashers(params: tuple) -> tuple[PasswordHasher, str]:
    """An Argon2 hasher with the configured cost, and a hash to verify against when no such user exists
    (so that timing does not reveal which emails have accounts)."""
    hasher = PasswordHasher(**dict(params))
    return hasher, hasher.hash("no such user")


def _hashing() -> tuple[PasswordHasher, str]:
    return _hashers(tuple(sorted(current_app.config.get("PASSWORD_HASHER", {}).items())))


class LinkInvalid(DomainError):
    """One message for made-up, used and expired links alike: it reveals nothing else."""

    status_code = 400


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, name: str, password: str | None = None, *, is_admin: bool = False, actor=None) -> User:
    """Create an account; the email must be new."""
    if get_user_by_email(email):
        raise DomainError(_("An account with this email already exists."))
    user = User(email=normalise_email(email), name=name.strip(), is_admin=is_admin)
    if password:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    record("account.create", actor=actor, subject=user, admin=is_admin)
    return user


def set_password(user: User, password: str) -> None:
    user.password_hash = _hashing()[0].hash(password)
    user.session_version = (user.session_version or 0) + 1


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = get_user_by_email(email)
    try:
        hasher, dummy = _hashing()
        hasher.verify(user.password_hash if user and user.password_hash else dummy, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.password_hash or not user.active:
        return None
    if _hashing()[0].check_needs_rehash(user.password_hash):
        user.password_hash = _hashing()[0].hash(password)
    user.last_sign_in_at = utcnow()
    return user


def _issue_link(user: User, purpose: TokenPurpose, hours: int) -> str:
    token, token_hash = new_token()
    db.session.add(
        AccessToken(user=user, purpose=purpose, token_hash=token_hash, expires_at=utcnow() + timedelta(hours=hours))
    )
    return token


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists; say nothing either way, so accounts cannot be probed."""
    user = get_user_by_email(email)
    if user is None or not user.active:
        return
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    token = _issue_link(user, TokenPurpose.password_reset, hours)
    link = link_for("accounts.reset_password", token=token)
    queue_message(user.email, "password_reset", kind="password_reset", user=user, link=link, hours=hours)


def send_sign_in_link(email: str) -> None:
    """Email a one-time sign-in link (participants need no password); silent for unknown emails."""
    user = get_user_by_email(email)
    if user is None or not user.active:
        return
    hours = current_app.config["SIGN_IN_LINK_HOURS"]
    token = _issue_link(user, TokenPurpose.sign_in, hours)
    link = link_for("accounts.link_sign_in", token=token)
    queue_message(user.email, "sign_in_link", kind="sign_in", user=user, link=link, hours=hours)


def _valid_token(token: str, purpose: TokenPurpose) -> AccessToken:
    found = db.session.scalar(
        select(AccessToken).where(AccessToken.token_hash == hash_token(token), AccessToken.purpose == purpose)
    )
    if found is None or found.used_at is not None or found.expires_at <= utcnow() or not found.user.active:
        raise LinkInvalid(_("This link is not valid: it may have expired or been used already. Ask for a new one."))
    return found


def check_reset_token(token: str) -> User:
    return _valid_token(token, TokenPurpose.password_reset).user


def reset_password(token: str, password: str) -> User:
    """Use a reset link once: set the password and end the account's other sessions."""
    access = _valid_token(token, TokenPurpose.password_reset)
    access.used_at = utcnow()
    set_password(access.user, password)
    record("account.password_reset", actor=access.user, subject=access.user)
    return access.user


def use_sign_in_link(token: str) -> User:
    access = _valid_token(token, TokenPurpose.sign_in)
    access.used_at = utcnow()
    access.user.last_sign_in_at = utcnow()
    return access.user


def grant_meeting_role(user: User, meeting, role: MeetingRoleName, *, actor) -> MeetingRole:
    """Give a user a role in one meeting (idempotent)."""
    for existing in user.meeting_roles:
        if existing.meeting_id == meeting.id and existing.role == role:
            return existing
    granted = MeetingRole(user=user, meeting=meeting, role=role)
    db.session.add(granted)
    record("role.grant", actor=actor, meeting=meeting, subject=user, role=role.value)
    return granted


def revoke_meeting_role(user: User, meeting, role: MeetingRoleName, *, actor) -> None:
    for existing in list(user.meeting_roles):
        if existing.meeting_id == meeting.id and existing.role == role:
            user.meeting_roles.remove(existing)
            record("role.revoke", actor=actor, meeting=meeting, subject=user, role=role.value)


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.name)))
