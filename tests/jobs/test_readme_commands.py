"""The README's Production commands, run exactly as written from the checkout (no PYTHONPATH), with only the
environment variables a deployment sets: the worker starts and answers `celery inspect ping`, beat starts, a mail
goes through the worker, and a job page says when no worker has taken its job.

Each test gets queues of its own (CELERY_QUEUE), so that it never takes tasks meant for anyone else.
"""
import os
import shlex
import signal
import subprocess
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from meeting_manager.extensions import db
from meeting_manager.jobs import services
from meeting_manager.jobs.broker import make_celery
from meeting_manager.jobs.models import Job
from meeting_manager.mail import services as mail
from meeting_manager.mail.models import MessageStatus, OutboxMessage
from meeting_manager.models_base import utcnow

from . import kinds  # noqa: F401 - the test job kinds

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WAIT_SECONDS = 90  # a limit for a broken run, not a speed target


def readme_command(subcommand: str) -> list[str]:
    """The README's `celery -A ... <subcommand>` line, as an argument list (its trailing comment dropped)."""
    for line in (ROOT / "README.md").read_text().splitlines():
        line = line.split("  #")[0].strip()
        if line.startswith(".venv/bin/celery -A ") and f" {subcommand}" in line:
            return shlex.split(line)
    raise AssertionError(f"the README has no `celery ... {subcommand}` command")


def deployment_env(app, smtp_server, tmp_path, queue: str) -> dict:
    """What a deployment exports for every process, and nothing else this test runner has (no PYTHONPATH)."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MAIL_", "CELERY_", "REDIS_", "PYTHON", "DATABASE_", "PUBLIC_"))}
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], STORAGE_DIR=str(app.config["STORAGE_DIR"]),
        REDIS_URL=REDIS_URL, CELERY_QUEUE=queue, SECRET_KEY="test-secret", MEETING_MANAGER_VAR=str(tmp_path / "var"),
        MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_server.port), PUBLIC_URL="http://meetings.example.org",
        MAIL_DEFAULT_SENDER="Global Meeting <meetings@example.org>",
    )
    return env


@pytest.fixture
def deployment(shared_db_app, smtp_server, tmp_path):
    """Starts README commands (`start("worker")`) as subprocesses; stops them and drops the queues afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({type(error).__name__})")
    queue = f"mm-test-{uuid.uuid4().hex[:12]}"
    app = shared_db_app
    smtp_server.configure(app)
    app.config.update(CELERY_BROKER_URL=REDIS_URL, CELERY_QUEUE=queue)
    make_celery(app)  # what the app factory does when the broker is configured from the start
    env = deployment_env(app, smtp_server, tmp_path, queue)
    started = []

    class Deployment:
        def __init__(self):
            self.app, self.env, self.queue = app, env, queue

        def start(self, subcommand: str, **overrides) -> subprocess.Popen:
            log = open(tmp_path / f"{subcommand}.log", "ab")  # noqa: SIM115 - closed with the process
            process = subprocess.Popen(readme_command(subcommand), cwd=ROOT, env={**env, **overrides}, stdout=log,
                                       stderr=subprocess.STDOUT)
            started.append((subcommand, process, log))
            return process

        def run(self, subcommand: str, timeout: float = 30) -> subprocess.CompletedProcess:
            return subprocess.run(readme_command(subcommand), cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=timeout)

        def flask(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
            return subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), *args], cwd=ROOT,
                                  env={**env, "FLASK_APP": "wsgi"}, capture_output=True, text=True, timeout=timeout)

    yield Deployment()
    for subcommand, process, log in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        print(f"--- {subcommand} ---\n" + (tmp_path / f"{subcommand}.log").read_text(errors="replace")[-3000:])
    if keys := client.keys(f"*{queue}*"):
        client.delete(*keys)


