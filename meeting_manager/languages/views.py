"""The language switcher: one small form on every page."""
from urllib.parse import urlsplit

from babel.lists import format_list
from flask import Blueprint, abort, redirect, request
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_login import current_user

from ..access import PUBLIC, allow
from ..extensions import db
from ..redirects import local_path
from .catalog import COOKIE, valid
from .moments import day_text

bp = Blueprint("languages", __name__)
# Flask-Babel keeps the chosen locale on the app context, which a test (or a CLI command) may hold across
# requests: each request chooses again.
bp.before_app_request(refresh)


ONE_YEAR = 365 * 24 * 3600


@bp.app_template_filter("day")
def day(value, skeleton: str = "yMMMd") -> str:
    """`{{ meeting.starts_on|day("yMMMMd") }}`: a date in the reader's language (moments.day_text)."""
    return "" if value is None else day_text(value, skeleton, get_locale())


@bp.app_template_filter("listformat")
def listformat(items) -> str:
    """Items joined as the reader's language joins a list ("a, b, and c", "a، وb"), by Babel."""
    return format_list([str(item) for item in items], locale=get_locale() or "en")


def _page_left() -> str:
    """Back to the page the switcher was on, read from the Referer (Referrer-Policy: same-origin), not from a field
    in the page: every page then renders the same switcher, and a page with a token in its address does not
    repeat the token in its body."""
    came_from = urlsplit(request.referrer or "")
    if came_from.netloc != request.host:
        return "/"
    return local_path(came_from.path + (f"?{came_from.query}" if came_from.query else ""), default="/")


@bp.route("/language", methods=["POST"])
@allow(PUBLIC)
def choose():
    """Remember the language: on the account when signed in, in a cookie always (so signing out keeps it)."""
    code = valid(request.form.get("language"))
    if code is None:
        abort(400, description=_("Choose one of the languages offered."))
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    response = redirect(_page_left(), code=303)
    response.set_cookie(COOKIE, code, max_age=ONE_YEAR, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    return response
