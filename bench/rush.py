"""The opening-hour rush: 50 concurrent clients each open the registration form and submit it, against gunicorn as
`./manage.sh run` serves it (2 workers × 4 threads, the checkout's gunicorn.conf.py, access log on), compared with
a bare Flask "hello" served the same way and asked by the same client in the same run.

Each client registers --per-client people one after another (a fresh browser each: GET the form, read its CSRF
token and submission key, POST it, expect 303). Afterwards the rows are counted: lost (a 303 without a row),
doubled (two rows for one email), errors (anything but 303, or a failed connection).

Targets (issue 19): registrations/s ÷ bare req/s ≥ 0.15, p95 of one registration (GET + POST) under 1 s, 0 lost,
0 doubled, 0 errors. Prints one summary line; exits 1 when a target is missed.

Run: .venv/bin/python bench/rush.py [--database-url postgresql+psycopg://postgres@127.0.0.1/mm_wt19_rush]
     [--clients 50] [--per-client 6] [--port 5195]
SQLite (default): a fresh file in a temporary folder. PostgreSQL: the database is emptied (its schema dropped) first.
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GUNICORN = [str(ROOT / ".venv/bin/gunicorn"), "--workers", "2", "--threads", "4", "--access-logfile", "-"]


def prepare(env: dict) -> tuple[int, int]:
    """Migrate, load the reference data, make one open meeting; its id and a category id."""
    subprocess.run([str(ROOT / ".venv/bin/flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    code = """
from datetime import date, timedelta
from meeting_manager import create_app
from meeting_manager.extensions import db
from meeting_manager.meetings.models import MeetingStatus, RegistrationMode
from meeting_manager.meetings.services import create_meeting
from meeting_manager.models_base import utcnow
from meeting_manager.reference.services import load_reference_data
app = create_app()
with app.app_context():
    load_reference_data()
    start = date.today() + timedelta(days=60)
    meeting = create_meeting(dict(title="Global Meeting (rush)", starts_on=start, ends_on=start + timedelta(days=2),
        timezone="Europe/Zurich", venue="Centre", city="Geneva", country_code="CH", capacity=5000,
        status=MeetingStatus.open, registration_mode=RegistrationMode.open), actor=None)
    meeting.registration_opens_at = utcnow() - timedelta(days=1)
    db.session.commit()
    print(meeting.id, next(c.id for c in meeting.categories if c.code == "civil_society"))
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True)
    meeting_id, category_id = done.stdout.split()[-2:]
    return int(meeting_id), int(category_id)


