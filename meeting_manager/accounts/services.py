"""Accounts: creating users, checking passwords, and the emailed single-use links."""
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from ..audit.services import record
from ..errors import DomainError
from ..extensions import db
from ..mail.services import queue_message
from ..models_base import utcnow
from ..signals import address_awaits_proof, email_proven, erasing_person
from ..tokens import hash_token, link_for, new_token
from . import throttle
from .models import AccessToken, MeetingRole, MeetingRoleName, SignInSession, TokenPurpose, User


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


def mail_domain_problem(email: str) -> str | None:
    """A message if the address's domain certainly cannot receive mail (no such domain, no mail server), looked
    up in DNS when EMAIL_CHECK_DELIVERABILITY is on; None when it can, or when DNS cannot be trusted: a closed
    network's resolver that answers "no such domain" for everything (as on these machines) would refuse every
    address, so a "no" counts only while EMAIL_DNS_CANARY (a domain known to take mail) resolves."""
    if not current_app.config.get("EMAIL_CHECK_DELIVERABILITY") or "@" not in email:
        return None
    canary = current_app.config.get("EMAIL_DNS_CANARY")
    if canary and _domain_problem(canary.lower(), _ten_minutes()) is not None:
        return None
    return _domain_problem(email.rpartition("@")[2].lower(), _ten_minutes())


