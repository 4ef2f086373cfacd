"""What queueing mail costs a request, and how fast the outbox drains.

Run by hand: `.venv/bin/python bench/mail_jobs.py`.

1. POST /account/forgot-password (a token and one queued message), medians over N requests, with delivery:
   held (no MAIL_SERVER: the baseline, nothing is started), thread (a delivery thread starts after the commit)
   and celery (a thread hands "mail.deliver" to Redis; no worker runs, so only the hand-over is measured).
   Back to back (each request overlaps the previous one's background work, in the same process) and spaced
   (GAP seconds between requests, as people click: what one request costs).
2. deliver_due throughput to a local aiosmtpd server: messages per second, one deliverer and two at once.
SQLite file in a temporary folder (or BENCH_DATABASE_URL, emptied first); the SMTP server runs in this process.
"""
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from config import TestingConfig  # noqa: E402
from conftest import SMTPServer  # noqa: E402
from meeting_manager import create_app  # noqa: E402
from meeting_manager.accounts.services import create_user  # noqa: E402
from meeting_manager.extensions import db  # noqa: E402
from meeting_manager.mail import services  # noqa: E402
from meeting_manager.mail.models import OutboxMessage  # noqa: E402

REQUESTS = 200
SPACED = 60
GAP = 0.4
MESSAGES = 500


def make_app(folder: Path, **settings):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder / 'bench.sqlite'}"
        STORAGE_DIR = folder / "storage"

    app = create_app(Config)
    app.config.update(settings)
    return app


def request_medians(folder: Path, smtp: SMTPServer, count: int, gap: float) -> dict[str, float]:
    modes = {
        "held (baseline)": {"MAIL_SERVER": None},
        "thread": {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "JOBS_RUNNER": "thread"},
        "celery hand-over": {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "JOBS_RUNNER": "celery",
                             "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0", "CELERY_QUEUE": "mm-bench-unconsumed"},
    }
    app = make_app(folder)
    with app.app_context():
        db.drop_all()
        db.create_all()
        create_user("bench@example.org", "Bench User", "correct horse battery")
        db.session.commit()
    results = {}
    client = app.test_client()
    for _round in range(3):  # interleaved rounds, so that load changes hit every mode alike
        for name, settings in modes.items():
            app.config.update({"JOBS_RUNNER": None, "CELERY_BROKER_URL": None, **settings})
            times = []
            for _ in range(count // 3):
                time.sleep(gap)
                start = time.perf_counter()
                response = client.post("/account/forgot-password", data={"email": "bench@example.org"})
                times.append(time.perf_counter() - start)
                assert response.status_code == 302
            results.setdefault(name, []).extend(times)
    time.sleep(2)  # let the last delivery threads finish
    import redis

    redis.Redis().delete("mm-bench-unconsumed", "_kombu.binding.mm-bench-unconsumed")
    return {name: statistics.median(times) * 1000 for name, times in results.items()}


def drain_rate(folder: Path, smtp: SMTPServer, deliverers: int) -> float:
    app = make_app(folder, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, JOBS_RUNNER="off")
    with app.app_context():
        db.create_all()
        db.session.execute(db.delete(OutboxMessage))
        for n in range(MESSAGES):
            services.queue_message(f"p{n}@example.org", "sign_in_link", language="en",
                                   user=type("U", (), {"name": f"P {n}"}), link=f"http://x/{n}", hours=24)
        db.session.commit()

    def work():
        with app.app_context():
            while services.deliver_due(limit=100)["claimed"]:
                pass

    start = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(deliverers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return MESSAGES / (time.perf_counter() - start)


def main() -> None:
    smtp = SMTPServer().start()
    for label, count, gap in (("back to back", REQUESTS, 0.0), (f"{GAP} s apart", SPACED, GAP)):
        with tempfile.TemporaryDirectory() as tmp:
            medians = request_medians(Path(tmp), smtp, count, gap)
        baseline = medians["held (baseline)"]
        print(f"forgot-password POST, {label}, median of {count // 3 * 3} requests per mode:")
        for name, median in medians.items():
            print(f"  {name:18} {median:7.1f} ms  {median / baseline:5.2f}x")
    for deliverers in (1, 2):
        smtp.messages.clear()
        with tempfile.TemporaryDirectory() as tmp:
            rate = drain_rate(Path(tmp), smtp, deliverers)
        assert len(smtp.messages) == MESSAGES, len(smtp.messages)
        print(f"deliver_due, {deliverers} deliverer(s): {rate:6.0f} messages/s ({MESSAGES} messages, each sent once)")
    smtp.stop()


if __name__ == "__main__":
    main()
