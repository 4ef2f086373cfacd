"""Domain errors raised by services, and the handlers that turn them and HTTP errors into pages or JSON."""
from urllib.parse import urlsplit

from flask import current_app, flash, g, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError

from .database import is_outage
from .extensions import db, login_manager


class DomainError(Exception):
    """A rule of the domain refused the action; `message` is safe to show to the user."""

    status_code = 400
    message = _l("This action is not possible.")

    def __init__(self, message=None, **data):
        super().__init__(message or self.message)
        if message is not None:
            self.message = message
        self.data = data


class NotAllowed(DomainError):
    status_code = 403
    message = _l("You are not allowed to do this.")


class ValidationFailed(DomainError):
    """Input that fails a domain check; `problems` lists each one (e.g. rows of an upload)."""

    status_code = 422
    message = _l("Some data is not valid.")

    def __init__(self, message=None, problems=(), **data):
        super().__init__(message, **data)
        self.problems = list(problems)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _back() -> str:
    """Where to send the user back to: the referring page if it is one of ours, else the home page."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return "/"


def register_error_handlers(app):
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        # The service may have flushed part of its work before refusing: none of it may be committed later.
        db.session.rollback()
        if _wants_json():
            return jsonify(error=str(error.message)), error.status_code
        flash(str(error.message), "error")
        return redirect(_back()), 303

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        if _wants_json():
            return jsonify(error=error.name), error.code
        if error.code in (400, 403, 404, 405, 413, 429, 500):
            return render_template("errors/error.html", error=error), error.code
        return error

    @app.errorhandler(DBAPIError)
    def handle_database_error(error: DBAPIError):
        if not is_outage(error):
            return handle_unexpected(error)
        app.logger.warning("Database unavailable on %s %s: %s", request.method, request.url_rule,
                           type(error.orig).__name__)
        return database_unavailable()

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        # The traceback goes to the log (which holds ids, never personal data); the user sees a plain page.
        app.logger.exception("Unhandled error on %s %s", request.method, request.url_rule)
        # A failed statement leaves the transaction unusable (PostgreSQL); the layout still reads the user.
        db.session.rollback()
        return handle_http_error(InternalServerError())


def _forget_session_state() -> None:
    """Drop the failed transaction, and the signed-in user with it: the page must not read the database again."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the pool replaces it at the next checkout
        db.session.remove()
    g._login_user = login_manager.anonymous_user()


def _kept_fields() -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """What the person sent: (name, value) pairs to post again, password fields to type again, file fields lost."""
    passwords = sorted({name for name in request.form if "password" in name.lower()})
    fields = [(name, value) for name in request.form if name not in passwords for value in request.form.getlist(name)]
    files = sorted({name for name, upload in request.files.items(multi=True) if upload.filename})
    return fields, passwords, files


def database_unavailable():
    """503 with Retry-After: a JSON error for the API; for a form, a page that posts what was typed again."""
    retry = int(current_app.config.get("DATABASE_RETRY_AFTER", 10))
    _forget_session_state()
    if _wants_json():
        response = jsonify(error="database_unavailable", retry_after=retry,
                           message=_("The service is briefly unavailable. Please try again in a few seconds."))
        response.status_code = 503
    else:
        fields, passwords, files = _kept_fields() if request.method == "POST" else ([], [], [])
        html = render_template("errors/unavailable.html", retry=retry, fields=fields, passwords=passwords,
                               files=files, resubmit=request.method == "POST")
        response = current_app.make_response((html, 503))
    response.headers["Retry-After"] = str(retry)
    response.headers["Cache-Control"] = "no-store"  # the page may hold what the person typed
    return response
