"""The outbox, for admins: every message, its status, attempts and last error; sending again on demand."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_pgettext as _lp
from flask_babel import ngettext
from flask_login import current_user

from ..access import ADMIN, allow
from ..extensions import db
from . import services
from .models import MessageStatus, OutboxMessage
from .search import OutboxSearch, kind_choices, kind_label, search_messages

bp = Blueprint("mail", __name__, url_prefix="/outbox")

PAGE = 100
#: what the outbox calls each status
STATUS_LABELS = {  # in context: the word takes a message's gender in many languages (envoyé)
    MessageStatus.queued: _lp("message", "queued"), MessageStatus.sending: _lp("message", "sending"),
    MessageStatus.sent: _lp("message", "sent"), MessageStatus.failed: _lp("message", "failed"),
    MessageStatus.held: _lp("message", "held"),
}


@bp.app_template_filter("mail_kind")
def mail_kind(kind: str) -> str:
    return kind_label(kind)


@bp.app_template_filter("mail_status")
def mail_status(status: MessageStatus) -> str:
    return str(STATUS_LABELS.get(status, status.value))


def _status_filter(value: str | None) -> MessageStatus | None:
    """The status named in the query string; anything else means every status."""
    try:
        return MessageStatus(value)
    except ValueError:
        return None


def _message_id(value: str | None) -> int | None:
    """A message id from the query string; anything a database integer cannot hold means "from the newest"."""
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


@bp.route("/")
@allow(ADMIN)
def outbox():
    """The latest messages, newest first, found by recipient, kind and status, a page at a time."""
    search = OutboxSearch.from_args(request.args)
    status = search.status
    messages = search_messages(search, before=_message_id(request.args.get("before")), limit=PAGE)
    return render_template(
        "mail/outbox.html", messages=messages, status=status, search=search, kinds=kind_choices(),
        status_labels=STATUS_LABELS, counts=(counts := services.count_by_status()),
        failed_count=counts[MessageStatus.failed], waiting=services.waiting_summary(),
        older=messages[-1].id if len(messages) == PAGE else None,
        mail_server=bool(current_app.config.get("MAIL_SERVER")), held_status=MessageStatus.held,
    )


@bp.route("/<int:message_id>")
@allow(ADMIN)
def message(message_id: int):
    """One message as it was (or will be) sent, with its delivery history."""
    return render_template("mail/message.html", message=db.get_or_404(OutboxMessage, message_id),
                           mail_server=bool(current_app.config.get("MAIL_SERVER")))


@bp.route("/<int:message_id>/retry", methods=["POST"])
@allow(ADMIN)
def retry(message_id: int):
    """Send a queued, failed or held message now (audited)."""
    message = db.get_or_404(OutboxMessage, message_id)
    services.retry_message(message, actor=current_user)
    db.session.commit()
    flash(_("The message will be sent now."), "success")
    return _back()


@bp.route("/retry-failed", methods=["POST"])
@allow(ADMIN)
def retry_failed():
    """Queue every failed message again, e.g. after the mail server was down for long (audited)."""
    count = services.retry_failed(actor=current_user)
    db.session.commit()
    flash(_("%(count)s failed messages will be sent again.", count=count), "success")
    return _back()


@bp.route("/held")
@allow(ADMIN)
def held():
    """The held messages (kept while no mail server was configured): how many, the oldest, and a button to send
    them all."""
    count, oldest = services.list_held()
    return render_template("mail/held.html", count=count, oldest=oldest,
                           mail_server=bool(current_app.config.get("MAIL_SERVER")))


@bp.route("/held/release", methods=["POST"])
@allow(ADMIN)
def release_held():
    """Send every held message now (audited)."""
    count = services.release_held(actor=current_user)
    db.session.commit()
    flash(ngettext("%(num)s held message will be sent now.", "%(num)s held messages will be sent now.", count),
          "success")
    return redirect(url_for("mail.outbox"), 303)


@bp.route("/release-waiting", methods=["POST"])
@allow(ADMIN)
def release_waiting():
    """Send now the messages waiting for their next attempt after the mail server was unreachable."""
    count = services.send_waiting_now(actor=current_user)
    db.session.commit()
    flash(ngettext("%(num)s waiting message will be sent now.", "%(num)s waiting messages will be sent now.",
                   count), "success")
    return redirect(url_for("mail.outbox"), 303)


def _back():
    """Back to the list the admin came from (its status filter), or to the message's own page."""
    if message_id := request.form.get("message_id", type=int):
        return redirect(url_for("mail.message", message_id=message_id), 303)
    status = _status_filter(request.form.get("status"))
    return redirect(url_for("mail.outbox", status=status.value if status else None), 303)
