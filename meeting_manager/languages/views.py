"""The language switcher: one small form on every page."""
from flask import Blueprint, abort, redirect, request
from flask_login import current_user

from ..access import PUBLIC, allow
from ..extensions import db
from ..redirects import local_path
from .catalog import COOKIE, valid

bp = Blueprint("languages", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.route("/language", methods=["POST"])
@allow(PUBLIC)
def choose():
    """Remember the language: on the account when signed in, in a cookie always (so signing out keeps it)."""
    code = valid(request.form.get("language"))
    if code is None:
        abort(400, description="Choose one of the languages offered.")
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    response = redirect(local_path(request.form.get("next"), default="/"), code=303)
    response.set_cookie(COOKIE, code, max_age=ONE_YEAR, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    return response
