"""What the bench scripts share: a median of timed runs, and an app on a throwaway SQLite file with reference data.

Run the scripts from the repository root (`.venv/bin/python bench/<name>.py`); they put it on sys.path.
"""
import itertools
import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def median_ms(fn, runs: int) -> float:
    """Median wall time of `runs` calls of fn(), in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def numbered(fn):
    """fn(n) as a function of no arguments, n = 0, 1, 2... on successive calls (e.g. a new email each run)."""
    counter = itertools.count()
    return lambda: fn(next(counter))


@contextmanager
def sqlite_app(prefix: str):
    """An app on a SQLite file in a new temporary folder, its schema and reference data loaded, in its context."""
    var = tempfile.mkdtemp(prefix=prefix)
    os.environ.setdefault("MEETING_MANAGER_VAR", var)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{var}/bench.sqlite")
    from meeting_manager import create_app
    from meeting_manager.extensions import db
    from meeting_manager.reference.services import load_reference_data

    app = create_app()
    with app.app_context():
        db.create_all()
        load_reference_data()
        db.session.commit()
        yield app
