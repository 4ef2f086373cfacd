"""Mail: every message is written to the outbox first, then sent over SMTP with retries and back-off.

Without MAIL_SERVER a message is `held` in the outbox, where an admin can read it in the app. With one, a message
is `queued`; once the transaction that queued it commits, delivery starts in the background (a thread of the web
process, or a Celery task: see `jobs.dispatch`), so that no request waits for the mail server. Messages that
failed wait for their next attempt (RETRY_DELAYS); a periodic pass sends them: `flask mail deliver --loop` beside
the web server, or Celery beat.

Several deliverers may run at once (web threads, the loop, Celery workers on many hosts): each message is claimed
by one of them (`queued` -> `sending`, an UPDATE that only one can win) before it is sent, so none goes out twice.
A message left in `sending` by a process that died goes back to `queued` after STUCK_AFTER; that message may
then be sent twice (at least once, never lost), which is why every attempt carries the same Message-ID.

After an outage (the server could not be reached: its messages' last error starts with OUTAGE), the messages
waiting for their back-off are released at once when a delivery succeeds again, or when the periodic pass finds
the server answering again: they do not wait up to 12 hours for a server that is back. A message the server
refused for now (a 4xx answer, e.g. greylisting) keeps its back-off. Held messages (kept while no mail server was
configured) are released by an admin in one step (`release_held`).
"""
import logging
import smtplib
import threading
from datetime import timedelta
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from flask import current_app, render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import delete, func, select, update

from ..audit.services import record
from ..errors import DomainError
from ..extensions import db
from ..i18n_text import tr_text
from ..jobs.dispatch import run_after_commit, task
from ..languages.catalog import direction, html_tag
from ..models_base import utcnow
from ..names import Purpose, render_name
from ..reference.country_names import language_of
from ..signals import erasing_person, mail_attachment_wanted, mail_composing
from .models import MessageStatus, OutboxMessage

log = logging.getLogger(__name__)

#: minutes to wait before each retry; after the last one the message is marked failed
RETRY_DELAYS = (1, 5, 15, 60, 240, 720)
#: a message claimed longer ago than this was left by a process that died: it is tried again
STUCK_AFTER = timedelta(minutes=10)
#: messages claimed by one pass; a deliverer keeps going while passes come back full
BATCH = 100
#: bodies in UTF-8, quoted-printable: 7-bit safe, and still readable in a raw dump
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP
#: errors after which a message is tried again later: the server is down, busy or refused it for now
TRANSIENT = (OSError, smtplib.SMTPException)
#: how the last error of a message starts when the server could not be reached at all (not a refusal)
OUTAGE = "Mail server unreachable"


class RetryRefused(DomainError):
    message = _l("This message cannot be sent again.")


def queue_message(recipient: str, template: str, *, language: str | None, kind: str = "", meeting_id: int | None = None,
                  recipient_name: str = "", attachments: list | None = None, **context) -> OutboxMessage:
    """Render templates/emails/<template>.subject.txt/.txt/.html in the recipient's `language` and store the
    message; it is sent after commit.

    `language` is the recipient's, never the request's: whoever causes a message (an organiser deciding, another
    participant giving a place back) may read another language than the person it goes to. None (nobody knows
    it): English.
    A message about a meeting takes that meeting's look, sender name, reply-to and (if its organisers wrote one)
    their own text for this kind of message, from whoever answers `mail_composing`."""
    language = language_of(language)
    with force_locale(language):
        look = _meeting_look(meeting_id, template, language)
        subject, text_body, html = _render(template, look, context)
        html = html_document(html, subject, look.get("layout"), language)
    message = OutboxMessage(
        recipient=recipient,
        recipient_name=" ".join(recipient_name.split())[:200],
        subject=subject,
        text_body=text_body,
        html_body=html,
        rfc_message_id=make_msgid(domain=_sender_domain()),
        status=MessageStatus.queued if current_app.config.get("MAIL_SERVER") else MessageStatus.held,
        kind=kind,
        meeting_id=meeting_id,
        sender_name=(look.get("sender_name") or "")[:120],
        reply_to=(look.get("reply_to") or "")[:254],
        attachments=list(attachments or ()),
    )
    db.session.add(message)
    if message.status == MessageStatus.queued:
        run_after_commit("mail.deliver")
    return message


def _render(template: str, look: dict, context: dict) -> tuple[str, str, str]:
    """Subject (one line), text and HTML fragment: the organisers' own text if they wrote one, else ours."""
    context = {**context, "layout": look.get("layout"), "text_language": look.get("text_language")}
    if look.get("text"):
        subject, text_body, html = custom_parts(look["text"], context)
    else:
        subject = render_template(f"emails/{template}.subject.txt", **context)
        text_body = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", **context)
    # One line (a header), and within the column: a long meeting title must not make the INSERT fail.
    return " ".join(subject.split())[:300], text_body, html


