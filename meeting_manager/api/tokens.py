"""Making, listing, revoking and checking API tokens (only a token's hash is stored; it is shown once)."""
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import select

from ..audit.services import record
from ..errors import ValidationFailed
from ..extensions import db
from ..models_base import utcnow
from ..tokens import hash_token
from .models import SCOPES, ApiToken

PREFIX = "mmt_"  # recognisable in a leaked log or a secret scanner
MAX_DAYS = 366


def create_token(user, *, name: str, scopes: list[str], days: int | None) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with the secret, which is never shown again."""
    name = (name or "").strip()
    problems = []
    if not name or len(name) > 100:
        problems.append(_l("Give the token a name of 1 to 100 characters."))
    if not scopes or set(scopes) - set(SCOPES):
        problems.append(_l("Choose at least one scope."))
    if days is not None and not 1 <= days <= MAX_DAYS:
        problems.append(lazy_ngettext("A token expires after 1 to %(num)d day.",
                                      "A token expires after 1 to %(num)d days.", MAX_DAYS))
    if problems:
        raise ValidationFailed(problems[0], problems=problems)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(secret), prefix=secret[:10],
                     scopes=[s for s in SCOPES if s in scopes],
                     expires_at=utcnow() + timedelta(days=days) if days else None)
    db.session.add(token)
    db.session.flush()
    record("api.token_create", actor=user, subject=token, scopes=token.scopes, days=days)
    return token, secret


def tokens_of(user) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())))


def token_of(user, token_id: int) -> ApiToken | None:
    token = db.session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None


def revoke_token(token: ApiToken, *, actor) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("api.token_revoke", actor=actor, subject=token)


def is_usable(token: ApiToken, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (token.revoked_at is None and (token.expires_at is None or token.expires_at > now)
            and token.user is not None and token.user.is_active)


def authenticate(secret: str) -> ApiToken | None:
    """The usable token this secret is, or None (unknown, revoked, expired, or its owner deactivated)."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or not is_usable(token):
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now  # at most once a minute: a busy device must not write on every read
    return token
