"""After an outage the waiting messages go as soon as the server is back, not after their back-off; the outbox
says how many wait and why; held messages are released by an admin in one step, with a count and a preview."""
from meeting_manager.mail import services
from meeting_manager.mail.models import MessageStatus
from meeting_manager.models_base import utcnow


def queue(count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        services.queue_message(f"person{n}@example.org", "sign_in_link", language="en", kind="sign_in",
                               user=type("U", (), {"name": f"Person {n}"}), link="http://x/link", hours=24)


def test_waiting_messages_go_at_once_when_a_delivery_succeeds_again(app, db, smtp_server, outbox):
    smtp_server.configure(app)
    smtp_server.stop()
    queue(20)
    db.session.commit()
    assert services.deliver_due()["failed"] == 20  # the server is down: each waits for its back-off
    assert all(m.status == MessageStatus.queued and m.next_attempt_at > utcnow() for m in outbox())

    smtp_server.start()
    queue(1, start=20)  # the first message after the outage
    db.session.commit()
    services.deliver_outbox()

    assert {m.status for m in outbox()} == {MessageStatus.sent}
    assert len(smtp_server.messages) == 21


def test_the_periodic_pass_finds_the_server_back_with_nothing_due(app, db, smtp_server, outbox):
    smtp_server.configure(app)
    smtp_server.stop()
    queue(3)
    db.session.commit()
    services.deliver_due()
    smtp_server.start()

    assert services.deliver_due()["claimed"] == 0  # nothing due, and a plain pass does not ask the server
    services.deliver_outbox()  # the periodic pass (beat, `flask mail deliver --loop`) does

    assert {m.status for m in outbox()} == {MessageStatus.sent}


def test_a_message_refused_for_now_keeps_its_back_off(app, db, smtp_server, outbox):
    smtp_server.configure(app)
    smtp_server.rcpt_reply = "451 4.7.1 Greylisted, try again later"
    queue(1)
    db.session.commit()
    services.deliver_due()
    smtp_server.rcpt_reply = None
    queue(1, start=1)
    db.session.commit()
    services.deliver_outbox()
    refused, fresh = outbox()
    assert fresh.status == MessageStatus.sent
    assert refused.status == MessageStatus.queued and refused.next_attempt_at > utcnow()


def test_the_outbox_says_how_many_wait_and_why(app, db, client, auth, admin, smtp_server):
    smtp_server.configure(app)
    smtp_server.stop()
    queue(20)
    db.session.commit()
    services.deliver_due()
    auth.sign_in(admin)
    page = client.get("/outbox/").text
    assert "20 messages wait for their next attempt because the mail server could not be reached" in page

    smtp_server.start()
    assert client.post("/outbox/release-waiting").status_code == 303
    assert len(smtp_server.messages) == 20
    assert "could not be reached" not in client.get("/outbox/").text


def test_an_admin_releases_the_held_messages_in_one_step(app, db, client, auth, admin, smtp_server, outbox):
    queue(3)  # no mail server yet: held
    db.session.commit()
    assert {m.status for m in outbox()} == {MessageStatus.held}
    smtp_server.configure(app)
    auth.sign_in(admin)

    assert "Send the 3 held messages" in client.get("/outbox/").text
    preview = client.get("/outbox/held").text
    assert "3 messages were kept in the outbox" in preview
    assert all(f"person{n}@example.org" in preview for n in range(3))
    assert "Send all 3 messages now" in preview

    assert client.post("/outbox/held/release").status_code == 303
    assert {m.status for m in outbox()} == {MessageStatus.sent}
    assert len(smtp_server.messages) == 3
    assert client.post("/outbox/held/release").status_code == 303  # again: nothing is sent twice
    assert len(smtp_server.messages) == 3


def test_held_messages_stay_while_no_mail_server_is_configured(app, db, client, auth, admin, outbox):
    queue(2)
    db.session.commit()
    auth.sign_in(admin)
    assert "No mail server is configured" in client.get("/outbox/held").text
    client.post("/outbox/held/release")
    assert {m.status for m in outbox()} == {MessageStatus.held}
