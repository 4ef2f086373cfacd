"""Structured logs: JSON lines with time, level, request id, route, status and duration; no personal data, no
tokens; the same for workers (tests/jobs/test_readme_commands.py reads a worker's log)."""
import io
import json
import logging

from meeting_manager.logs import configure_logging


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_request_is_one_json_line_with_its_route_not_its_path(app, client):
    stream = io.StringIO()
    app.config["LOG_FORMAT"] = "json"
    configure_logging(app, stream)
    try:
        response = client.get("/account/reset/secret-reset-token-abcdefghijklmnop?email=amina@example.org",
                              headers={"X-Request-ID": "proxy-id-42"})
        client.get("/healthz")
    finally:
        logging.getLogger().removeHandler(logging.getLogger().handlers[-1])

    requests = [line for line in lines(stream) if line["message"] == "request"]
    first = requests[0]
    assert set(first) >= {"time", "level", "logger", "request_id", "route", "method", "status", "duration_ms"}
    assert first["request_id"] == "proxy-id-42" and response.headers["X-Request-ID"] == "proxy-id-42"
    assert first["route"] == "/account/reset/<token>" and first["method"] == "GET"
    assert first["status"] == response.status_code and first["level"] == "INFO"
    assert "secret-reset-token" not in stream.getvalue() and "amina@example.org" not in stream.getvalue()
    assert requests[1]["route"] == "/healthz" and requests[1]["request_id"] != "proxy-id-42"


def test_messages_lose_email_addresses_and_tokens(app):
    stream = io.StringIO()
    app.config["LOG_FORMAT"] = "json"
    configure_logging(app, stream)
    try:
        logging.getLogger("meeting_manager.test").warning("Mail to %s failed with link %s", "amina@example.org",
                                                          "https://x.org/s/Zq3bX9kLmN0pQrStUvWxYz12345")
    finally:
        logging.getLogger().removeHandler(logging.getLogger().handlers[-1])
    [line] = lines(stream)
    assert line["level"] == "WARNING" and line["logger"] == "meeting_manager.test"
    assert line["message"] == "Mail to [email] failed with link https://x.org/s/[token]"
