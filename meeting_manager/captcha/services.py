"""Challenges: made when a form needs one, answered once (right or wrong), gone after ten minutes.

Digits only, so that the picture and the spoken version (for people who cannot see the picture) say the same.
"""

import secrets
from datetime import timedelta

from captcha.audio import AudioCaptcha
from captcha.image import ImageCaptcha
from sqlalchemy import delete, select

from ..extensions import db
from ..models_base import utcnow
from ..tokens import hash_token, new_token
from .models import Challenge

LENGTH = 5
LIFETIME = timedelta(minutes=10)


def new_challenge() -> str:
    """A new challenge; returns its token, which names its picture and sound."""
    token, token_hash = new_token()
    answer = "".join(secrets.choice("23456789") for _ in range(LENGTH))  # no 0/1: they read like O/l
    db.session.add(Challenge(token_hash=token_hash, answer=answer, expires_at=utcnow() + LIFETIME))
    return token


def _open(token: str) -> Challenge | None:
    found = db.session.scalar(select(Challenge).where(Challenge.token_hash == hash_token(token or "")))
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        return None
    return found


def check(token: str, answer: str) -> bool:
    """True if `answer` solves the challenge; either way the challenge is used up."""
    found = _open(token)
    if found is None:
        return False
    found.used_at = utcnow()
    typed = "".join(ch for ch in (answer or "") if not ch.isspace())
    return secrets.compare_digest(typed, found.answer)


def picture(token: str) -> bytes | None:
    found = _open(token)
    return ImageCaptcha(width=220, height=80).generate(found.answer).getvalue() if found else None


def sound(token: str) -> bytes | None:
    found = _open(token)
    return bytes(AudioCaptcha().generate(found.answer)) if found else None


def purge() -> int:
    return db.session.execute(delete(Challenge).where(Challenge.expires_at < utcnow())).rowcount



