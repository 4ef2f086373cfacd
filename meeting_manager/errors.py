"""Domain errors raised by services, and the handlers that turn them and HTTP errors into pages or JSON."""
from urllib.parse import urlsplit

from flask import flash, jsonify, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db


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

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        # The traceback goes to the log (which holds ids, never personal data); the user sees a plain page.
        app.logger.exception("Unhandled error on %s %s", request.method, request.url_rule)
        # A failed statement leaves the transaction unusable (PostgreSQL); the layout still reads the user.
        db.session.rollback()
        return handle_http_error(InternalServerError())