def _meeting_look(meeting_id: int | None, template: str, language: str) -> dict:
    """What the meeting's mail feature says about this message (empty when there is no meeting or no answer)."""
    if meeting_id is None:
        return {}
    look: dict = {}
    for _receiver, answer in mail_composing.send(meeting_id, template=template, locale=language):
        look |= answer or {}
    return look


def custom_parts(text, context: dict) -> tuple[str, str, str]:
    """An organiser's own subject and body (placeholders filled in), in the standard salutation and links."""
    subject, body = (fill_placeholders(part, context) for part in text)
    return (subject, render_template("emails/_custom.txt", body=body, **context),
            render_template("emails/_custom.html", body=body, **context))


#: what an organiser's text may name, and where the value comes from in a message's context
PLACEHOLDERS = ("name", "meeting", "start", "end", "deadline")


def fill_placeholders(text: str, context: dict) -> str:
    """{name}, {meeting}, {start}, {end}, {deadline} in an organiser's text, filled in (others are left as typed)."""
    meeting, registration = context.get("meeting"), context.get("registration")
    values = {
        "name": render_name(registration, Purpose.formal) if registration is not None else "",
        "meeting": tr_text(meeting, "title") if meeting is not None else "",
        "start": format_date(meeting.starts_on, "long") if meeting is not None else "",
        "end": format_date(meeting.ends_on, "long") if meeting is not None else "",
        "deadline": context.get("deadline_text", ""),
    }
    for key in PLACEHOLDERS:
        text = text.replace("{" + key + "}", values[key])
    return text


def html_document(html: str, subject: str, layout: dict | None, language: str) -> str:
    """Wrap a template's HTML fragment in a complete document (language, direction, charset) and, for a
    meeting's message, its layout: name and logo, colours, the organisers' contact."""
    if "<html" in html[:500].lower():
        return html
    return render_template("mail/email.html", body=Markup(html), subject=subject, lang=html_tag(language),
                           layout=layout, dir=direction(language))


def _sender_domain() -> str:
    address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]
    return address.rpartition("@")[2] or "localhost"


def build_email(message: OutboxMessage) -> Message:
    """The message as it goes over SMTP: plain text plus HTML alternative, UTF-8 headers in any script.

    Built with the email package's classic API: its RFC 2047 encoding keeps every space of a long subject in any
    script, where EmailMessage's folding (Python 3.11) drops a space that falls between two encoded words.
    """
    email = MIMEMultipart("alternative") if message.html_body else MIMEText(message.text_body, "plain", _UTF8)
    if message.html_body:
        email.attach(MIMEText(message.text_body, "plain", _UTF8))
        email.attach(MIMEText(message.html_body, "html", _UTF8))
    if files := _attachment_files(message):
        body, email = email, MIMEMultipart("mixed")
        email.attach(body)
        for filename, mime_type, content in files:
            part = MIMEApplication(content, mime_type.partition("/")[2])
            part.replace_header("Content-Type", f'{mime_type}; name="{filename}"')
            part.add_header("Content-Disposition", "attachment", filename=filename)
            email.attach(part)
    sender_name, sender = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    # The meeting's name for its sender, but always the installation's address: its relay may send for that one.
    email["From"] = formataddr((message.sender_name or sender_name, sender), charset="utf-8")
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["To"] = formataddr((message.recipient_name, _ascii_domain(message.recipient)), charset="utf-8")
    email["Subject"] = Header(message.subject, "utf-8", header_name="Subject")
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = message.rfc_message_id or make_msgid(domain=_sender_domain())
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies should not answer
    return email


def _attachment_files(message: OutboxMessage) -> list[tuple[str, str, bytes]]:
    """The message's attachments, made now from their recipes (a file that can no longer be made is left out)."""
    files = []
    for recipe in message.attachments or ():
        for _receiver, made in mail_attachment_wanted.send(recipe.get("kind", ""), ref=recipe.get("id")):
            if made:
                files.append(made)
    return files


def _ascii_domain(address: str) -> str:
    """The address with an internationalised domain name in its ASCII (punycode) form."""
    local, at, domain = address.rpartition("@")
    try:
        return f"{local}{at}{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return address


def _smtp() -> smtplib.SMTP:
    config = current_app.config
    connect = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    smtp = connect(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config.get("MAIL_TIMEOUT", 10))
    try:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        smtp.close()
        raise
    return smtp


def _describe(error: BaseException) -> str:
    """The error for the outbox: its SMTP code and text, without the recipient list smtplib puts in some."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = {f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
                 for code, text in error.recipients.values()}
        return f"Recipient refused: {'; '.join(sorted(codes))}"[:500]
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"{type(error).__name__}: {error.smtp_code} {text}"[:500]
    return f"{type(error).__name__}: {error}"[:500]


def _is_permanent(error: BaseException) -> bool:
    """A 5xx refusal of the recipient (no such mailbox): retrying cannot help. Anything else may pass later."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return False


