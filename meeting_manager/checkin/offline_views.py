"""The desk app that keeps working offline: its page, web app manifest and service worker, the day's list it
downloads, its sync, and the conflicts staff look at. Routes are on the check-in blueprint."""
import hashlib
import json
from pathlib import Path

from flask import Response, current_app, g, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, user_logged_out
from flask_wtf.csrf import generate_csrf

from ..access import STAFF, allow
from ..errors import DomainError
from ..extensions import db
from ..meetings.loaders import meeting_or_404
from ..models_base import utcnow
from . import offline, services
from .blueprint import bp
from .models import OfflineKind, OfflineOutcome

#: what the service worker keeps so that the desk opens with no network (the page itself is added per meeting)
APP_ASSETS = ("css/app.css", "css/checkin.css", "js/checkin-app.js", "js/camera-scanner.js",
              "vendor/jsqr/jsQR.js", "img/desk-192.png", "img/desk-512.png")


@bp.route("/meetings/<int:meeting_id>/checkin/app/")
@allow(STAFF)
def app(meeting_id: int):
    """The desk app: scan and search on the device's own list, online or not; check-ins sync when online."""
    meeting = meeting_or_404(meeting_id)
    return render_template("checkin/app.html", meeting=meeting,
                           conflicts={code: str(text) for code, text in offline.CONFLICTS.items()},
                           refusals={status.value: str(text) for status, text in services.NOT_ADMITTED.items()})


@bp.route("/meetings/<int:meeting_id>/checkin/app/manifest.webmanifest")
@allow(STAFF)
def app_manifest(meeting_id: int):
    """The web app manifest: the desk installs on a phone or tablet's home screen."""
    meeting = meeting_or_404(meeting_id)
    start = url_for("checkin.app", meeting_id=meeting.id)
    icons = [{"src": url_for("static", filename=f"img/desk-{size}.png"), "sizes": f"{size}x{size}",
              "type": "image/png", "purpose": "any"} for size in (192, 512)]
    manifest = {"name": _("Check-in desk: %(meeting)s", meeting=meeting.title), "short_name": _("Check-in"),
                "start_url": start, "scope": start, "display": "standalone", "orientation": "portrait",
                "background_color": "#ffffff", "theme_color": "#1f5f8b", "icons": icons}
    return Response(json.dumps(manifest, ensure_ascii=False), mimetype="application/manifest+json")


@bp.route("/meetings/<int:meeting_id>/checkin/app/sw.js")
@allow(STAFF)
def app_worker(meeting_id: int):
    """The service worker (served under the app's path, so that its scope is the app): keeps the app's files."""
    meeting = meeting_or_404(meeting_id)
    source = (Path(current_app.static_folder) / "js" / "checkin-sw.js").read_text()
    files = [url_for("checkin.app", meeting_id=meeting.id)] + [url_for("static", filename=f) for f in APP_ASSETS]
    # The cache's name changes with the worker and the files it keeps, so that a new release replaces them.
    version = hashlib.sha256("".join([source, *files]).encode()).hexdigest()[:12]
    head = f"const APP_FILES = {json.dumps(files)};\nconst CACHE = {json.dumps(f'desk-{meeting.id}-{version}')};\n"
    response = Response(head + source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/meetings/<int:meeting_id>/checkin/app/status.json")
@allow(STAFF)
def app_status(meeting_id: int):
    """JSON: the app's probe of the network and the session (a fresh CSRF token for the sync)."""
    meeting = meeting_or_404(meeting_id)
    response = jsonify(signed_in=True, csrf_token=generate_csrf(), now=utcnow().isoformat(),
                       wipe_after=offline.wipe_after(meeting).isoformat())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/meetings/<int:meeting_id>/checkin/app/list.json")
@allow(STAFF)
def app_list(meeting_id: int):
    """JSON: the day's list for this device (people as the desk shows them, hashes of valid badges); audited."""
    meeting = meeting_or_404(meeting_id)
    try:
        data = offline.day_list(meeting, actor=current_user)
    except DomainError as problem:
        return jsonify(message=str(problem.message)), problem.status_code
    db.session.commit()
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"  # personal data: kept only in the app's own storage
    return response


@bp.route("/meetings/<int:meeting_id>/checkin/app/sync", methods=["POST"])
@allow(STAFF)
def app_sync(meeting_id: int):
    """JSON: record the check-ins a device queued (each id once, at the device's time)."""
    meeting = meeting_or_404(meeting_id)
    try:
        answers = offline.sync_check_ins(meeting, request.get_json(silent=True), actor=current_user)
    except DomainError as problem:
        db.session.rollback()
        return jsonify(message=str(problem.message)), 400
    db.session.commit()
    return jsonify(results=answers, synced_at=utcnow().isoformat())


@bp.route("/meetings/<int:meeting_id>/checkin/app/conflicts")
@allow(STAFF)
def app_conflicts(meeting_id: int):
    """Check-ins synced from offline desks that were not recorded, and people checked in on two desks."""
    meeting = meeting_or_404(meeting_id)
    return render_template(
        "checkin/conflicts.html", meeting=meeting, reasons=offline.CONFLICTS,
        conflicts=offline.list_offline_log(meeting, (OfflineOutcome.conflict,)),
        overlaps=offline.list_offline_log(meeting, (OfflineOutcome.already_in,), (OfflineKind.check_in,)),
    )


# --- Sign-out wipes the device ----------------------------------------------------------------------------------------

@user_logged_out.connect
def _wipe_device_at_sign_out(sender, user=None, **extra):
    g.wipe_device = True


@bp.after_app_request
def _clear_site_data(response):
    # The browser itself empties this site's storage, caches and service workers: the day's list never outlives the
    # staff member's session on a shared tablet, whichever page they signed out from.
    if g.get("wipe_device"):
        response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
