"""The audit log, for admins."""
from flask import Blueprint, render_template, request
from sqlalchemy import select

from ..access import ADMIN, allow
from ..extensions import db
from .models import AuditEvent

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@allow(ADMIN)
def log():
    """The latest audit events, newest first, optionally for one action."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(500)
    if action := request.args.get("action"):
        query = query.where(AuditEvent.action == action)
    return render_template("audit/log.html", events=db.session.scalars(query).all())
