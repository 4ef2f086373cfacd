"""A person's own data and sessions (export, erasure request, sign out everywhere), and the admin's erasure queue."""
from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ..access import ADMIN, SIGNED_IN, allow
from ..extensions import db
from . import services
from .models import ErasureRequest

bp = Blueprint("privacy", __name__)


def _me():
    return current_user._get_current_object()


@bp.route("/account/privacy")
@allow(SIGNED_IN)
def account():
    """Your data and your sessions: download everything held about you, ask for erasure, sign out everywhere."""
    pending = next((r for r in services.pending_erasure_requests() if r.user_id == current_user.id), None)
    return render_template("privacy/account.html", pending=pending)


@bp.route("/account/privacy/my-data.zip")
@allow(SIGNED_IN)
def download():
    archive = services.export_archive(_me())
    db.session.commit()  # the export is audited
    return Response(archive, mimetype="application/zip", headers={
        "Content-Disposition": 'attachment; filename="my-data.zip"', "Cache-Control": "no-store"})


@bp.route("/account/privacy/erasure", methods=["POST"])
@allow(SIGNED_IN)
def request_erasure():
    services.request_erasure(_me())
    db.session.commit()
    flash(_("Your request is received. An administrator erases your data and writes to you; data that must be "
            "kept for a meeting under way is kept until it ends."), "success")
    return redirect(url_for("privacy.account"), 303)


@bp.route("/admin/erasure")
@allow(ADMIN)
def erasure_requests():
    """Requests for erasure that wait for an admin."""
    return render_template("privacy/requests.html", requests=services.pending_erasure_requests())


@bp.route("/admin/erasure/<int:request_id>/erase", methods=["POST"])
@allow(ADMIN)
def erase(request_id: int):
    erasure = db.get_or_404(ErasureRequest, request_id)
    if erasure.erased_at is not None or erasure.user is None:
        flash(_("This request was handled already."), "info")
        return redirect(url_for("privacy.erasure_requests"), 303)
    own = erasure.user_id == current_user.id
    counts = services.erase_person(erasure.user.email, actor=_me(), request=erasure)
    db.session.commit()
    if own:
        logout_user()
    flash(_("Erased: %(summary)s.", summary=", ".join(f"{what} {count}" for what, count in counts.items())),
          "success")
    return redirect(url_for("privacy.erasure_requests" if not own else "meetings.index"), 303)