def _is_outage(error: BaseException) -> bool:
    """The server could not be reached or dropped the line: nothing about this message made it fail."""
    if isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def _record_failure(message: OutboxMessage, error: BaseException) -> None:
    message.attempts += 1
    message.last_error = f"{OUTAGE}: {_describe(error)}"[:500] if _is_outage(error) else _describe(error)
    message.claimed_at = None
    if _is_permanent(error) or message.attempts > len(RETRY_DELAYS):
        message.status = MessageStatus.failed
    else:
        message.status = MessageStatus.queued
        message.next_attempt_at = utcnow() + timedelta(minutes=RETRY_DELAYS[message.attempts - 1])


def _record_unsendable(message: OutboxMessage, error: BaseException) -> None:
    message.attempts += 1
    message.status, message.claimed_at = MessageStatus.failed, None
    message.last_error = f"The message could not be built ({type(error).__name__}); check its address."


def _record_sent(message: OutboxMessage) -> None:
    message.attempts += 1
    message.status, message.sent_at, message.claimed_at = MessageStatus.sent, utcnow(), None


def recover_stuck() -> int:
    """Put back in the queue the messages claimed by a deliverer that died (claimed over STUCK_AFTER ago)."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.sending, OutboxMessage.claimed_at < utcnow() - STUCK_AFTER)
        .values(status=MessageStatus.queued, claimed_at=None, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


def _claim_due(limit: int) -> list[int]:
    """Claim up to `limit` due messages for this deliverer; a message claimed by another one is skipped."""
    now = utcnow()
    due = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == MessageStatus.queued, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    claimed = []
    for message_id in due:
        # Only one concurrent UPDATE can move a row out of `queued` (PostgreSQL re-checks the WHERE after the row
        # lock; SQLite has one writer at a time): whoever changed the row owns it.
        result = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == MessageStatus.queued)
            .values(status=MessageStatus.sending, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    db.session.commit()
    return claimed


def _waiting_after_outage():
    return (OutboxMessage.status == MessageStatus.queued, OutboxMessage.next_attempt_at > utcnow(),
            OutboxMessage.last_error.like(f"{OUTAGE}%"))


def release_after_outage() -> int:
    """The server takes mail again: the messages waiting for their back-off after an outage are due now."""
    result = db.session.execute(
        update(OutboxMessage).where(*_waiting_after_outage()).values(next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount:
        log.info("Mail server reachable again: %s waiting messages released", result.rowcount)
        _more.set()  # a running deliver_outbox makes another pass for them
        _released.set()
    return result.rowcount


def send_waiting_now(*, actor) -> int:
    """An admin's "send now" for the messages waiting after an outage; they are sent after commit."""
    result = db.session.execute(
        update(OutboxMessage).where(*_waiting_after_outage()).values(next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    record("mail.send_waiting", actor=actor, count=result.rowcount)
    run_after_commit("mail.deliver")
    return result.rowcount


def take_released() -> bool:
    """Whether messages were released after an outage since the last call (then a deliverer goes on)."""
    released = _released.is_set()
    _released.clear()
    return released


def _probe_after_outage() -> None:
    """Nothing is due, but messages wait after an outage: if the server answers now, release them."""
    waiting = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(*_waiting_after_outage()))
    db.session.rollback()
    if not waiting:
        return
    try:
        _drop(_smtp())
    except TRANSIENT:
        return
    release_after_outage()


def deliver_due(limit: int = BATCH, *, probe: bool = False) -> dict[str, int]:
    """Send the queued messages whose time has come; return counts of those claimed, sent and failed (this pass).

    The first message sent in a pass releases those waiting after an outage; with `probe` (the periodic pass),
    a pass with nothing due asks the server whether it is back when messages wait after an outage."""
    counts = {"claimed": 0, "sent": 0, "failed": 0}
    if not current_app.config.get("MAIL_SERVER"):
        return counts
    recover_stuck()
    claimed = _claim_due(limit)
    if not claimed and probe:
        _probe_after_outage()
        claimed = _claim_due(limit)
    counts["claimed"] = len(claimed)
    smtp = None
    released = False
    try:
        for message_id in claimed:
            message = db.session.get(OutboxMessage, message_id)
            if message is None:  # erased meanwhile (a person's data removed on request)
                continue
            try:
                email = build_email(message)
            except (ValueError, TypeError) as error:  # e.g. a control character in an address: never sendable
                _record_unsendable(message, error)
                counts["failed"] += 1
                db.session.commit()
                continue
            try:
                smtp = smtp or _smtp()
                smtp.send_message(email)
            except TRANSIENT as error:
                _record_failure(message, error)
                counts["failed"] += 1
                log.warning("Mail %s not sent (attempt %s): %s", message.id, message.attempts, type(error).__name__)
                if not isinstance(error, smtplib.SMTPRecipientsRefused):
                    _drop(smtp)  # the connection may be unusable: the next message opens a new one
                    smtp = None
            else:
                _record_sent(message)
                counts["sent"] += 1
            db.session.commit()  # each outcome is kept at once: a crash later cannot make it send twice
            if counts["sent"] and not released:
                released = True
                release_after_outage()
    finally:
        _drop(smtp)
    return counts


def _drop(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.quit()
        except TRANSIENT:
            smtp.close()


_delivering = threading.Lock()
_more = threading.Event()
_released = threading.Event()


@task("mail.deliver")
def deliver_outbox() -> None:
    """Deliver every due message. One pass at a time per process; a call during a pass makes that pass go again."""
    _more.set()
    while _more.is_set():
        if not _delivering.acquire(blocking=False):
            return  # the running pass sees `_more` before it stops
        try:
            while _more.is_set():
                _more.clear()
                while deliver_due(probe=True)["claimed"] >= BATCH:
                    pass
        finally:
            _delivering.release()


def retry_message(message: OutboxMessage, *, actor) -> None:
    """Send a queued, failed or held message at once (a failed one gets a fresh round of retries)."""
    if not message.can_retry:
        raise RetryRefused(_("Only a queued, failed or held message can be sent again."))
    if not current_app.config.get("MAIL_SERVER"):
        raise RetryRefused(_("No mail server is configured: messages stay in the outbox."))
    record("mail.retry", actor=actor, subject=message, status=message.status.value, attempts=message.attempts)
    _requeue(message)


def retry_failed(*, actor) -> int:
    """Queue every failed message again (after an outage); returns how many."""
    if not current_app.config.get("MAIL_SERVER"):
        raise RetryRefused(_("No mail server is configured: messages stay in the outbox."))
    failed = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == MessageStatus.failed)).all()
    for message in failed:
        _requeue(message)
    record("mail.retry_failed", actor=actor, count=len(failed))
    return len(failed)


