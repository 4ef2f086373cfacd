"""Passport data sealed at rest: a SQLAlchemy column type that encrypts with `cryptography`'s MultiFernet.

The keys live outside the database (PASSPORT_KEYS, or var/passport_keys: one key a line, the newest first). The
newest key seals; every listed key opens, so a key is rotated by putting a new one first and running
`flask keys reseal`, then dropping the old one. A copy of the database without the keys reads as noise.
"""
from datetime import date
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import Text, TypeDecorator


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def sealer() -> MultiFernet:
    return _fernet(tuple(current_app.config["PASSPORT_KEYS"]))


def seal(text: str) -> str:
    return sealer().encrypt(text.encode()).decode()


def unseal(token: str) -> str:
    try:
        return sealer().decrypt(token.encode()).decode()
    except InvalidToken:  # sealed with a key that is no longer listed: say so rather than show noise
        raise LookupError("passport data sealed with a key that is not configured (PASSPORT_KEYS)") from None


def new_key() -> str:
    return Fernet.generate_key().decode()


class Sealed(TypeDecorator):
    """A text or date value stored encrypted (as text); `length` is the limit of the plain value, for forms."""

    impl = Text
    cache_ok = True

    def __init__(self, python_type: type = str, length: int | None = None):
        super().__init__()
        self.python_type_ = python_type
        self.length = length

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return seal(value.isoformat() if isinstance(value, date) else str(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        plain = unseal(value)
        return date.fromisoformat(plain) if self.python_type_ is date else plain
