"""Celery for the background work (mail delivery, job runs), when a broker is configured.

The pattern of Flask's "Background Tasks with Celery": every task runs inside the Flask app's context, so a task
is the same plain function that runs in a thread without Celery (see `jobs.dispatch`). State and progress stay in
the database; Celery only carries "run job 42" and "deliver the outbox", and its results are ignored.

Production, with PostgreSQL and Redis (the same environment variables for all three kinds of process), from the
checkout::

    export DATABASE_URL=postgresql+psycopg://... REDIS_URL=redis://127.0.0.1:6379/0 MAIL_SERVER=... SECRET_KEY=...
    gunicorn --workers 4 --bind 127.0.0.1:8000 wsgi:app           # web, on as many hosts as needed
    celery -A meeting_manager.celery_app worker --pool threads --concurrency 4 --loglevel=INFO  # one or more
    celery -A meeting_manager.celery_app beat --loglevel=INFO    # exactly ONE: mail every 30 s, lost jobs, clean-up

Two queues: jobs (badge batches, reports) on CELERY_QUEUE and mail on CELERY_QUEUE + ".mail", so that a thousand
queued mails never hold a badge batch back; a worker consumes both unless told `-Q`. Tasks are acknowledged when
they end (`acks_late`): a worker killed mid-task leaves its task unacknowledged, and Redis gives it back after
CELERY_VISIBILITY_TIMEOUT; well before that, the job's stopped heartbeat has it re-queued (jobs.services).

A worker that cannot reach its broker at start exits (no endless retries while a supervisor shows it "running"),
and while it runs it writes `<CELERY_QUEUE>:worker:<hostname>` into the broker every 15 s (60 s lifetime): the
web's /healthz looks for it there, so a worker on the wrong Redis database is seen as missing.

The thread pool, because a badge batch starts render processes of its own (badges/render.py), which a prefork
child (a daemonic process) may not: it would render on one core. STORAGE_DIR must be shared between web and worker
hosts (job results are written by the worker and downloaded through the web). Without a broker none of this is
needed: jobs run in a thread of the web process and `flask mail deliver --loop` retries mail (`./manage.sh run`
starts it beside gunicorn).

`celery_app` (also `app`, which is what `celery -A` looks for) is built on first access; the Celery app itself is
made by the app factory (`jobs.broker`).
"""
import sys
from pathlib import Path


def __getattr__(name: str):
    # `celery -A meeting_manager.celery_app worker` reads `app` from this module: build it then, not at import.
    if name in ("app", "celery_app"):
        # `celery -A` puts the current folder on sys.path only while it imports this module; the app is built
        # later, and its settings (`config.py`, beside the package) must be found from any folder.
        root = str(Path(__file__).resolve().parents[1])
        if root not in sys.path:
            sys.path.insert(0, root)
        from . import create_app  # an entry point, like wsgi.py: nothing in the app imports this module

        celery = create_app().extensions["celery"]
        globals().update(app=celery, celery_app=celery)
        return celery
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
