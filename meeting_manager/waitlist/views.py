"""The offer page a waitlisted person opens from their mail, and the organisers' list of offers and settings."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..access import ORGANISER, PUBLIC, allow
from ..extensions import db
from ..meetings.loaders import meeting_or_404
from . import services
from .forms import WaitlistSettingsForm
from .models import NoticeMode

bp = Blueprint("waitlist", __name__)

#: what the person is told after answering (or trying to)
OUTCOMES = {
    "accepted": ("success", lambda: _("The place is yours: your registration is approved. Your e-ticket is on its "
                                      "way by mail.")),
    "declined": ("success", lambda: _("Thank you for telling us. Your registration is withdrawn and the place "
                                      "goes to the next person on the waiting list.")),
    "closed": ("info", lambda: _("This offer is no longer open: it was answered already, or its time ran out.")),
    "no_longer_fits": ("error", lambda: _("We are sorry: the place can no longer be given to you because the "
                                          "participation rules changed meanwhile. You stay on the waiting list.")),
}


def _offer_or_404(token: str):
    return services.find_offer(token) or abort(404)


@bp.route("/waitlist/offers/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
def offer(token: str):
    """The offered place: accept or decline it before the deadline (the link in the mail is the key)."""
    found = _offer_or_404(token)
    if request.method == "POST":
        answer = request.form.get("answer")
        if answer not in ("accept", "decline"):
            flash(_("Choose whether you accept or decline the place."), "error")
            return redirect(url_for(".offer", token=token), 303)
        actor = current_user if current_user.is_authenticated else None
        outcome = (services.accept_offer if answer == "accept" else services.decline_offer)(found, actor=actor)
        db.session.commit()
        category, message = OUTCOMES[outcome]
        flash(message(), category)
        return redirect(url_for(".offer", token=token), 303)
    meeting = found.meeting
    return render_template("waitlist/offer.html", offer=found, meeting=meeting, is_open=services.is_open(found),
                           deadline=services.moment_text(meeting, found.expires_at, get_locale()))


@bp.route("/meetings/<int:meeting_id>/waitlist", methods=["GET", "POST"])
@allow(ORGANISER)
def index(meeting_id: int):
    """The meeting's offers (open, answered, expired) and how long people have to answer, how organisers hear."""
    meeting = meeting_or_404(meeting_id)
    row = services.settings_for(meeting)
    # data, not obj: the form compares the radio's values with the enum's value, not the enum
    form = WaitlistSettingsForm(data={"offer_hours": row.offer_hours, "organiser_notice": row.organiser_notice.value})
    code = 200
    if form.validate_on_submit():
        services.save_settings(meeting, offer_hours=form.offer_hours.data,
                               organiser_notice=NoticeMode(form.organiser_notice.data), actor=current_user)
        db.session.commit()
        flash(_("The waiting-list settings are saved."), "success")
        return redirect(url_for(".index", meeting_id=meeting.id), 303)
    if form.errors:
        code = 422
    return render_template("waitlist/index.html", meeting=meeting, form=form, offers=services.offers_of(meeting),
                           moment=lambda value: services.moment_text(meeting, value, get_locale())
                           ), code
