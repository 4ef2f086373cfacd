"""The outbox, for admins: every message, its status and its last error."""
from flask import Blueprint, render_template
from sqlalchemy import select

from ..access import ADMIN, allow
from ..extensions import db
from .models import OutboxMessage

bp = Blueprint("mail", __name__, url_prefix="/outbox")


@bp.route("/")
@allow(ADMIN)
def outbox():
    """The latest messages, newest first."""
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(300)).all()
    return render_template("mail/outbox.html", messages=messages)


@bp.route("/<int:message_id>")
@allow(ADMIN)
def message(message_id: int):
    """One message as it was (or will be) sent."""
    return render_template("mail/message.html", message=db.get_or_404(OutboxMessage, message_id))
