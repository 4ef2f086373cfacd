"""Background tasks that start once the current transaction commits: on Celery, in a thread, or inline.

A *task* is a plain function registered by name with `@task("mail.deliver")`; it runs inside an app context and
takes JSON-able arguments, so that the same function runs in a thread of the web process or on a Celery worker.
Services call `run_after_commit(name, *args)`: nothing starts before the commit (the worker would not see the
rows yet), and nothing starts at all if the transaction rolls back.

How a task runs (`runner_mode`, overridable with the JOBS_RUNNER setting):

- ``celery`` when CELERY_BROKER_URL (or REDIS_URL) is set: a short-lived thread sends the task to the broker and a
  Celery worker runs it (see `jobs.broker`). If the broker cannot be reached, that thread runs the
  task itself, so that nothing waits for a broker that may not come back.
- ``thread`` (the default without a broker): a daemon thread of the web process, with its own app context.
- ``inline`` (the default under TESTING): at the end of the request that committed, in the request's thread, so
  tests need no threads that would share the in-memory database. Outside a request nothing starts; tests call the
  task's function themselves (`jobs.services.run_job`, `mail.services.deliver_due`).
- ``off``: nothing starts; the periodic `flask mail deliver --loop` (or Celery beat) picks the work up.
"""
import logging
import threading
import traceback
from collections.abc import Callable

from flask import Flask, current_app, g, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db

log = logging.getLogger(__name__)

#: background tasks by name; the Celery app registers each of them as a Celery task of the same name
TASKS: dict[str, Callable] = {}
MODES = ("celery", "thread", "inline", "off")
_PENDING = "background_tasks_after_commit"  # key in Session.info
_INLINE = "background_tasks_inline"  # key in flask.g


def task(name: str):
    """Register a function as the background task `name`."""

    def register(function: Callable) -> Callable:
        TASKS[name] = function
        return function

    return register


def runner_mode(app: Flask) -> str:
    """How background tasks run in this app: celery, thread, inline or off."""
    if mode := app.config.get("JOBS_RUNNER"):
        if mode not in MODES:
            raise ValueError(f"JOBS_RUNNER must be one of {', '.join(MODES)}")
        return mode
    if app.config.get("CELERY_BROKER_URL"):
        return "celery"
    return "inline" if app.testing else "thread"


def run_after_commit(name: str, *args) -> None:
    """Start task `name` in the background once the current transaction commits (never if it rolls back)."""
    if name not in TASKS:
        raise KeyError(f"unknown background task {name!r}")
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback, even with nothing executed yet, ends it and forgets the task
    pending = session.info.setdefault(_PENDING, [])
    if (name, args) not in pending:  # e.g. one mail delivery for the 200 invitations of one upload
        pending.append((name, args))


@event.listens_for(Session, "after_commit")
def _start_committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    # No SQL may run here (the session is between transactions): only hand the work over.
    if pending and has_app_context():
        app = current_app._get_current_object()
        for name, args in pending:
            dispatch(app, name, *args)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    if not session.in_transaction():  # the outermost transaction, not a savepoint, was rolled back
        session.info.pop(_PENDING, None)


def dispatch(app: Flask, name: str, *args) -> None:
    """Start task `name` now, the way this app runs background work (call it only after a commit)."""
    mode = runner_mode(app)
    if mode == "celery":
        # Handing over takes a round trip to the broker (longer if it is down): not in the request's time. Not a
        # daemon, so that a CLI command that started a job waits for the hand-over before it exits.
        threading.Thread(target=_send_or_run, args=(app, name, *args), name=f"send-{name}").start()
    elif mode == "thread":
        # A daemon: a long job must not hold up the shutdown of a web worker (`jobs cleanup` marks it lost).
        threading.Thread(target=run_in_app_context, args=(app, name, *args), daemon=True, name=f"task-{name}").start()
    elif mode == "inline" and has_request_context():
        g.setdefault(_INLINE, []).append((name, args))


def send_task(app: Flask, name: str, *args) -> None:
    """Hand task `name` to the broker (raises if the broker cannot be reached)."""
    celery = app.extensions["celery"]  # made by the app factory when a broker is configured (jobs.broker)
    # Fail at once when the broker is down (kombu would otherwise retry for seconds): the caller falls back.
    with celery.connection_for_write(transport_options={"max_retries": 0}) as connection:
        celery.send_task(name, args=list(args), connection=connection, retry=False, ignore_result=True)


def _send_or_run(app: Flask, name: str, *args) -> None:
    """Hand the task to Celery; if the broker cannot be reached, run it here rather than lose it."""
    try:
        send_task(app, name, *args)
    except Exception as error:  # a broker outage must not lose the work
        log.warning("Broker unreachable (%s); task %s runs in this process instead", type(error).__name__, name)
        run_in_app_context(app, name, *args)


def run_in_app_context(app: Flask, name: str, *args) -> None:
    """Run a task in a fresh app context (a thread's entry point), logging a failure without its message."""
    with app.app_context():
        try:
            TASKS[name](*args)
        except Exception as error:  # the thread has nobody else to report to
            log_failure(f"Background task {name}", error)


def run_inline_tasks(response):
    """after_request hook: run the tasks that this request committed (inline mode only)."""
    for name, args in g.pop(_INLINE, ()):
        TASKS[name](*args)
    return response


def log_failure(what: str, error: BaseException) -> None:
    """Log the type and the code path of an error, but not its message, which may quote personal data."""
    # Where it happened (file, line, function), without source lines or values: enough to find the bug.
    frames = "\n".join(f"  {frame.filename}:{frame.lineno} in {frame.name}"
                       for frame in traceback.extract_tb(error.__traceback__))
    log.error("%s failed: %s\n%s", what, type(error).__name__, frames)
