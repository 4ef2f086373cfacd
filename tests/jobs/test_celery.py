"""With a real Redis and a real Celery worker (a subprocess started here), a job runs to done and mail is sent.

The worker opens the test's database itself, so the test uses `shared_db_app` (PostgreSQL from TEST_DATABASE_URL,
or a SQLite file), and its own queue, so that it never takes tasks meant for anyone else.
"""
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import PASSWORD
from meeting_manager.accounts.services import create_user
from meeting_manager.extensions import db
from meeting_manager.jobs import services
from meeting_manager.jobs.broker import make_celery
from meeting_manager.jobs.models import Job, JobStatus
from meeting_manager.mail import services as mail
from meeting_manager.mail.models import MessageStatus, OutboxMessage

from . import kinds  # noqa: F401 - registers the test kinds (the worker imports them with --include)

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WAIT_SECONDS = 90  # a limit for a broken run, not a speed target


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({type(error).__name__}): the Celery test needs it")
    return client


@pytest.fixture
def celery_worker(shared_db_app, smtp_server, tmp_path):
    """A Celery worker process on the app's database, storage and mail server, consuming a queue of its own;
    yields the app (configured to send there) and the worker's process id."""
    redis_client = _redis_or_skip()
    app = shared_db_app
    queue = f"mm-test-{uuid.uuid4().hex[:12]}"
    smtp_server.configure(app)
    app.config.update(CELERY_BROKER_URL=REDIS_URL, CELERY_QUEUE=queue)
    make_celery(app)  # what the app factory does when the broker is configured from the start
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MAIL_", "CELERY_", "REDIS_"))}
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], STORAGE_DIR=str(app.config["STORAGE_DIR"]),
        CELERY_BROKER_URL=REDIS_URL, CELERY_QUEUE=queue, SECRET_KEY="test-secret",
        MEETING_MANAGER_VAR=str(tmp_path / "var"),
        MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_server.port), PUBLIC_URL="http://meetings.example.org",
        MAIL_DEFAULT_SENDER="Global Meeting <meetings@example.org>", JOBS_HEARTBEAT_SECONDS="0.5",
        PYTHONPATH=str(ROOT / "tests"),  # for the test kinds only: the app itself is found from the checkout
    )
    log_path = tmp_path / "worker.log"
    workers = []

    def start_worker() -> subprocess.Popen:
        with open(log_path, "ab") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "meeting_manager.celery_app", "worker", "--pool=threads",
                 "--include", "jobs.kinds", "--without-heartbeat", "--without-gossip", "--without-mingle",
                 "--loglevel=INFO"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        workers.append(worker)
        return worker

    worker = start_worker()
    try:
        yield SimpleNamespace(app=app, pid=worker.pid, process=worker, start_worker=start_worker)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        if keys := redis_client.keys(f"*{queue}*"):
            redis_client.delete(*keys)
        print(log_path.read_text(errors="replace")[-4000:])  # shown when the test fails


def new_user(name: str):
    """A user on the shared database (the make_user fixture would bring the in-memory test app along)."""
    user = create_user(f"{uuid.uuid4().hex[:8]}@example.org", name, PASSWORD)
    db.session.commit()
    return user


def wait_for(predicate, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        db.session.expire_all()
        if predicate():
            return
        db.session.rollback()  # a fresh snapshot on PostgreSQL
        time.sleep(0.2)
    pytest.fail(f"the worker did not {what} within {WAIT_SECONDS} s (see its log below)")


def finished(job_id: int) -> bool:
    return db.session.get(Job, job_id).status in (JobStatus.done, JobStatus.failed)


def test_jobs_run_to_done_or_failed_on_a_celery_worker(celery_worker):
    owner = new_user("Job Owner")
    jobs = [services.start_job(kind, actor=owner, params={"n": 25}) for kind in ("test.count", "test.whoami",
                                                                                  "test.refuse")]
    db.session.commit()  # hands the jobs to the broker
    counted, whoami, refused = (job.id for job in jobs)

    wait_for(lambda: all(finished(job_id) for job_id in (counted, whoami, refused)), "finish the jobs")

    job = db.session.get(Job, counted)
    assert job.status == JobStatus.done, job.error
    assert (job.done, job.total, job.percent) == (25, 25, 100)
    assert services.result_file(job).read_bytes() == "\n".join(str(n) for n in range(1, 26)).encode()
    worker_pid = int(services.result_file(db.session.get(Job, whoami)).read_text())
    assert worker_pid == celery_worker.pid  # run by the worker, not by a fallback in this process
    job = db.session.get(Job, refused)
    assert job.status == JobStatus.failed and job.error == "The badge template of this meeting is missing."

    client = celery_worker.app.test_client()
    assert client.post("/account/sign-in", data={"email": owner.email, "password": PASSWORD}).status_code == 302
    status = client.get(f"/jobs/{counted}/status").json
    assert status["status"] == "done" and status["percent"] == 100
    assert client.get(status["download_url"]).data.startswith(b"1\n2\n3")


def test_badge_batches_render_in_processes_of_their_own_on_the_worker(celery_worker):
    """The worker runs as the README says (--pool threads): its tasks may start render processes, which a prefork
    child (daemonic) may not, so a 1,000-badge batch takes both cores instead of one."""
    import json

    job = services.start_job("test.badges", actor=new_user("Badge Printer"), params={})
    db.session.commit()
    job_id = job.id
    wait_for(lambda: finished(job_id), "render the badges")
    job = db.session.get(Job, job_id)
    assert job.status == JobStatus.done, job.error
    assert json.loads(services.result_file(job).read_text()) == {"daemon": False, "pages": 4}


def test_mail_is_delivered_by_a_celery_task(celery_worker, smtp_server, caplog):
    message = mail.queue_message("someone@example.org", "sign_in_link", language="en", kind="sign_in",
                                 user=type("U", (), {"name": "Someone"}), link="http://x/link", hours=24)
    db.session.commit()  # hands "mail.deliver" to the broker
    message_id = message.id

    wait_for(lambda: db.session.get(OutboxMessage, message_id).status == MessageStatus.sent, "send the message")
    assert "Broker unreachable" not in caplog.text  # sent by the worker, not by a fallback in this process
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["Message-ID"] == db.session.get(OutboxMessage, message_id).rfc_message_id


def test_a_job_whose_worker_was_killed_runs_again_on_a_new_worker(celery_worker):
    """`kill -9` of the worker mid-job: its heartbeat stops, the job's page (polling) finds it lost and queues it
    again, and the next worker runs it to done; its render processes died with the killed worker."""
    app = celery_worker.app
    app.config["JOBS_LOST_SECONDS"] = 3
    owner = new_user("Badge Printer")
    job = services.start_job("test.slow", actor=owner, params={"steps": 40, "pause": 0.25})
    db.session.commit()
    job_id = job.id
    wait_for(lambda: db.session.get(Job, job_id).done >= 4, "start the job")

    celery_worker.process.send_signal(signal.SIGKILL)
    celery_worker.process.wait()
    celery_worker.start_worker()
    client = app.test_client()
    assert client.post("/account/sign-in", data={"email": owner.email, "password": PASSWORD}).status_code == 302

    def page_says_done() -> bool:
        return client.get(f"/jobs/{job_id}/status").json["status"] in ("done", "failed")

    wait_for(page_says_done, "run the job again after its worker was killed")
    job = db.session.get(Job, job_id)
    assert job.status == JobStatus.done, job.error
    assert job.attempts == 2
    assert services.result_file(job).read_text() == "40"
