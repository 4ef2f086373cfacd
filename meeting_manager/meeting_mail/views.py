"""Organisers' mail pages: sender, reply-to, contact and colour; their own texts with a preview and a way back to
the default. Also the public logo a message shows, and the `mail_date` filter mail templates write dates with."""
from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from ..access import ORGANISER, PUBLIC, allow
from ..badges.render import logo_mime_type
from ..badges.services import meeting_logo
from ..errors import ValidationFailed
from ..extensions import db
from ..languages.catalog import LANGUAGES as UN_LANGUAGES
from ..meetings.loaders import meeting_or_404
from ..meetings.models import Meeting
from . import services
from .forms import MailSettingsForm, MailTextForm

bp = Blueprint("meeting_mail", __name__)
#: the route parts naming a message and a language: only existing ones match (anything else is a 404)
_TEXT = (f"<any({', '.join(services.EDITABLE)}):template>/"
         f"<any({', '.join(UN_LANGUAGES)}):locale>")


@bp.app_template_filter("mail_date")
def mail_date(value, tz=None) -> str:
    """A date (or the date of a moment, on the clocks of `tz`: the meeting's zone) written out in the reader's
    language: "2 December 2026", "2 décembre 2026"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = (value.astimezone(tz) if tz else value).date()
    return format_date(value, "long")


def _languages() -> list[str]:
    """Every language a participant may register in: their mail comes in it, so a text can be written in it."""
    return list(UN_LANGUAGES)


@bp.route("/meetings/<int:meeting_id>/mail", methods=["GET", "POST"])
@allow(ORGANISER)
def settings(meeting_id: int):
    """The meeting's sender name, reply-to, footer contact and colour, and the list of its messages' texts."""
    meeting = meeting_or_404(meeting_id)
    row = services.settings_for(meeting)
    form = MailSettingsForm(obj=row)
    code = 200
    if form.validate_on_submit():
        try:
            services.save_settings(meeting, form.data, actor=current_user)
        except ValidationFailed as error:
            db.session.rollback()
            form.colour.errors = [str(p) for p in error.problems]
            code = 422
        else:
            db.session.commit()
            flash(_("The mail settings are saved."), "success")
            return redirect(url_for(".settings", meeting_id=meeting.id), 303)
    elif form.errors:
        code = 422
    return render_template("meeting_mail/settings.html", meeting=meeting, form=form, editable=services.EDITABLE,
                           languages=_languages(), own=services.list_texts(meeting)), code


def _text_target(meeting_id: int, template: str, locale: str) -> Meeting:
    meeting = meeting_or_404(meeting_id)
    if template not in services.EDITABLE or locale not in _languages():
        abort(404)
    return meeting


@bp.route(f"/meetings/<int:meeting_id>/mail/texts/{_TEXT}", methods=["GET", "POST"])
@allow(ORGANISER)
def edit_text(meeting_id: int, template: str, locale: str):
    """Write the meeting's own subject and text for one message in one language; preview it; save it."""
    meeting = _text_target(meeting_id, template, locale)
    own = services.get_text(meeting, template, locale)
    form = MailTextForm(obj=own)
    problems, shown, code = [], None, 200
    if form.validate_on_submit():
        try:
            if request.form.get("action") == "save":
                services.save_text(meeting, template, locale, form.subject.data, form.body.data,
                                   actor=current_user)
                db.session.commit()
                flash(_("The text is saved: messages of this kind are written with it from now on."), "success")
                return redirect(url_for(".edit_text", meeting_id=meeting.id, template=template, locale=locale), 303)
            shown = services.preview(meeting, template, locale, form.subject.data, form.body.data)
        except ValidationFailed as error:
            db.session.rollback()
            problems, code = [str(p) for p in error.problems], 422
    else:
        shown = services.preview(meeting, template, locale)
    return render_template("meeting_mail/edit_text.html", meeting=meeting, form=form, template=template,
                           language=locale, label=services.EDITABLE[template], own=own, preview=shown,
                           fallback=None if own else services.text_for(meeting, template, locale),
                           problems=problems, placeholders=services.PLACEHOLDERS), code


@bp.route(f"/meetings/<int:meeting_id>/mail/texts/{_TEXT}/reset", methods=["POST"])
@allow(ORGANISER)
def reset_text(meeting_id: int, template: str, locale: str):
    """Go back to the default wording of one message in one language."""
    meeting = _text_target(meeting_id, template, locale)
    if services.reset_text(meeting, template, locale, actor=current_user):
        db.session.commit()
        flash(_("The default text is used again."), "success")
    else:
        flash(_("This message already uses the default text."), "info")
    return redirect(url_for(".edit_text", meeting_id=meeting.id, template=template, locale=locale), 303)


@bp.route(f"/meetings/<int:meeting_id>/mail/texts/{_TEXT}/preview")
@allow(ORGANISER)
def preview_html(meeting_id: int, template: str, locale: str):
    """The HTML of the message as it is now (own or default text), to look at in a frame of the edit page."""
    meeting = _text_target(meeting_id, template, locale)
    response = current_app.make_response(services.preview(meeting, template, locale)["html"])
    # A mail's look is inline style; the frame shows it as a mail client would, with nothing active in it.
    response.headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'unsafe-inline'; "
                                                   "img-src 'self' data:; frame-ancestors 'self'; sandbox")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/meetings/<int:meeting_id>/mail-logo")
@allow(PUBLIC)
def logo(meeting_id: int):
    """The meeting's logo, shown at the top of its mail (public like the meeting's name; nothing personal)."""
    meeting = meeting_or_404(meeting_id, published=True)
    data = meeting_logo(meeting) or abort(404)
    response = current_app.make_response(data)
    response.headers["Content-Type"] = logo_mime_type(data)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
