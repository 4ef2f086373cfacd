"""CI: the deployment of docs/deploy.md on this machine, and what must hold for it.

PostgreSQL (a database of its own), Redis (queues of their own), aiosmtpd in this process, two gunicorn instances
on two ports, a Celery worker and beat started with the README's exact commands. While registrations come in
through both instances, a badge batch runs on the worker; the worker is killed (SIGKILL) mid-batch and started
again; the job must be re-run to done. Afterwards: every registration stored once, every mail delivered once,
/healthz 200 on both instances. Exits 1 with the reason when anything fails. About 2 minutes.

Run (from the checkout, services up): .venv/bin/python .ci/deploy_check.py
"""
import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from rush import register  # noqa: E402 - one browser's GET + POST of the registration form

PG = os.environ.get("DEPLOY_CHECK_PG", "postgresql+psycopg://postgres@127.0.0.1")
REDIS = os.environ.get("DEPLOY_CHECK_REDIS", "redis://127.0.0.1:6379/0")
PORTS = (5191, 5192)
BADGES = 1000
REGISTRATIONS = 60
started: list[subprocess.Popen] = []


def fail(why: str) -> None:
    print(f"deploy check FAILED: {why}", flush=True)
    raise SystemExit(1)


def readme(subcommand: str) -> list[str]:
    for line in (ROOT / "README.md").read_text().splitlines():
        line = line.split("  #")[0].strip()
        if line.startswith(".venv/bin/celery -A ") and f" {subcommand}" in line:
            return shlex.split(line)
    fail(f"the README has no celery {subcommand} command")


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as output:  # the child has its own copy of the file descriptor
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    started.append(process)
    return process


