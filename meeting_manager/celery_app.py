"""Celery for the background work (mail delivery, job runs), when a broker is configured.

The pattern of Flask's "Background Tasks with Celery": every task runs inside the Flask app's context, so a task
is the same plain function that runs in a thread without Celery (see `jobs.dispatch`). State and progress stay in
the database; Celery only carries "run job 42" and "deliver the outbox", and its results are ignored.

Production, with PostgreSQL and Redis (the same environment variables for all three kinds of process)::

    export DATABASE_URL=postgresql+psycopg://... REDIS_URL=redis://127.0.0.1:6379/0 MAIL_SERVER=... SECRET_KEY=...
    gunicorn --workers 4 --bind 127.0.0.1:8000 wsgi:app           # web, on as many hosts as needed
    celery -A meeting_manager.celery_app worker --pool threads --concurrency 4 --loglevel=INFO  # one or more
    celery -A meeting_manager.celery_app beat --loglevel=INFO    # exactly ONE: retries mail every 30 s, cleans jobs

The thread pool, because a badge batch starts render processes of its own (badges/render.py), which a prefork
child (a daemonic process) may not: it would render on one core. STORAGE_DIR must be shared between web and worker
hosts (job results are written by the worker and downloaded through the web). Without a broker none of this is needed: jobs run in a thread of the web process and
`flask mail deliver --loop` retries mail (`./manage.sh run` starts it beside gunicorn).

`celery_app` (also `app`, which is what `celery -A` looks for) is built on first access, so that the web process
can import `make_celery` and `send_task` without building a second Flask app.
"""
import sys
from pathlib import Path

from celery import Celery, Task
from celery.signals import worker_ready
from flask import Flask

from .jobs import dispatch

#: how often beat asks for the due mail and for the clean-up of old job results, in seconds
MAIL_RETRY_SECONDS = 30.0
JOBS_CLEANUP_SECONDS = 3600.0


def make_celery(app: Flask) -> Celery:
    """A Celery app whose tasks run in `app`'s context, with every registered background task; kept on the app."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    broker = app.config.get("CELERY_BROKER_URL")
    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=broker,
        result_backend=app.config.get("CELERY_RESULT_BACKEND") or broker,
        task_ignore_result=True,  # state and progress live in the database
        task_default_queue=app.config.get("CELERY_QUEUE") or "meeting_manager",
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,
        timezone="UTC",
        worker_hijack_root_logger=False,
        beat_schedule_filename=str(_beat_schedule_file(app)),
        beat_schedule={
            "deliver-due-mail": {"task": "mail.deliver", "schedule": MAIL_RETRY_SECONDS},
            "clean-up-jobs": {"task": "jobs.cleanup", "schedule": JOBS_CLEANUP_SECONDS},
        },
    )
    _import_task_modules()
    for name, function in dispatch.TASKS.items():
        celery.task(name=name, ignore_result=True)(function)
    app.extensions["celery"] = celery
    return celery


@worker_ready.connect
def _get_badge_workers_ready(**_kwargs) -> None:
    """A worker runs badge batches: start their render processes' forkserver now, not in the first batch."""
    from .badges.render import start_workers_early

    start_workers_early()


def _beat_schedule_file(app: Flask) -> Path:
    path = Path(app.config.get("CELERY_BEAT_SCHEDULE_FILE") or Path(app.instance_path) / "celerybeat-schedule")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _import_task_modules() -> None:
    # The factory imports them through the features' views; imported here too so the list never depends on that.
    from .jobs import services as _jobs  # noqa: F401
    from .mail import services as _mail  # noqa: F401


def send_task(app: Flask, name: str, *args) -> None:
    """Hand task `name` to the broker (raises if the broker cannot be reached)."""
    celery = app.extensions.get("celery") or make_celery(app)
    # Fail at once when the broker is down (kombu would otherwise retry for seconds): the caller falls back.
    with celery.connection_for_write(transport_options={"max_retries": 0}) as connection:
        celery.send_task(name, args=list(args), connection=connection, retry=False, ignore_result=True)


def __getattr__(name: str):
    # `celery -A meeting_manager.celery_app worker` reads `app` from this module: build it then, not at import.
    if name in ("app", "celery_app"):
        from . import create_app

        # `celery -A` puts the current folder on sys.path only while it imports this module; the app is built
        # later, and its settings (`config.py`, beside the package) must be found from any folder.
        root = str(Path(__file__).resolve().parents[1])
        if root not in sys.path:
            sys.path.insert(0, root)

        celery = make_celery(create_app())
        globals().update(app=celery, celery_app=celery)
        return celery
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
