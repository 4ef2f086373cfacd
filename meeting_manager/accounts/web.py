"""The browser's side of signing in: Flask-Login's loader over server-side sessions, the remember cookie's
rotation, and the cookie that marks a device an account signed in on before."""
import secrets

from flask import current_app, request, session
from flask_login import login_user, user_loaded_from_cookie
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..extensions import db, login_manager
from . import services
from .models import User


@login_manager.user_loader
def load_user(session_key: str) -> User | None:
    # The cookie holds a server-side session's key: a session ended on the server is over, whatever the cookie.
    found = services.load_session(session_key)
    return found.user if found else None


@user_loaded_from_cookie.connect
def _rotate_remember_cookie(app, user: User) -> None:
    """A remember cookie is used once: the session behind it is replaced, and the browser gets the new key."""
    if (key := services.rotate_session(user.session_key)) is not None:
        db.session.commit()
        session["_user_id"] = key
        session["_remember"] = "set"


def sign_in_as(user: User, *, remember: bool = False) -> None:
    """Start a server-side session for `user` and sign the browser in with it."""
    services.start_session(user, remember=remember)
    db.session.commit()
    login_user(user, remember=remember)


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def known_device(user: User | None) -> str | None:
    """The id of this browser if `user` signed in on it before (a signed cookie), else None."""
    raw = request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"])
    if not raw or user is None:
        return None
    try:
        data = _device_serializer().loads(raw, max_age=current_app.config["DEVICE_COOKIE_DAYS"] * 86400)
    except BadSignature:
        return None
    return data.get("d") if data.get("u") == user.id else None


def remember_device(response, user: User):
    value = _device_serializer().dumps({"u": user.id, "d": secrets.token_urlsafe(12)})
    response.set_cookie(current_app.config["DEVICE_COOKIE_NAME"], value, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"],
                        max_age=current_app.config["DEVICE_COOKIE_DAYS"] * 86400, path="/account/")
    return response
