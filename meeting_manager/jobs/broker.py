"""Celery for the background work (mail delivery, job runs), when a broker is configured.

The pattern of Flask's "Background Tasks with Celery": every task runs inside the Flask app's context, so a task
is the same plain function that runs in a thread without Celery (see `jobs.dispatch`). State and progress stay in
the database; Celery only carries "run job 42" and "deliver the outbox", and its results are ignored. The app
factory makes the Celery app (`make_celery`) when a broker is configured and keeps it in `app.extensions`; the
worker's entry point is `meeting_manager.celery_app` (the deployment is described there).
"""
import contextlib
import json
import logging
import socket
import threading
import time
from pathlib import Path

from celery import Celery, Task
from celery.signals import worker_ready, worker_shutting_down
from flask import Flask
from kombu import Exchange, Queue

from . import dispatch

log = logging.getLogger(__name__)

#: how often beat asks for the due mail, for lost jobs, and for the clean-up of old job results, in seconds
MAIL_RETRY_SECONDS = 30.0
JOBS_WATCH_SECONDS = 20.0
JOBS_CLEANUP_SECONDS = 3600.0
#: a worker's sign of life in the broker: written every WORKER_BEAT_SECONDS, kept WORKER_SEEN_SECONDS
WORKER_BEAT_SECONDS = 15
WORKER_SEEN_SECONDS = 60


def queue_names(app: Flask) -> dict[str, str]:
    """The queues of this deployment: jobs (badges, reports, clean-up) and mail."""
    base = app.config.get("CELERY_QUEUE") or "meeting_manager"
    return {"jobs": base, "mail": f"{base}.mail"}


