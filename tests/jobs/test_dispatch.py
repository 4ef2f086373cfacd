"""Background tasks start after the commit that asked for them, never after a rollback; a dead broker loses nothing."""
import threading

import pytest

from meeting_manager.jobs import dispatch
from meeting_manager.jobs.dispatch import run_after_commit, runner_mode


@pytest.fixture
def recorder():
    """A task that records its arguments and the thread it ran in."""
    calls, ran = [], threading.Event()

    @dispatch.task("test.record")
    def record(value):
        calls.append((value, threading.current_thread().name))
        ran.set()

    yield calls, ran
    del dispatch.TASKS["test.record"]


def test_runner_modes(app):
    assert runner_mode(app) == "inline"  # TESTING without a broker
    app.config["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/0"
    assert runner_mode(app) == "celery"
    app.config["JOBS_RUNNER"] = "thread"
    assert runner_mode(app) == "thread"
    app.config["JOBS_RUNNER"] = "sideways"
    with pytest.raises(ValueError):
        runner_mode(app)


def test_a_task_starts_in_a_thread_after_the_commit_only(app, db, recorder):
    calls, ran = recorder
    app.config["JOBS_RUNNER"] = "thread"
    run_after_commit("test.record", 1)
    db.session.flush()
    assert calls == []  # nothing before the commit: a worker would not see the rows yet
    db.session.commit()
    assert ran.wait(10)
    assert calls == [(1, "task-test.record")]


def test_a_rolled_back_transaction_starts_nothing(app, db, recorder):
    calls, ran = recorder
    app.config["JOBS_RUNNER"] = "thread"
    run_after_commit("test.record", 1)
    db.session.rollback()
    db.session.commit()
    assert not ran.wait(0.5)
    assert calls == []


def test_a_rolled_back_savepoint_keeps_what_the_outer_transaction_asked_for(app, db, recorder):
    calls, ran = recorder
    app.config["JOBS_RUNNER"] = "thread"
    run_after_commit("test.record", 1)
    with db.session.begin_nested() as savepoint:
        savepoint.rollback()
    db.session.commit()
    assert ran.wait(10)
    assert [value for value, _ in calls] == [1]


def test_the_same_task_asked_twice_in_one_transaction_runs_once(app, db, recorder):
    calls, ran = recorder
    app.config["JOBS_RUNNER"] = "thread"
    run_after_commit("test.record", 1)
    run_after_commit("test.record", 1)
    db.session.commit()
    assert ran.wait(10)
    for thread in threading.enumerate():
        if thread.name == "task-test.record":
            thread.join(5)
    assert [value for value, _ in calls] == [1]


def test_an_unreachable_broker_falls_back_to_a_thread(app, db, recorder, caplog):
    calls, ran = recorder
    app.config["CELERY_BROKER_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    run_after_commit("test.record", 7)
    db.session.commit()
    assert ran.wait(30)
    assert calls == [(7, "send-test.record")]  # the hand-over thread ran it itself
    assert "Broker unreachable" in caplog.text


def test_inline_mode_runs_at_the_end_of_the_request(app, db, client, recorder):
    calls, _ran = recorder

    @app.route("/test-inline")
    @dispatch_allow_public
    def view():
        run_after_commit("test.record", 3)
        db.session.commit()
        assert calls == []
        return "ok"

    assert client.get("/test-inline").status_code == 200
    assert calls == [(3, threading.current_thread().name)]


def test_unknown_task_is_refused(app):
    with pytest.raises(KeyError):
        run_after_commit("no.such.task")


def dispatch_allow_public(view):
    from meeting_manager.access import PUBLIC, allow

    return allow(PUBLIC)(view)


def test_without_a_broker_a_job_runs_in_a_thread_of_the_web_process(shared_db_app):
    """The default without Celery (JOBS_RUNNER unset outside tests): a daemon thread with its own app context."""
    import os
    import time
    import uuid

    from conftest import PASSWORD
    from meeting_manager.accounts.services import create_user
    from meeting_manager.extensions import db
    from meeting_manager.jobs import services
    from meeting_manager.jobs.models import Job, JobStatus

    from . import kinds  # noqa: F401

    shared_db_app.config["JOBS_RUNNER"] = "thread"
    owner = create_user(f"{uuid.uuid4().hex[:8]}@example.org", "Owner", PASSWORD)
    job = services.start_job("test.whoami", actor=owner, params={})
    db.session.commit()
    job_id = job.id
    deadline = time.monotonic() + 60
    while db.session.get(Job, job_id).status not in (JobStatus.done, JobStatus.failed) and time.monotonic() < deadline:
        db.session.rollback()
        db.session.expire_all()
        time.sleep(0.1)
    job = db.session.get(Job, job_id)
    assert job.status == JobStatus.done, job.error
    assert services.result_file(job).read_text() == str(os.getpid())
