"""Structured logs: one JSON object a line on stderr (time, level, logger, message; in a request also its id,
route, method, status and duration), for the web app and Celery workers alike.

No personal data and no tokens: a request is logged by its route's rule (`/account/reset/<token>`), never by
its path or query string; a message that quotes an email address or a long token-like string has it replaced
(a last safety net: messages should not carry them in the first place). A request's id comes from a proxy's
`X-Request-ID` (when it looks like one) or is made here, and is sent back in the response's `X-Request-ID`.

LOG_FORMAT: `json` (default), `text` (plain lines with a timestamp), or `off` (no handler: the tests' setting).
"""
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

log = logging.getLogger("meeting_manager.request")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_TOKEN = re.compile(r"\b[A-Za-z0-9_-]{24,}\b")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
#: attributes every LogRecord has; anything else was passed with `extra=` and goes into the line
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def scrub(text: str) -> str:
    """The text without email addresses and token-like strings."""
    return _TOKEN.sub("[token]", _EMAIL.sub("[email]", text))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        if has_request_context():
            line["request_id"] = g.get("request_id")
            line["route"] = request.url_rule.rule if request.url_rule else None
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value if isinstance(value, int | float | bool | type(None)) else scrub(str(value))
        if record.exc_info:
            # The type and where, not the message (it may quote data): as jobs.dispatch.log_failure does.
            kind, _error, trace = record.exc_info
            line["error"] = getattr(kind, "__name__", str(kind))
            line["trace"] = [f"{frame.f_code.co_filename}:{line_no}" for frame, line_no in _walk(trace)]
        return json.dumps(line, ensure_ascii=False, default=str)


def _walk(trace):
    while trace is not None:
        yield trace.tb_frame, trace.tb_lineno
        trace = trace.tb_next


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def configure_logging(app: Flask, stream=None) -> None:
    """Send this process's logs (root logger) to stderr in LOG_FORMAT; once per process, whatever the apps."""
    fmt = app.config.get("LOG_FORMAT", "json")
    if fmt != "off":
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, "_meeting_manager", False):
                root.removeHandler(handler)
        handler = logging.StreamHandler(stream or sys.stderr)
        handler._meeting_manager = True
        handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
        root.addHandler(handler)
        root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    if not app.extensions.get("request_log"):
        app.extensions["request_log"] = True
        app.before_request(_start_request)
        app.after_request(_log_request)


def _start_request() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _log_request(response):
    started = g.get("request_started")
    if started is not None:
        log.info("request", extra={"method": request.method, "status": response.status_code,
                                   "duration_ms": round(1000 * (time.perf_counter() - started), 1)})
        response.headers.setdefault("X-Request-ID", g.request_id)
    return response
