"""The API's pages: the OpenAPI document and its reader, API tokens in the account, a meeting's webhooks."""
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import ORGANISER, PUBLIC, SIGNED_IN, allow
from ..extensions import db
from ..meetings.loaders import meeting_or_404
from ..meetings.models import Meeting
from ..models_base import utcnow
from . import hooks, reads, tokens, webhooks, writes  # noqa: F401 - they declare the endpoints on v1
from .blueprint import v1
from .forms import TokenForm, WebhookForm
from .openapi import document
from .problems import MEDIA_TYPE, Problem

bp = Blueprint("api", __name__)
bp.register_blueprint(v1)


@bp.after_app_request
def _problem_details(response):
    """Errors the routing gives under /api/v1 (404, 405) become problem details too."""
    if (request.path.startswith("/api/v1/") and response.status_code >= 400
            and response.mimetype != MEDIA_TYPE and request.endpoint != "api.openapi"):
        said = (response.get_json(silent=True) or {}) if response.is_json else {}
        detail = said.get("message") or _("No such API endpoint or method.")  # e.g. the archived-edition guard's
        problem = Problem(response.status_code, detail, kind=said.get("error") or str(response.status_code))
        fresh = problem.response()
        for name in ("Allow", "Retry-After", "WWW-Authenticate"):
            if name in response.headers:
                fresh.headers[name] = response.headers[name]
        return fresh
    return response


@bp.get("/api/v1/openapi.json")
@allow(PUBLIC)
def openapi():
    return jsonify(document())


@bp.get("/api/docs")
@allow(PUBLIC)
def docs():
    return render_template("api/docs.html")


# --- API tokens in the account ---------------------------------------------------------------------------------------

@bp.route("/account/api-tokens", methods=["GET", "POST"])
@allow(SIGNED_IN)
def tokens_page():
    form, secret = TokenForm(), None
    if form.validate_on_submit():
        token, secret = tokens.create_token(current_user, name=form.name.data, scopes=form.scopes.data,
                                            days=int(form.days.data) if form.days.data else None)
        db.session.commit()
        flash(_("Token “%(name)s” made. Copy it now: it is not shown again.", name=token.name), "success")
        form = TokenForm(formdata=None)
    status = 422 if form.errors else 200
    return render_template("api/tokens.html", form=form, secret=secret, tokens=tokens.tokens_of(current_user),
                           now=utcnow()), status


@bp.post("/account/api-tokens/<int:token_id>/revoke")
@allow(SIGNED_IN)
def revoke_token(token_id: int):
    token = tokens.token_of(current_user, token_id)
    if token is None:
        abort(404)
    tokens.revoke_token(token, actor=current_user)
    db.session.commit()
    flash(_("Token “%(name)s” revoked: it no longer opens the API.", name=token.name), "success")
    return redirect(url_for(".tokens_page"), 303)


# --- a meeting's webhooks --------------------------------------------------------------------------------------------

def _subscription_or_404(meeting: Meeting, webhook_id: int):
    row = webhooks.subscription_of(meeting, webhook_id)
    if row is None:
        abort(404)
    return row


@bp.route("/meetings/<int:meeting_id>/webhooks", methods=["GET", "POST"])
@allow(ORGANISER)
def webhooks_page(meeting_id: int):
    meeting = meeting_or_404(meeting_id)
    form, made = WebhookForm(), None
    if form.validate_on_submit():
        made = webhooks.subscribe(meeting, url=form.url.data, events=form.events.data, actor=current_user)
        db.session.commit()
        flash(_("Subscribed. Copy the signing secret now: receivers check each delivery with it."), "success")
        form = WebhookForm(formdata=None)
    return render_template("api/webhooks.html", meeting=meeting, form=form, made=made,
                           subscriptions=webhooks.subscriptions_of(meeting)), 422 if form.errors else 200


@bp.get("/meetings/<int:meeting_id>/webhooks/<int:webhook_id>")
@allow(ORGANISER)
def webhook_page(meeting_id: int, webhook_id: int):
    meeting = meeting_or_404(meeting_id)
    subscription = _subscription_or_404(meeting, webhook_id)
    before = request.args.get("before", type=int)
    deliveries = webhooks.deliveries_of(subscription, after=before, limit=51)
    return render_template("api/webhook.html", meeting=meeting, subscription=subscription,
                           deliveries=deliveries[:50], more=deliveries[49].id if len(deliveries) > 50 else None)


@bp.post("/meetings/<int:meeting_id>/webhooks/<int:webhook_id>/delete")
@allow(ORGANISER)
def delete_webhook(meeting_id: int, webhook_id: int):
    meeting = meeting_or_404(meeting_id)
    webhooks.unsubscribe(_subscription_or_404(meeting, webhook_id), actor=current_user)
    db.session.commit()
    flash(_("The subscription was removed."), "success")
    return redirect(url_for(".webhooks_page", meeting_id=meeting.id), 303)


@bp.post("/meetings/<int:meeting_id>/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/replay")
@allow(ORGANISER)
def replay_delivery(meeting_id: int, webhook_id: int, delivery_id: int):
    meeting = meeting_or_404(meeting_id)
    delivery = webhooks.delivery_of(_subscription_or_404(meeting, webhook_id), delivery_id)
    if delivery is None:
        abort(404)
    webhooks.replay(delivery, actor=current_user)
    db.session.commit()
    flash(_("The event is sent again."), "success")
    return redirect(url_for(".webhook_page", meeting_id=meeting.id, webhook_id=webhook_id), 303)
