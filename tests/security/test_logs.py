"""Finding 10: tokens of invitation, sign-in and reset links stay out of the access log of gunicorn as the README
starts it (the real server, its real log)."""
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from meeting_manager.weblog import redact

ROOT = Path(__file__).resolve().parents[2]


def test_tokens_are_redacted_from_request_lines_and_referers():
    token = "k3J9x-QmZ_5rT2bNw8yVh4LcPd6sAe1U0oGfIiXjKl"
    assert redact(f"GET /i/{token}/register HTTP/1.1") == "GET /i/[token]/register HTTP/1.1"
    assert redact(f"/account/link/{token}") == "/account/link/[token]"
    assert redact(f"/feed?token={token}") == "/feed?token=[token]"
    assert redact("/meetings/12/registrations?status=approved") == "/meetings/12/registrations?status=approved"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(sys.platform != "linux", reason="gunicorn runs on Linux")
def test_gunicorn_logs_no_token(tmp_path):
    port, log = _free_port(), tmp_path / "access.log"
    env = os.environ | {"MEETING_MANAGER_VAR": str(tmp_path / "var"),
                        "DATABASE_URL": f"sqlite:///{tmp_path / 'log.sqlite'}"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                               "--access-logfile", str(log), "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    token = "k3J9x-QmZ_5rT2bNw8yVh4LcPd6sAe1U0oGfIiXjKl"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/account/sign-in", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        for path in (f"/i/{token}/register", f"/account/link/{token}", f"/account/reset/{token}"):
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                             headers={"Referer": f"http://127.0.0.1:{port}/i/{token}"})
            with contextlib.suppress(urllib.error.HTTPError):  # a made-up token: 400/404, and logged all the same
                urllib.request.urlopen(request, timeout=5)
    finally:
        server.terminate()
        server.wait(timeout=10)
    written = log.read_text()
    assert "/account/link/[token]" in written and "/i/[token]/register" in written
    assert token not in written