def serve(app: str, port: int, env: dict, log) -> subprocess.Popen:
    process = subprocess.Popen([*GUNICORN, "--bind", f"127.0.0.1:{port}", app], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn on {port} did not start")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


class Browser:
    """One person's browser: its own connection per request and its cookies."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        connection.close()
        return response.status, text


def field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html)
    return match.group(1) if match else ""


def register(port: int, meeting_id: int, category_id: int, n: int) -> tuple[bool, float, str]:
    started = time.perf_counter()
    browser = Browser(port)
    try:
        status, html = browser.request("GET", f"/meetings/{meeting_id}/apply")
        if status != 200:
            return False, time.perf_counter() - started, f"form {status}"
        form = {"csrf_token": field(html, "csrf_token"), "submission_key": field(html, "submission_key"),
                "given_name": "Amina", "family_name": f"Rush {n}", "email": f"rush{n}@example.org",
                "gender": "woman", "nationality": "SN", "residence_country": "SN", "organisation": "Centre",
                "category_id": str(category_id), "relation": "member", "data_consent": "y"}
        status, _text = browser.request("POST", f"/meetings/{meeting_id}/apply", form)
        return status == 303, time.perf_counter() - started, "" if status == 303 else f"submit {status}"
    except OSError as error:
        return False, time.perf_counter() - started, type(error).__name__


def rush(port: int, meeting_id: int, category_id: int, clients: int, per_client: int) -> dict:
    results, lock = [], threading.Lock()

    def client(index: int):
        for k in range(per_client):
            outcome = register(port, meeting_id, category_id, index * per_client + k)
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    times = sorted(t for _ok, t, _e in results)
    return {"ok": sum(ok for ok, _t, _e in results), "errors": [e for ok, _t, e in results if not ok],
            "rate": len(results) / wall, "p50": statistics.median(times),
            "p95": times[int(0.95 * (len(times) - 1))], "wall": wall}


def bare(port: int, clients: int, seconds: float) -> float:
    count, lock, stop_at = [0], threading.Lock(), time.perf_counter() + seconds

    def client():
        while time.perf_counter() < stop_at:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", "/")
            connection.getresponse().read()
            connection.close()
            with lock:
                count[0] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count[0] / (time.perf_counter() - started)


def count_rows(env: dict, meeting_id: int) -> tuple[int, int]:
    code = f"""
from sqlalchemy import func, select
from meeting_manager import create_app
from meeting_manager.extensions import db
from meeting_manager.registration.models import Registration
app = create_app()
with app.app_context():
    rows = db.session.scalar(select(func.count()).where(Registration.meeting_id == {meeting_id}))
    emails = db.session.scalar(select(func.count(func.distinct(Registration.email)))
                               .where(Registration.meeting_id == {meeting_id}))
    print(rows, emails)
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True)
    rows, emails = done.stdout.split()[-2:]
    return int(rows), int(emails)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--per-client", type=int, default=6)
    parser.add_argument("--port", type=int, default=5195)
    parser.add_argument("--bare-seconds", type=float, default=8)
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="mm-rush-"))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MAIL_", "REDIS_", "CELERY_", "DATABASE_", "MEETING_MANAGER_", "PUBLIC_"))}
    env.update(MEETING_MANAGER_VAR=str(var), FLASK_APP="wsgi", PUBLIC_URL=f"http://127.0.0.1:{args.port}",
               MAIL_DEFAULT_SENDER="Global Meeting <meetings@example.org>",
               # every client of this load test comes from one address: the per-address limit and CAPTCHA
               # (docs/security.md) would stop it, as they would stop a flood
               APPLY_LIMIT_PER_ADDRESS="1000000", APPLY_CAPTCHA_AFTER="off")
    if args.database_url:
        import sqlalchemy

        engine = sqlalchemy.create_engine(args.database_url)
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text("DROP SCHEMA public CASCADE"))
            connection.execute(sqlalchemy.text("CREATE SCHEMA public"))
        engine.dispose()
        env["DATABASE_URL"] = args.database_url
    database = "PostgreSQL" if args.database_url else "SQLite"
    meeting_id, category_id = prepare(env)
    log = open(var / "gunicorn.log", "ab")  # noqa: SIM115
    try:
        hello = serve("bench.hello_app:app", args.port + 1, env, log)
        try:
            bare_rate = bare(args.port + 1, args.clients, args.bare_seconds)
        finally:
            stop(hello)
        server = serve("wsgi:app", args.port, env, log)
        try:
            result = rush(args.port, meeting_id, category_id, args.clients, args.per_client)
        finally:
            stop(server)
        rows, emails = count_rows(env, meeting_id)
    finally:
        log.close()
    lost, doubled = result["ok"] - emails, rows - emails
    ratio = result["rate"] / bare_rate
    missed = [name for name, bad in (("ratio", ratio < 0.15), ("p95", result["p95"] >= 1.0), ("lost", lost > 0),
                                     ("doubled", doubled > 0), ("errors", bool(result["errors"]))) if bad]
    print(f"rush {database}: {result['rate']:.1f} registrations/s (p50 {result['p50']:.2f} s, p95 "
          f"{result['p95']:.2f} s), bare {bare_rate:.0f} req/s, ratio {ratio:.3f} (target 0.15), {args.clients} "
          f"clients × {args.per_client}, {rows} rows, lost {lost}, doubled {doubled}, errors "
          f"{len(result['errors'])}{' ' + repr(sorted(set(result['errors']))[:3]) if result['errors'] else ''}, "
          f"load {os.getloadavg()[0]:.1f}: {'MISSED ' + ', '.join(missed) if missed else 'target met'}", flush=True)
    shutil.rmtree(var, ignore_errors=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