def python(code: str, env: dict) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        fail(f"a step failed:\n{done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1]


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError as error:
        return 0, type(error).__name__


def wait(predicate, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            fail(f"did not {what} within {seconds:.0f} s")
        time.sleep(0.5)


SETUP = """
import secrets
from datetime import date, timedelta
from meeting_manager import create_app
from meeting_manager.accounts.services import create_user
from meeting_manager.extensions import db
from meeting_manager.meetings.models import MeetingStatus, RegistrationMode
from meeting_manager.meetings.services import create_meeting
from meeting_manager.models_base import utcnow
from meeting_manager.reference.services import load_reference_data
from meeting_manager.registration.models import Gender, Registration, RegistrationStatus
app = create_app()
with app.app_context():
    load_reference_data()
    start = date.today() + timedelta(days=60)
    meeting = create_meeting(dict(title="Global Meeting (deploy check)", starts_on=start,
        ends_on=start + timedelta(days=2), timezone="Europe/Zurich", venue="Centre", city="Geneva",
        country_code="CH", capacity=5000, status=MeetingStatus.open, registration_mode=RegistrationMode.open),
        actor=None)
    meeting.registration_opens_at = utcnow() - timedelta(days=1)
    category = next(c for c in meeting.categories if c.code == "civil_society")
    for n in range(%(badges)d):
        db.session.add(Registration(meeting=meeting, given_name="Badge", family_name=f"Holder {n}",
            badge_name=f"Badge Holder {n}", email=f"badge{n}@example.org", gender=Gender.woman, nationality="KE",
            residence_country="KE", represented_country="KE", category=category, status=RegistrationStatus.approved,
            data_consent_at=utcnow(), badge_token=secrets.token_urlsafe(24)))
    staff = create_user("staff@example.org", "Desk Staff", "a long deploy-check password")
    db.session.commit()
    print(meeting.id, category.id, staff.id)
"""

START_BATCH = """
from sqlalchemy import select
from meeting_manager import create_app
from meeting_manager.extensions import db
from meeting_manager.jobs.services import start_job
from meeting_manager.meetings.models import Meeting
from meeting_manager.registration.models import Registration
app = create_app()
with app.app_context():
    meeting = db.session.get(Meeting, %(meeting)d)
    ids = db.session.scalars(select(Registration.id).where(Registration.meeting_id == meeting.id)).all()
    job = start_job("badges.batch", meeting=meeting, actor=None, params={"registration_ids": list(ids)})
    db.session.commit()
    print(job.id)
import time; time.sleep(3)  # the hand-over to the broker runs in a thread after the commit
"""

COUNTS = """
import json
from sqlalchemy import func, select
from meeting_manager import create_app
from meeting_manager.extensions import db
from meeting_manager.mail.models import OutboxMessage
from meeting_manager.registration.models import Registration
app = create_app()
with app.app_context():
    rush = Registration.email.like("rush%%")
    print(json.dumps({
        "rows": db.session.scalar(select(func.count()).where(rush)),
        "emails": db.session.scalar(select(func.count(func.distinct(Registration.email))).where(rush)),
        "outbox": {s.value: n for s, n in db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))},
        "message_ids": db.session.scalars(select(OutboxMessage.rfc_message_id)).all()}))
"""


def main() -> int:
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import SMTPServer

    tag = uuid.uuid4().hex[:8]
    database = f"{os.environ.get('DEPLOY_CHECK_DB_PREFIX', 'mm_deploy')}_{tag}"
    work = Path(f"/tmp/{database}")
    work.mkdir()
    import shutil
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {database}"], check=True)
    smtp = SMTPServer().start()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MAIL_", "REDIS_", "CELERY_", "DATABASE_", "PUBLIC_", "PYTHON", "MEETING_MANAGER_"))}
    env.update(DATABASE_URL=f"{PG}/{database}", REDIS_URL=REDIS, CELERY_QUEUE=f"mm-deploy-{tag}",
               SECRET_KEY="deploy-check-secret", PUBLIC_URL=f"http://127.0.0.1:{PORTS[0]}",
               MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port), MAIL_DEFAULT_SENDER="Global Meeting <gm@example.org>",
               STORAGE_DIR=str(work / "storage"), MEETING_MANAGER_VAR=str(work / "var"), FLASK_APP="wsgi",
               JOBS_HEARTBEAT_SECONDS="2", JOBS_LOST_SECONDS="10",
               # every client of this load test comes from one address: the per-address limit and CAPTCHA
               # (docs/security.md) would stop it, as they would stop a flood
               APPLY_LIMIT_PER_ADDRESS="1000000", APPLY_CAPTCHA_AFTER="off")
    try:
        if subprocess.run([str(ROOT / ".venv/bin/flask"), "db", "upgrade"], cwd=ROOT, env=env,
                          capture_output=True).returncode:
            fail("flask db upgrade")
        meeting_id, category_id, _staff = map(int, python(SETUP % {"badges": BADGES}, env).split())
        for port in PORTS:
            start([str(ROOT / ".venv/bin/gunicorn"), "--workers", "2", "--threads", "4", "--bind",
                   f"127.0.0.1:{port}", "wsgi:app"], env, work / f"gunicorn-{port}.log")
        worker = start(readme("worker"), env, work / "worker.log")
        start(readme("beat"), env, work / "beat.log")
        wait(lambda: all(get(port, "/healthz")[0] == 200 for port in PORTS), "answer /healthz 200 on both ports")

        # Registrations through both instances, all the time the batch runs.
        outcomes, stop = [], threading.Event()

        def client(index: int):
            n = 0
            while not stop.is_set() and n < REGISTRATIONS // 6:
                outcomes.append(register(PORTS[(index + n) % 2], meeting_id, category_id, index * 1000 + n))
                n += 1

        clients = [threading.Thread(target=client, args=(i,)) for i in range(6)]
        for thread in clients:
            thread.start()
        job_id = int(python(START_BATCH % {"meeting": meeting_id}, env))

        import sqlalchemy

        engine = sqlalchemy.create_engine(env["DATABASE_URL"])

        def job():
            with engine.connect() as connection:
                row = connection.execute(sqlalchemy.text(
                    "SELECT status, attempts, done, total FROM jobs WHERE id = :id"), {"id": job_id}).one()
            return {"status": row[0], "attempts": row[1], "done": row[2], "total": row[3]}

        wait(lambda: job()["status"] == "running", "start the badge batch on the worker")
        time.sleep(1)
        if job()["status"] != "running":
            fail("the batch ended before the worker could be killed: make BADGES larger")
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its render processes
        worker.wait()
        start(readme("worker"), env, work / "worker.log")
        wait(lambda: job()["status"] in ("done", "failed"), "re-run the batch after the worker was killed", 150)
        final = job()
        if final["status"] != "done" or final["attempts"] != 2:
            fail(f"the batch after the kill: {final}")
        for thread in clients:
            thread.join()

        ok = sum(1 for good, _t, _e in outcomes if good)
        errors = [e for good, _t, e in outcomes if not good]
        wait(lambda: json.loads(python(COUNTS, env))["outbox"].get("queued", 0) == 0
             and json.loads(python(COUNTS, env))["outbox"].get("sending", 0) == 0, "deliver every mail", 90)
        counts = json.loads(python(COUNTS, env))
        received = [m["Message-ID"] for m in smtp.messages]
        problems = []
        if errors:
            problems.append(f"{len(errors)} registrations failed: {sorted(set(errors))[:3]}")
        if counts["rows"] != ok or counts["emails"] != counts["rows"]:
            problems.append(f"{ok} registrations accepted, {counts['rows']} rows, {counts['emails']} emails")
        if len(received) != len(set(received)) or sorted(received) != sorted(counts["message_ids"]):
            problems.append(f"{len(counts['message_ids'])} mails in the outbox, {len(received)} received "
                            f"({len(received) - len(set(received))} twice)")
        if any(get(port, "/healthz")[0] != 200 for port in PORTS):
            problems.append("/healthz not 200 at the end")
        if problems:
            fail("; ".join(problems))
        print(f"deploy check passed: {ok} registrations through 2 instances, badge batch of {BADGES} re-run to done "
              f"after its worker was killed (attempts {final['attempts']}), {len(received)} mails delivered once "
              f"each, /healthz 200", flush=True)
        return 0
    finally:
        for process in reversed(started):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        smtp.stop()
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc",
                        f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], capture_output=True)
        try:
            import redis

            client = redis.Redis.from_url(REDIS)
            if keys := client.keys(f"*mm-deploy-{tag}*"):
                client.delete(*keys)
        except Exception:
            pass
        for log in sorted(work.glob("*.log")):
            if os.environ.get("DEPLOY_CHECK_LOGS"):
                print(f"--- {log.name} ---\n{log.read_text(errors='replace')[-3000:]}")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