def wait_for(predicate, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        db.session.expire_all()
        if predicate():
            return
        db.session.rollback()
        time.sleep(0.3)
    pytest.fail(f"did not {what} within {WAIT_SECONDS} s (see the logs below)")


def test_the_readme_worker_starts_answers_ping_and_delivers_mail(deployment, smtp_server):
    worker = deployment.start("worker")
    ping = None

    def answers():
        nonlocal ping
        assert worker.poll() is None, "the README's worker command exited"
        try:
            ping = deployment.run("inspect ping", timeout=60)
        except subprocess.TimeoutExpired:  # a busy machine: ask again
            return False
        return ping.returncode == 0

    wait_for(answers, "answer `celery inspect ping`")
    assert "pong" in ping.stdout

    message = mail.queue_message("someone@example.org", "sign_in_link", language="en", kind="sign_in",
                                 user=type("U", (), {"name": "Someone"}), link="http://x/link", hours=24)
    db.session.commit()  # hands "mail.deliver" to the broker, which the worker consumes
    message_id = message.id
    wait_for(lambda: db.session.get(OutboxMessage, message_id).status == MessageStatus.sent, "send the message")
    assert len(smtp_server.messages) == 1


def test_the_readme_beat_starts_and_keeps_its_schedule_under_var(deployment, tmp_path):
    beat = deployment.start("beat")
    schedule = tmp_path / "var" / "celerybeat-schedule"
    wait_for(lambda: beat.poll() is None and any(schedule.parent.glob("celerybeat-schedule*")),
             "start beat with its schedule file under var/")
    assert beat.poll() is None
    assert not any(ROOT.glob("celerybeat-schedule*"))  # nothing lands in the checkout


def test_a_job_no_worker_took_within_a_minute_says_so(db, client, auth, make_user):
    owner = make_user("Job Owner")
    waiting = services.start_job("test.count", actor=owner, params={"n": 3})
    fresh = services.start_job("test.count", actor=owner, params={"n": 3})
    db.session.commit()  # outside a request nothing runs it: as if no worker were there
    waiting.created_at = waiting.updated_at = utcnow() - timedelta(seconds=90)
    db.session.commit()
    auth.sign_in(owner)

    assert client.get(f"/jobs/{waiting.id}/status").json["no_worker"] is True
    assert "No worker has started this job" in client.get(f"/jobs/{waiting.id}").text
    assert client.get(f"/jobs/{fresh.id}/status").json["no_worker"] is False
    assert "No worker has started this job" not in client.get(f"/jobs/{fresh.id}").text
    assert db.session.get(Job, waiting.id).status.value == "queued"


def other_database(url: str) -> str:
    base, _, number = url.rpartition("/")
    return f"{base}/{(int(number or 0) + 1) % 16}"


def test_healthz_and_the_readiness_check_see_no_worker_on_the_wrong_redis_database(deployment):
    from flask_migrate import stamp

    stamp()  # the migrations are current: only the worker check may fail
    client = deployment.app.test_client()
    wrong = deployment.start("worker", REDIS_URL=other_database(REDIS_URL))
    assert deployment.flask("jobs", "check-worker", "--timeout", "15").returncode == 1
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json["checks"]["broker"]["ok"] is True and health.json["checks"]["worker"]["ok"] is False
    assert wrong.poll() is None

    deployment.start("worker")
    wait_for(lambda: client.get("/healthz").status_code == 200, "see the worker in /healthz")
    check = deployment.flask("jobs", "check-worker", "--timeout", "60")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "no worker answered" not in check.stdout


def test_a_worker_whose_broker_is_unreachable_exits_instead_of_retrying(deployment):
    worker = deployment.start("worker", REDIS_URL="redis://127.0.0.1:5199/0")  # nobody listens there
    try:
        code = worker.wait(timeout=60)  # a limit for a broken run: it used to retry for minutes
    except subprocess.TimeoutExpired:
        pytest.fail("the worker kept running without a broker")
    assert code != 0


def test_a_thousand_queued_mails_do_not_hold_a_badge_batch_back(deployment):
    """Mail and jobs are on separate queues: a job is not behind the mail, and a worker takes both."""
    import redis

    from meeting_manager.jobs.broker import queue_names
    from meeting_manager.jobs.dispatch import send_task

    app = deployment.app
    celery = make_celery(app)
    for _ in range(1000):
        send_task(app, "mail.deliver")
    services.start_job("test.count", params={"n": 3})
    db.session.commit()  # hands "jobs.run" to the broker
    queues = queue_names(app)
    client = redis.Redis.from_url(REDIS_URL)
    wait_for(lambda: client.llen(queues["jobs"]) == 1, "queue the job")
    assert client.llen(queues["mail"]) == 1000  # the job waits behind none of them
    assert celery.amqp.router.route({}, "mail.deliver")["queue"].name == queues["mail"]
    assert celery.amqp.router.route({}, "jobs.run")["queue"].name == queues["jobs"]
