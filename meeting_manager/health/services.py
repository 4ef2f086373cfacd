"""The health checks: database, migrations, storage, and with a broker the broker and a recently seen worker.

Each check answers ok or not with a short detail (an error's type, a count), never a secret or personal data.
"""
import functools
import tempfile
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import inspect, text

from ..extensions import db
from ..jobs.broker import WORKER_SEEN_SECONDS, seen_workers
from ..jobs.dispatch import runner_mode


def run_checks(app: Flask | None = None) -> dict[str, dict]:
    """Every check of this deployment: {name: {"ok": bool, "detail": str}}."""
    app = app or current_app._get_current_object()
    checks = {"database": _database, "migrations": _migrations, "storage": _storage}
    if app.config.get("CELERY_BROKER_URL"):
        checks["broker"] = _broker
    if runner_mode(app) == "celery":
        checks["worker"] = _worker
    results = {}
    for name, check in checks.items():
        try:
            ok, detail = check(app)
        except Exception as error:  # a failing check is an answer, not an error page
            db.session.rollback()
            ok, detail = False, type(error).__name__
        results[name] = {"ok": ok, "detail": detail}
    return results


def _database(app: Flask) -> tuple[bool, str]:
    db.session.execute(text("SELECT 1"))
    db.session.rollback()
    return True, "reachable"


@functools.cache
def _heads(directory: str) -> frozenset[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _migrations(app: Flask) -> tuple[bool, str]:
    directory = str(Path(app.root_path).parent / "migrations")
    current = set()
    if inspect(db.engine).has_table("alembic_version"):
        current = set(db.session.scalars(text("SELECT version_num FROM alembic_version")).all())
        db.session.rollback()
    heads = _heads(directory)
    if current == heads:
        return True, "current"
    return False, f"database at {', '.join(sorted(current)) or 'nothing'}; code at {', '.join(sorted(heads))}: " \
                  "run `flask db upgrade`"


def _storage(app: Flask) -> tuple[bool, str]:
    folder = Path(app.config["STORAGE_DIR"])
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".healthz-"):
        pass
    return True, "writable"


def _broker(app: Flask) -> tuple[bool, str]:
    import redis

    redis.Redis.from_url(app.config["CELERY_BROKER_URL"], socket_connect_timeout=2, socket_timeout=2).ping()
    return True, "reachable"


def _worker(app: Flask) -> tuple[bool, str]:
    workers = seen_workers(app)
    if not workers:
        return False, f"no worker seen on this broker within {WORKER_SEEN_SECONDS} s"
    return True, f"{len(workers)} seen"
