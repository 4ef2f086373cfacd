"""Counting events per key in the database, so that every worker and app server sees the same count.

Used to slow down password guessing (per account and per network address) and applications from one address.
Keys are hashed before they are stored: the table never holds an email or an IP address.
"""
import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from ..extensions import db
from ..models_base import utcnow
from ..tokens import hash_token
from .models import ThrottleHit


def hit(key: str) -> None:
    db.session.add(ThrottleHit(key=hash_token(key), at=utcnow()))


def recent(key: str, window: timedelta) -> tuple[int, datetime | None]:
    """How many hits `key` had within `window`, and when the last one was."""
    count, last = db.session.execute(
        select(func.count(ThrottleHit.id), func.max(ThrottleHit.at))
        .where(ThrottleHit.key == hash_token(key), ThrottleHit.at > utcnow() - window)
    ).one()
    return count, last


def clear(key: str) -> None:
    db.session.execute(delete(ThrottleHit).where(ThrottleHit.key == hash_token(key)))


def purge(older_than: timedelta) -> int:
    return db.session.execute(delete(ThrottleHit).where(ThrottleHit.at < utcnow() - older_than)).rowcount


def backoff_seconds(failures: int, last: datetime | None, *, free: int, first: int = 2, longest: int = 900) -> int:
    """Seconds still to wait after `failures` within the window: none for the first `free` ones, then a delay
    that doubles with each further failure (2 s, 4 s, 8 s ... up to `longest`), counted from the last failure.
    A delay, not a lock: the real owner waits seconds, a guesser gets a few hundred tries a day."""
    if failures < free or last is None:
        return 0
    delay = min(first * 2 ** (failures - free), longest)
    remaining = (last + timedelta(seconds=delay) - utcnow()).total_seconds()
    return math.ceil(remaining) if remaining > 0 else 0
