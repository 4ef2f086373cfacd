"""Mail over a real SMTP server (aiosmtpd): stored first, sent after commit, retried with back-off, never twice."""
import re
from datetime import timedelta

import pytest
from jinja2 import ChoiceLoader, DictLoader

from meeting_manager.accounts import services as accounts
from meeting_manager.mail import services
from meeting_manager.mail.models import MessageStatus, OutboxMessage
from meeting_manager.models_base import utcnow

NEW_PASSWORD = "a new and longer passphrase"


@pytest.fixture
def mail_app(app, smtp_server):
    """The test app, sending to the test's SMTP server."""
    smtp_server.configure(app)
    return app


def only_message(outbox) -> OutboxMessage:
    [message] = outbox()
    return message


def make_due(db, message: OutboxMessage) -> None:
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def reset_path(text: str) -> str:
    match = re.search(r"https?://[^/\s]+(/account/reset/[\w-]+)", text)
    assert match, text
    return match.group(1)


def test_password_reset_mail_arrives_with_a_link_that_works(mail_app, db, client, participant, smtp_server, outbox):
    accounts.request_password_reset(participant.email)
    db.session.commit()

    assert services.deliver_due() == {"claimed": 1, "sent": 1, "failed": 0}

    [received] = smtp_server.messages
    assert smtp_server.recipients == [[participant.email]]
    assert received["To"].addresses[0].addr_spec == participant.email
    assert received.get_content_type() == "multipart/alternative"
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    path = reset_path(text)
    assert path in html
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302, response.text
    signed_in = client.post("/account/sign-in", data={"email": participant.email, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    message = only_message(outbox)
    assert (message.status, message.attempts) == (MessageStatus.sent, 1)
    assert message.sent_at is not None


def test_a_request_that_queues_mail_starts_delivery_after_its_commit(mail_app, client, participant, smtp_server):
    """No one calls deliver_due: committing the request's transaction starts delivery."""
    response = client.post("/account/forgot-password", data={"email": participant.email})
    assert response.status_code == 302
    [received] = smtp_server.messages
    assert "/account/reset/" in received.get_body(("plain",)).get_content()


def test_message_has_headers_text_and_html(mail_app, db, participant, smtp_server, outbox):
    accounts.request_password_reset(participant.email)
    db.session.commit()
    services.deliver_due()

    [received] = smtp_server.messages
    stored = only_message(outbox)
    assert received["Message-ID"] == stored.rfc_message_id
    assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", stored.rfc_message_id)
    assert received["Date"].datetime.tzinfo is not None
    assert received["From"].addresses[0].addr_spec == mail_app.config["MAIL_DEFAULT_SENDER"].split("<")[1].rstrip(">")
    assert received["Subject"] == "Reset your password"
    html = received.get_body(("html",))
    assert html.get_content_charset() == "utf-8"
    assert html.get_content().lstrip().lower().startswith("<!doctype html>")


def test_mail_is_kept_and_retried_while_the_server_is_down(mail_app, db, participant, smtp_server, outbox):
    smtp_server.stop()
    accounts.request_password_reset(participant.email)
    db.session.commit()

    assert services.deliver_due() == {"claimed": 1, "sent": 0, "failed": 1}
    message = only_message(outbox)
    assert message.status == MessageStatus.queued
    assert message.attempts == 1
    assert message.next_attempt_at > utcnow()
    assert "ConnectionRefused" in message.last_error

    assert services.deliver_due()["claimed"] == 0  # not due yet: no attempt
    assert only_message(outbox).attempts == 1

    make_due(db, message)
    services.deliver_due()
    message = only_message(outbox)
    assert (message.status, message.attempts) == (MessageStatus.queued, 2)
    second_delay = services.RETRY_DELAYS[1]
    assert message.next_attempt_at > utcnow() + timedelta(minutes=second_delay) - timedelta(seconds=30)

    smtp_server.start()
    services.deliver_due()
    assert smtp_server.messages == []  # the server is up, but the retry is not due yet

    make_due(db, message)
    assert services.deliver_due()["sent"] == 1
    assert services.deliver_due()["claimed"] == 0
    make_due(db, message)  # even made due again, a sent message is not sent again
    assert services.deliver_due()["claimed"] == 0
    assert len(smtp_server.messages) == 1
    assert reset_path(smtp_server.messages[0].get_body(("plain",)).get_content())
    message = only_message(outbox)
    assert (message.status, message.attempts) == (MessageStatus.sent, 3)


def test_after_the_last_retry_the_message_fails(mail_app, db, participant, smtp_server, outbox):
    smtp_server.stop()
    accounts.request_password_reset(participant.email)
    db.session.commit()
    message = only_message(outbox)
    for attempt in range(1, len(services.RETRY_DELAYS) + 1):
        make_due(db, message)
        services.deliver_due()
        assert (message.status, message.attempts) == (MessageStatus.queued, attempt)
    make_due(db, message)
    services.deliver_due()
    assert message.status == MessageStatus.failed
    assert message.attempts == len(services.RETRY_DELAYS) + 1
    make_due(db, message)
    assert services.deliver_due()["claimed"] == 0  # a failed message waits for an admin


@pytest.fixture
def unicode_templates(app):
    """Templates emails/unicode.* whose subject, body and recipient name use several scripts."""
    app.jinja_env.loader = ChoiceLoader([DictLoader({
        "emails/unicode.subject.txt": "{{ title }}\n",
        "emails/unicode.txt": "Bonjour {{ name }}, {{ title }}.\n",
        "emails/unicode.html": "<p>Bonjour {{ name }}, <b>{{ title }}</b>.</p>\n",
    }), app.jinja_env.loader])


SUBJECT = "Réunion mondiale 2026 — 全球会议 — الاجتماع العالمي — Всемирная встреча — ग्लोबल मीटिंग 🌍"
NAME = "Zoë O'Connor-Ångström 中村 أمينة"


def test_non_ascii_subject_name_and_body_arrive_intact(mail_app, db, unicode_templates, smtp_server):
    services.queue_message("zoe@example.org", "unicode", language="en", recipient_name=NAME, name=NAME, title=SUBJECT)
    db.session.commit()
    services.deliver_due()

    [received] = smtp_server.messages
    assert received["Subject"] == SUBJECT
    assert received["To"].addresses[0].display_name == NAME
    assert received["To"].addresses[0].addr_spec == "zoe@example.org"
    assert received.get_body(("plain",)).get_content().rstrip("\n") == f"Bonjour {NAME}, {SUBJECT}."
    html = received.get_body(("html",)).get_content()
    assert f"<b>{SUBJECT}</b>" in html and "Zoë O&#39;Connor-Ångström 中村 أمينة" in html
    raw = received.as_bytes()
    assert all(byte < 128 for byte in raw), "headers and bodies travel encoded (7-bit safe)"


def test_a_recipient_refused_for_good_fails_at_once_without_the_address_in_the_error(
        mail_app, db, participant, smtp_server, outbox):
    smtp_server.rcpt_reply = "550 5.1.1 Mailbox unavailable"
    accounts.request_password_reset(participant.email)
    db.session.commit()
    services.deliver_due()
    message = only_message(outbox)
    assert (message.status, message.attempts) == (MessageStatus.failed, 1)
    assert "550" in message.last_error and participant.email not in message.last_error


def test_a_recipient_refused_for_now_is_retried(mail_app, db, participant, smtp_server, outbox):
    smtp_server.rcpt_reply = "451 4.7.1 Greylisted, try again later"
    accounts.request_password_reset(participant.email)
    db.session.commit()
    services.deliver_due()
    message = only_message(outbox)
    assert (message.status, message.attempts) == (MessageStatus.queued, 1)
    assert "451" in message.last_error

    smtp_server.rcpt_reply = None
    make_due(db, message)
    services.deliver_due()
    assert message.status == MessageStatus.sent and len(smtp_server.messages) == 1


def test_a_message_left_sending_by_a_dead_process_is_sent_later(mail_app, db, make_user, smtp_server, outbox):
    for _ in range(2):  # two people: one address gets one link in a window
        accounts.request_password_reset(make_user().email)
    db.session.commit()
    stuck, busy = outbox()
    stuck.status, stuck.claimed_at = MessageStatus.sending, utcnow() - timedelta(minutes=11)
    busy.status, busy.claimed_at = MessageStatus.sending, utcnow() - timedelta(minutes=1)
    db.session.commit()

    assert services.deliver_due()["sent"] == 1
    assert stuck.status == MessageStatus.sent
    assert busy.status == MessageStatus.sending  # another deliverer may be sending it right now
    assert len(smtp_server.messages) == 1


def test_without_a_mail_server_messages_are_held(app, db, participant, outbox):
    assert not app.config["MAIL_SERVER"]
    accounts.request_password_reset(participant.email)
    db.session.commit()
    assert services.deliver_due() == {"claimed": 0, "sent": 0, "failed": 0}
    message = only_message(outbox)
    assert message.status == MessageStatus.held and "/account/reset/" in message.text_body


def test_a_rolled_back_transaction_leaves_no_message(mail_app, db, participant, smtp_server, outbox):
    accounts.request_password_reset(participant.email)
    db.session.rollback()
    db.session.commit()
    assert outbox() == []
    assert services.deliver_due()["claimed"] == 0 and smtp_server.messages == []


def test_cli_delivers_due_messages(mail_app, db, runner, participant, smtp_server):
    accounts.request_password_reset(participant.email)
    db.session.commit()
    result = runner.invoke(args=["mail", "deliver"])
    assert result.exit_code == 0, result.output
    assert "Sent 1" in result.output
    assert len(smtp_server.messages) == 1


def test_cli_loop_retries_until_stopped(mail_app, db, runner, participant, smtp_server, monkeypatch):
    accounts.request_password_reset(participant.email)
    db.session.commit()
    passes = []

    def sleep(seconds):
        passes.append(seconds)
        if len(passes) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr("meeting_manager.mail.cli.time.sleep", sleep)
    result = runner.invoke(args=["mail", "deliver", "--loop", "--interval", "7"])
    assert result.exit_code == 0, result.output
    assert passes == [7, 7]
    assert len(smtp_server.messages) == 1


def test_cli_says_when_no_server_is_configured(runner):
    result = runner.invoke(args=["mail", "deliver"])
    assert result.exit_code == 0 and "No MAIL_SERVER" in result.output


def test_purge_deletes_old_sent_messages_only(mail_app, db, runner, make_user, smtp_server, outbox):
    from meeting_manager.audit.models import AuditEvent

    for _ in range(3):
        accounts.request_password_reset(make_user().email)
    db.session.commit()
    services.deliver_due()
    old, recent, waiting = outbox()
    old.sent_at = utcnow() - timedelta(days=91)
    waiting.status, waiting.sent_at = MessageStatus.queued, None
    db.session.commit()

    result = runner.invoke(args=["mail", "purge", "--days", "90"])

    assert result.exit_code == 0 and "Deleted 1 sent messages older than 90 days." in result.output
    assert [m.id for m in outbox()] == [recent.id, waiting.id]
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "mail.purge"))
    assert event.details == {"days": 90, "count": 1}


def test_a_very_long_subject_and_name_are_kept_within_their_columns(mail_app, db, unicode_templates, smtp_server):
    title = "Глобальная встреча " * 40
    services.queue_message("zoe@example.org", "unicode", language="en", recipient_name="Zoë\n" * 100, name="Zoë",
                           title=title)
    db.session.commit()  # PostgreSQL refuses a value longer than its column
    services.deliver_due()
    [received] = smtp_server.messages
    assert received["Subject"] == " ".join(title.split())[:300]
    assert "\n" not in received["To"].addresses[0].display_name
