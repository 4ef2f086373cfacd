"""The admin's outbox: filter by status, attempts and errors, send again (audited); admins only."""
from datetime import timedelta

import pytest

from meeting_manager.accounts import services as accounts
from meeting_manager.audit.models import AuditEvent
from meeting_manager.mail import services
from meeting_manager.mail.models import MessageStatus
from meeting_manager.models_base import utcnow


@pytest.fixture
def failed_message(app, db, participant, smtp_server, outbox):
    """A password-reset message that failed after its last retry (the server was down all along)."""
    smtp_server.configure(app)
    smtp_server.stop()
    accounts.request_password_reset(participant.email)
    db.session.commit()
    [message] = outbox()
    for _ in range(len(services.RETRY_DELAYS) + 1):
        message.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        services.deliver_due()
    assert message.status == MessageStatus.failed
    return message


def test_outbox_shows_a_failed_message_with_attempts_and_error(client, auth, admin, failed_message):
    auth.sign_in(admin)
    html = client.get("/outbox/?status=failed").get_data(as_text=True)
    assert "Reset your password" in html
    assert f">{len(services.RETRY_DELAYS) + 1}<" in html  # attempts
    assert "ConnectionRefusedError" in html
    assert f'action="/outbox/{failed_message.id}/retry"' in html

    page = client.get(f"/outbox/{failed_message.id}").get_data(as_text=True)
    assert "ConnectionRefusedError" in page and failed_message.rfc_message_id.strip("<>") in page


def test_status_filter_shows_only_that_status(app, db, client, auth, admin, failed_message, participant, outbox):
    app.config["MAIL_SERVER"] = None
    services.queue_message("held@example.org", "password_reset", language="en", user=participant,
                           link="http://x/held", hours=2)
    db.session.commit()
    auth.sign_in(admin)
    failed_page = client.get("/outbox/?status=failed").get_data(as_text=True)
    held_page = client.get("/outbox/?status=held").get_data(as_text=True)
    everything = client.get("/outbox/").get_data(as_text=True)
    assert participant.email in failed_page and "held@example.org" not in failed_page
    assert "held@example.org" in held_page and participant.email not in held_page
    assert participant.email in everything and "held@example.org" in everything
    assert client.get("/outbox/?status=nonsense").status_code == 200


def test_retry_now_sends_a_failed_message_and_is_audited(app, db, client, auth, admin, failed_message, smtp_server):
    smtp_server.start()
    auth.sign_in(admin)
    response = client.post(f"/outbox/{failed_message.id}/retry", data={"status": "failed"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/outbox/?status=failed")
    # Committing the retry starts delivery (at the end of the request, in tests): the message arrives.
    assert failed_message.status == MessageStatus.sent
    assert failed_message.attempts == 1  # a fresh round of retries, and this was its first attempt
    assert len(smtp_server.messages) == 1
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "mail.retry"))
    assert event.actor_id == admin.id and event.subject_id == failed_message.id
    assert event.details == {"status": "failed", "attempts": len(services.RETRY_DELAYS) + 1}


def test_retry_all_failed(app, db, client, auth, admin, failed_message, smtp_server):
    auth.sign_in(admin)
    response = client.post("/outbox/retry-failed", follow_redirects=True)
    assert "1 failed messages will be sent again." in response.get_data(as_text=True)
    # The server is still down: the message is queued again, with a fresh round of retries.
    assert (failed_message.status, failed_message.attempts) == (MessageStatus.queued, 1)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "mail.retry_failed"))
    assert event.details == {"count": 1}


def test_a_sent_message_cannot_be_sent_again(app, db, client, auth, admin, participant, smtp_server, outbox):
    smtp_server.configure(app)
    accounts.request_password_reset(participant.email)
    db.session.commit()
    services.deliver_due()
    [message] = outbox()
    auth.sign_in(admin)
    page = client.get(f"/outbox/{message.id}").get_data(as_text=True)
    assert "Retry now" not in page
    response = client.post(f"/outbox/{message.id}/retry", headers={"Referer": f"http://localhost/outbox/{message.id}"},
                           follow_redirects=True)
    assert "Only a queued, failed or held message can be sent again." in response.get_data(as_text=True)
    assert len(smtp_server.messages) == 1
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "mail.retry")) is None


def test_held_messages_cannot_be_sent_without_a_server(app, db, client, auth, admin, participant, outbox):
    accounts.request_password_reset(participant.email)
    db.session.commit()
    [message] = outbox()
    auth.sign_in(admin)
    page = client.get("/outbox/").get_data(as_text=True)
    assert "No mail server is configured" in page and "Send now" not in page
    client.post(f"/outbox/{message.id}/retry")
    assert message.status == MessageStatus.held


def test_held_message_is_sent_once_a_server_is_configured(app, db, client, auth, admin, participant, outbox,
                                                          smtp_server):
    accounts.request_password_reset(participant.email)
    db.session.commit()
    [message] = outbox()
    smtp_server.configure(app)
    auth.sign_in(admin)
    assert "Send now" in client.get("/outbox/").get_data(as_text=True)
    client.post(f"/outbox/{message.id}/retry", data={"message_id": message.id})
    assert message.status == MessageStatus.sent and len(smtp_server.messages) == 1


@pytest.mark.parametrize("who", ["participant", "organiser", "staff"])
def test_only_admins_see_the_outbox(request, client, auth, who, failed_message):
    auth.sign_in(request.getfixturevalue(who))
    assert client.get("/outbox/").status_code == 403
    assert client.get(f"/outbox/{failed_message.id}").status_code == 403
    assert client.post(f"/outbox/{failed_message.id}/retry").status_code == 403
    assert client.post("/outbox/retry-failed").status_code == 403
    assert failed_message.status == MessageStatus.failed


def test_signed_out_visitors_are_sent_to_sign_in(client, failed_message):
    assert client.get("/outbox/").status_code == 302
