"""Unguessable single-use tokens for emailed links (only their hash is stored), and the links themselves."""
import hashlib
import secrets
from urllib.parse import urlsplit

from flask import current_app


def new_token() -> tuple[str, str]:
    """Return (token for the link, hash to store)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_for(endpoint: str, **values) -> str:
    """An absolute URL for an email, always on PUBLIC_URL, inside a request or not.

    Never built from the request's Host header: a forged Host on "forgot password" would otherwise mail the
    victim a link to the attacker's site, carrying the token.
    """
    base = urlsplit(current_app.config["SERVER_NAME_FOR_LINKS"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)