def make_celery(app: Flask) -> Celery:
    """A Celery app whose tasks run in `app`'s context, with every registered background task; kept on the app."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    broker = app.config.get("CELERY_BROKER_URL")
    queues = queue_names(app)
    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=broker,
        result_backend=app.config.get("CELERY_RESULT_BACKEND") or broker,
        task_ignore_result=True,  # state and progress live in the database
        # Each queue its own exchange and key: on one shared key, every task would go to both queues.
        task_queues=[Queue(name, Exchange(name, type="direct"), routing_key=name) for name in queues.values()],
        task_default_queue=queues["jobs"],
        task_default_exchange=queues["jobs"],
        task_default_routing_key=queues["jobs"],
        task_routes={"mail.*": {"queue": queues["mail"], "exchange": queues["mail"], "routing_key": queues["mail"]}},
        # A task is acknowledged once it ended, and given back if its worker died: jobs are re-run, not lost.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # a worker holds no more tasks than it runs
        broker_transport_options={"visibility_timeout": app.config.get("CELERY_VISIBILITY_TIMEOUT", 3600)},
        # A worker whose broker is unreachable at start exits, so that its supervisor shows it failing.
        broker_connection_retry_on_startup=False,
        broker_connection_timeout=3,
        timezone="UTC",
        worker_hijack_root_logger=False,
        beat_schedule_filename=str(_beat_schedule_file(app)),
        beat_schedule={
            "deliver-due-mail": {"task": "mail.deliver", "schedule": MAIL_RETRY_SECONDS},
            "deliver-due-webhooks": {"task": "api.webhooks", "schedule": MAIL_RETRY_SECONDS},
            "watch-lost-jobs": {"task": "jobs.watch", "schedule": JOBS_WATCH_SECONDS},
            "clean-up-jobs": {"task": "jobs.cleanup", "schedule": JOBS_CLEANUP_SECONDS},
            "apply-retention": {"task": "privacy.retention", "schedule": 24 * 3600},
            "waitlist-offers": {"task": "waitlist.tick", "schedule": 300},  # expiries are minutes late at most
            "focal-point-digests": {"task": "delegations.focal_digest", "schedule": 3600},
        },
    )
    for name, function in dispatch.TASKS.items():  # the app factory imported every feature: all are registered
        celery.task(name=name, ignore_result=True)(function)
    celery.flask_app = app
    app.extensions["celery"] = celery
    return celery


def worker_key(app: Flask, hostname: str = "*") -> str:
    return f"{queue_names(app)['jobs']}:worker:{hostname}"


_beating = threading.Event()


@worker_ready.connect
def _worker_ready(sender=None, **_kwargs) -> None:
    """A worker is ready: its sign of life in the broker, and a look for jobs lost while no worker ran (the badges
    feature starts its render processes on the same signal, see badges/receivers.py)."""
    celery = getattr(sender, "app", None)
    app = getattr(celery, "flask_app", None)
    if app is None:
        return
    hostname = getattr(sender, "hostname", None) or socket.gethostname()
    threading.Thread(target=_beat_in_broker, args=(app, hostname), name="worker-beat", daemon=True).start()
    try:
        celery.send_task("jobs.watch", queue=queue_names(app)["jobs"])
    except Exception as error:  # beat asks again in 20 s
        log.warning("Could not ask for lost jobs: %s", type(error).__name__)


@worker_shutting_down.connect
def _worker_stops(**_kwargs) -> None:
    _beating.set()


def _beat_in_broker(app: Flask, hostname: str) -> None:
    import redis

    client = redis.Redis.from_url(app.config["CELERY_BROKER_URL"], socket_connect_timeout=3, socket_timeout=3)
    value = json.dumps({"hostname": hostname, "queues": list(queue_names(app).values())})
    while not _beating.is_set():
        try:
            client.set(worker_key(app, hostname), value, ex=WORKER_SEEN_SECONDS)
        except redis.RedisError as error:
            log.warning("Worker sign of life not written: %s", type(error).__name__)
        _beating.wait(WORKER_BEAT_SECONDS)
    with contextlib.suppress(redis.RedisError):
        client.delete(worker_key(app, hostname))


def seen_workers(app: Flask) -> list[dict]:
    """The workers that wrote their sign of life into this app's broker within WORKER_SEEN_SECONDS."""
    import redis

    client = redis.Redis.from_url(app.config["CELERY_BROKER_URL"], socket_connect_timeout=2, socket_timeout=2)
    keys = list(client.scan_iter(match=worker_key(app), count=100))
    return [json.loads(value) for value in client.mget(keys) if value] if keys else []


def check_workers(app: Flask, timeout: float = 20.0) -> dict[str, bool]:
    """Readiness: send a ping task to each queue and wait until a worker has run it; {queue: answered}."""
    import secrets

    import redis

    celery = app.extensions.get("celery") or make_celery(app)
    client = redis.Redis.from_url(app.config["CELERY_BROKER_URL"], socket_connect_timeout=3, socket_timeout=3)
    token = secrets.token_hex(8)
    queues = queue_names(app)
    for name in queues.values():
        celery.send_task("jobs.ping", args=[token, name], queue=name, ignore_result=True)
    answered = dict.fromkeys(queues.values(), False)
    deadline = time.monotonic() + timeout
    while not all(answered.values()) and time.monotonic() < deadline:
        for name in answered:
            answered[name] = answered[name] or bool(client.exists(f"{queues['jobs']}:ping:{token}:{name}"))
        time.sleep(0.2)
    return answered


@dispatch.task("jobs.ping")
def answer_ping(token: str, queue: str) -> None:
    """A readiness check's ping: the worker that runs it says so in the broker."""
    import redis
    from flask import current_app

    client = redis.Redis.from_url(current_app.config["CELERY_BROKER_URL"], socket_connect_timeout=3)
    client.set(f"{queue_names(current_app)['jobs']}:ping:{token}:{queue}", "1", ex=120)


def _beat_schedule_file(app: Flask) -> Path:
    path = Path(app.config.get("CELERY_BEAT_SCHEDULE_FILE") or Path(app.instance_path) / "celerybeat-schedule")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
