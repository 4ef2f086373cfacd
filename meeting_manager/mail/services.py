"""Mail: every message is written to the outbox first, then sent over SMTP with retries and back-off.

Without MAIL_SERVER the message is held in the outbox, where an admin can read it in the app.
"""
import smtplib
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app, render_template
from sqlalchemy import select

from ..extensions import db
from ..models_base import utcnow
from .models import MessageStatus, OutboxMessage

#: minutes to wait before each retry; after the last one the message is marked failed
RETRY_DELAYS = (1, 5, 15, 60, 240, 720)


def queue_message(recipient: str, template: str, *, kind: str = "", meeting_id: int | None = None, **context):
    """Render templates/emails/<template>.txt/.html/.subject and store the message; it is sent after commit."""
    subject = render_template(f"emails/{template}.subject.txt", **context).strip()
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        text_body=render_template(f"emails/{template}.txt", **context),
        html_body=render_template(f"emails/{template}.html", **context),
        status=MessageStatus.queued if current_app.config.get("MAIL_SERVER") else MessageStatus.held,
        kind=kind,
        meeting_id=meeting_id,
    )
    db.session.add(message)
    return message


def _build_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = f"<outbox-{message.id}@meeting-manager>"
    email.set_content(message.text_body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    return email


def _smtp():
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10)
    if config.get("MAIL_USE_TLS"):
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return smtp


def _record_failure(message: OutboxMessage, error: Exception) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:500]
    if message.attempts > len(RETRY_DELAYS):
        message.status = MessageStatus.failed
    else:
        message.next_attempt_at = utcnow() + timedelta(minutes=RETRY_DELAYS[message.attempts - 1])


def deliver_due(limit: int = 100) -> dict[str, int]:
    """Try to send the queued messages whose time has come; commit after each so none is sent twice."""
    if not current_app.config.get("MAIL_SERVER"):
        return {"sent": 0, "failed": 0}
    due = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == MessageStatus.queued, OutboxMessage.next_attempt_at <= utcnow())
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    counts = {"sent": 0, "failed": 0}
    if not due:
        return counts
    try:
        smtp = _smtp()
    except (OSError, smtplib.SMTPException) as error:
        for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(due))):
            _record_failure(message, error)
        db.session.commit()
        counts["failed"] = len(due)
        return counts
    with smtp:
        for message_id in due:
            message = db.session.get(OutboxMessage, message_id)
            try:
                smtp.send_message(_build_email(message))
            except (OSError, smtplib.SMTPException) as error:
                _record_failure(message, error)
                counts["failed"] += 1
            else:
                message.status, message.sent_at = MessageStatus.sent, utcnow()
                message.attempts += 1
                counts["sent"] += 1
            db.session.commit()
    return counts