def _requeue(message: OutboxMessage) -> None:
    if message.status == MessageStatus.failed:
        message.attempts = 0
    message.status, message.next_attempt_at, message.claimed_at = MessageStatus.queued, utcnow(), None
    run_after_commit("mail.deliver")


def waiting_summary() -> dict[str, dict]:
    """The queued messages waiting for a retry, by why: {"outage" | "refused": {"count", "next_at"}}."""
    now = utcnow()
    outage = OutboxMessage.last_error.like(f"{OUTAGE}%")
    summary = {}
    for reason, condition in (("outage", outage), ("refused", ~outage)):
        count, next_at = db.session.execute(
            select(func.count(), func.min(OutboxMessage.next_attempt_at)).where(
                OutboxMessage.status == MessageStatus.queued, OutboxMessage.next_attempt_at > now,
                OutboxMessage.attempts > 0, condition)
        ).one()
        summary[reason] = {"count": count, "next_at": next_at}
    return summary


def list_held(limit: int = 10) -> tuple[int, list[OutboxMessage]]:
    """How many messages are held, and the oldest of them, for the preview before releasing them."""
    count = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.status == MessageStatus.held))
    oldest = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == MessageStatus.held)
                                .order_by(OutboxMessage.id).limit(limit)).all()
    return count, oldest


def release_held(*, actor) -> int:
    """Queue every held message (kept while no mail server was configured) for sending now; returns how many."""
    if not current_app.config.get("MAIL_SERVER"):
        raise RetryRefused(_("No mail server is configured: messages stay in the outbox."))
    held = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == MessageStatus.held)).all()
    for message in held:
        _requeue(message)
    record("mail.release_held", actor=actor, count=len(held))
    return len(held)


def count_by_status() -> dict[MessageStatus, int]:
    """How many messages the outbox holds in each status."""
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return dict.fromkeys(MessageStatus, 0) | dict(rows.all())


def list_messages(status: MessageStatus | None = None, *, before: int | None = None, limit: int = 100):
    """The newest messages first, optionally of one status and older than message `before`."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    if before is not None:
        query = query.where(OutboxMessage.id < before)
    return db.session.scalars(query).all()


def purge_sent(older_than_days: int) -> int:
    """Delete the sent messages older than N days (they hold personal data and links); returns how many."""
    result = db.session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.sent,
               OutboxMessage.sent_at < utcnow() - timedelta(days=older_than_days))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


@erasing_person.connect
def _erase_mail(email: str) -> dict[str, int]:
    """Messages to the address (names, links, details) go from the outbox."""
    found = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email)))
    for message in found:
        db.session.delete(message)
    return {"messages": len(found)}
