"""Two deliverers at once (threads on a database both can open: a SQLite file or PostgreSQL) send each message once."""
import threading

from meeting_manager.extensions import db
from meeting_manager.mail import services
from meeting_manager.mail.models import MessageStatus, OutboxMessage

MESSAGES = 30


def test_two_concurrent_deliverers_send_each_message_exactly_once(shared_db_app, smtp_server):
    app = shared_db_app
    smtp_server.configure(app)
    smtp_server.delay = 0.01  # each message takes a while, so that the two passes overlap
    for n in range(MESSAGES):
        services.queue_message(f"person{n}@example.org", "sign_in_link", language="en", kind="sign_in",
                               user=type("U", (), {"name": f"Person {n}"}), link=f"http://x/{n}", hours=24)
    db.session.commit()
    db.session.remove()

    start = threading.Barrier(2)
    results, errors = [], []

    def deliverer():
        with app.app_context():
            try:
                start.wait()
                results.append(services.deliver_due(limit=100))
            except Exception as error:  # reported below
                errors.append(error)

    threads = [threading.Thread(target=deliverer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(r["sent"] for r in results) == MESSAGES
    ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == MESSAGES and len(set(ids)) == MESSAGES
    assert sorted(r[0] for r in smtp_server.recipients) == sorted(f"person{n}@example.org" for n in range(MESSAGES))
    rows = db.session.scalars(db.select(OutboxMessage)).all()
    assert {(m.status, m.attempts) for m in rows} == {(MessageStatus.sent, 1)}


def test_without_a_broker_delivery_starts_in_a_thread_after_commit(shared_db_app, smtp_server):
    """The default without Celery: committing a queued message starts a delivery thread; nobody calls deliver_due."""
    import time

    app = shared_db_app
    smtp_server.configure(app)
    app.config["JOBS_RUNNER"] = "thread"
    services.queue_message("someone@example.org", "sign_in_link", language="en", kind="sign_in",
                           user=type("U", (), {"name": "Someone"}), link="http://x/1", hours=24)
    db.session.commit()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        db.session.rollback()
        db.session.expire_all()
        if db.session.scalar(db.select(OutboxMessage.status)) == MessageStatus.sent:
            break
        time.sleep(0.05)
    assert len(smtp_server.messages) == 1
    assert db.session.scalar(db.select(OutboxMessage.status)) == MessageStatus.sent