def _ten_minutes() -> int:
    return int(utcnow().timestamp() // 600)  # cached answers are asked again every ten minutes


@lru_cache(maxsize=1024)
def _domain_problem(domain: str, _period: int) -> str | None:
    import dns.resolver
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(f"check@{domain}", check_deliverability=True, timeout=3)
    except EmailNotValidError as error:
        cause = error.__cause__
        if cause is None or isinstance(cause, dns.resolver.NXDOMAIN | dns.resolver.NoAnswer):
            return _("The domain of this email address cannot receive mail: please check the address.")
    return None


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
    """Set the password; every session of the account ends (whoever knew the old one is out)."""
    user.password_hash = _hashing()[0].hash(password)
    if user.id is not None:
        end_sessions(user)


# --- sessions on the server -----------------------------------------------------------------------------------------


def start_session(user: User, *, remember: bool = False) -> str:
    """A new server-side session for `user`; its key goes into the cookie (Flask-Login reads `user.get_id()`)."""
    key, key_hash = new_token()
    days = current_app.config["REMEMBER_COOKIE_DURATION"].days if remember else 1
    db.session.add(SignInSession(user=user, key_hash=key_hash, remembered=remember,
                                 expires_at=utcnow() + timedelta(days=days)))
    user.session_key = key
    user.last_sign_in_at = utcnow()
    return key


def load_session(key: str) -> SignInSession | None:
    """The live session with this key: not ended, not expired, of an active account."""
    found = db.session.scalar(select(SignInSession).where(SignInSession.key_hash == hash_token(key)))
    if (found is None or found.ended_at is not None or found.expires_at <= utcnow() or found.user is None
            or not found.user.active):
        return None
    found.user.session_key = key
    return found


def end_session(key: str | None) -> None:
    if key and (found := load_session(key)):
        found.ended_at = utcnow()


def end_sessions(user: User) -> int:
    """End every session of the account (sign out everywhere, password or role change, address proven)."""
    live = db.session.scalars(select(SignInSession).where(
        SignInSession.user_id == user.id, SignInSession.ended_at.is_(None), SignInSession.expires_at > utcnow()))
    ended = 0
    for session in live:
        session.ended_at = utcnow()
        ended += 1
    user.session_key = None
    return ended


def rotate_session(key: str) -> str | None:
    """A remembered session used again gets a new key (a stolen remember cookie stops working once either side
    uses it); the old key ends."""
    found = load_session(key)
    if found is None:
        return None
    found.ended_at = utcnow()
    return start_session(found.user, remember=found.remembered)


def prove_email(user: User) -> None:
    """The owner of `user.email` proved it: sessions from before the proof end, and features attach to the
    account what waited for the proof (registrations made by typing the address)."""
    end_sessions(user)
    user.email_proven_at = utcnow()
    email_proven.send(user)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None. Signing in with a password proves nothing about
    the address (an admin may have typed it): it is proven by links and invitations only."""
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
    return user


# --- slowing down password guessing --------------------------------------------------------------------------------


def _guess_keys(email: str, address: str, device: str | None) -> list[tuple[str, int]]:
    """What failed sign-ins are counted under, with how many are free: the account (or, from a device the
    account signed in on before, that device alone: a guesser elsewhere never slows its owner down) and the
    network address."""
    if device:
        return [(f"sign-in:device:{device}", current_app.config["SIGN_IN_FREE_FAILURES"])]
    return [(f"sign-in:account:{normalise_email(email)}", current_app.config["SIGN_IN_FREE_FAILURES"]),
            (f"sign-in:address:{address}", current_app.config["SIGN_IN_FREE_FAILURES_PER_ADDRESS"])]


def sign_in_wait(email: str, address: str, device: str | None = None) -> int:
    """Seconds to wait before the next password may be tried for this account from here (0: try now)."""
    window = timedelta(hours=1)
    waits = [throttle.backoff_seconds(*throttle.recent(key, window), free=free)
             for key, free in _guess_keys(email, address, device)]
    return max(waits)


def record_sign_in(email: str, address: str, device: str | None, *, succeeded: bool) -> None:
    for key, _free in _guess_keys(email, address, device):
        if succeeded:
            if not key.startswith("sign-in:address:"):
                throttle.clear(key)
        else:
            throttle.hit(key)


def _issue_link(email: str, user: User | None, purpose: TokenPurpose, hours: int) -> str | None:
    """A new link's token, or None if one was sent to this address for this purpose within LINK_WINDOW_MINUTES
    and is still unused: one message per address per window, whichever page asked for it."""
    window = timedelta(minutes=current_app.config["LINK_WINDOW_MINUTES"])
    recent = db.session.scalar(select(AccessToken.id).where(
        AccessToken.email == email, AccessToken.purpose == purpose, AccessToken.used_at.is_(None),
        AccessToken.created_at > utcnow() - window).limit(1))
    if recent is not None:
        return None
    token, token_hash = new_token()
    db.session.add(AccessToken(user=user, email=email, purpose=purpose, token_hash=token_hash,
                               expires_at=utcnow() + timedelta(hours=hours)))
    return token


def request_password_reset(email: str, *, language: str | None = None) -> None:
    """Email a reset link if the account exists; say nothing either way, so accounts cannot be probed.

    In the account's language; when its owner never chose one, in `language` (the page they asked from)."""
    user = get_user_by_email(email)
    if user is None or not user.active:
        return
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    if token := _issue_link(user.email, user, TokenPurpose.password_reset, hours):
        link = link_for("accounts.reset_password", token=token)
        queue_message(user.email, "password_reset", language=user.locale or language, kind="password_reset",
                      user=user, link=link, hours=hours)


def send_sign_in_link(email: str, *, language: str | None = None) -> None:
    """Email a one-time sign-in link (participants need no password) to an account, or to an address whose
    registrations wait for it to be proven; silent for any other address, so that none can be probed.

    In the account's language; without an account or a choice, in `language` (the registration's, or the page's
    the person asked from)."""
    email = normalise_email(email)
    user = get_user_by_email(email)
    if user is not None and not user.active:
        return
    if user is None and not any(awaits for _receiver, awaits in address_awaits_proof.send(email)):
        return
    hours = current_app.config["SIGN_IN_LINK_HOURS"]
    if token := _issue_link(email, user, TokenPurpose.sign_in, hours):
        link = link_for("accounts.link_sign_in", token=token)
        queue_message(email, "sign_in_link", language=(user.locale if user else None) or language, kind="sign_in",
                      user=user, link=link, hours=hours)


def _valid_token(token: str, purpose: TokenPurpose) -> AccessToken:
    found = db.session.scalar(
        select(AccessToken).where(AccessToken.token_hash == hash_token(token), AccessToken.purpose == purpose)
    )
    if (found is None or found.used_at is not None or found.expires_at <= utcnow()
            or (found.user is not None and not found.user.active)):
        raise LinkInvalid(_("This link is not valid: it may have expired or been used already. Ask for a new one."))
    return found


def check_reset_token(token: str) -> User:
    return _valid_token(token, TokenPurpose.password_reset).user


def reset_password(token: str, password: str) -> User:
    """Use a reset link once: set the password and end the account's sessions (the link proves the address)."""
    access = _valid_token(token, TokenPurpose.password_reset)
    access.used_at = utcnow()
    set_password(access.user, password)
    prove_email(access.user)
    record("account.password_reset", actor=access.user, subject=access.user)
    return access.user


def use_sign_in_link(token: str) -> User:
    """Use a sign-in link once: it proves the address, so the account is made if there was none."""
    access = _valid_token(token, TokenPurpose.sign_in)
    access.used_at = utcnow()
    user = access.user or get_user_by_email(access.email) or create_user(access.email, "")
    prove_email(user)
    record("account.sign_in_link", actor=user, subject=user)
    return user


def grant_meeting_role(user: User, meeting, role: MeetingRoleName, *, actor) -> MeetingRole:
    """Give a user a role in one meeting (idempotent)."""
    for existing in user.meeting_roles:
        if existing.meeting_id == meeting.id and existing.role == role:
            return existing
    granted = MeetingRole(user=user, meeting=meeting, role=role)
    db.session.add(granted)
    end_sessions(user)  # a role change takes effect in a new session, signed in again
    record("role.grant", actor=actor, meeting=meeting, subject=user, role=role.value)
    return granted


def revoke_meeting_role(user: User, meeting, role: MeetingRoleName, *, actor) -> None:
    for existing in list(user.meeting_roles):
        if existing.meeting_id == meeting.id and existing.role == role:
            user.meeting_roles.remove(existing)
            end_sessions(user)
            record("role.revoke", actor=actor, meeting=meeting, subject=user, role=role.value)


def record_event(action: str, user: User, **data) -> None:
    record(action, actor=user, subject=user, **data)


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.name)))


@erasing_person.connect
def _erase_account(email: str) -> dict[str, int]:
    """The account goes, with its roles, sessions and links (they cascade)."""
    user = get_user_by_email(email)
    tokens = list(db.session.scalars(select(AccessToken).where(AccessToken.email == email)))
    for token in tokens:
        db.session.delete(token)
    if user is not None:
        # SQLite does not enforce ON DELETE CASCADE here: the sessions go explicitly
        db.session.execute(delete(SignInSession).where(SignInSession.user_id == user.id))
        db.session.delete(user)
    db.session.flush()
    return {"accounts": int(user is not None), "links": len(tokens)}
