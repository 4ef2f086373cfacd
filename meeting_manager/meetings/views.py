"""Meetings: the public list and page, and creating and editing an edition."""
from babel import Locale
from babel.dates import format_datetime
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import ORGANISER, PUBLIC, STAFF, allow
from ..extensions import db
from ..i18n_text import languages_for
from ..reference.services import country_choices, country_name, list_schemes
from ..widgets import choices_of
from . import readonly, services, zones
from .forms import MeetingForm
from .loaders import meeting_or_404
from .models import Meeting, MeetingStatus

bp = Blueprint("meetings", __name__)


bp.before_app_request(readonly.refuse_changes_to_archived_editions)


@bp.app_context_processor
def inject_helpers():
    return {"country_name": country_name, "archived_edition": _archived_edition,
            "meeting_status_label": meeting_status_label}


def meeting_status_label(status: MeetingStatus) -> str:
    return {MeetingStatus.draft: _("Draft"), MeetingStatus.open: _("Open for registration"),
            MeetingStatus.closed: _("Registration closed"), MeetingStatus.archived: _("Archived")}[status]


#: meeting_time's pattern for a date in the order and words of the reader's language and a 24-hour time, as every
#: page writes times ("5 mai 2026, 14:07", "2026年5月5日 14:07", "May 5, 2026, 14:07")
DATE_AND_TIME = "date_and_time"


@bp.app_template_filter("meeting_time")
def meeting_time(moment, meeting: Meeting, pattern: str = "d MMM y, HH:mm", zone: bool = True) -> str:
    """A moment on the meeting's clocks, in the reader's language, with the zone named (unless a column header
    names it already): the same moment reads the same on every page."""
    if moment is None:
        return ""
    locale = Locale.parse(get_locale() or "en")
    if pattern == DATE_AND_TIME:
        pattern = locale.datetime_formats["medium"].format("HH:mm", locale.date_formats["medium"].pattern)
    # Babel's own formatter: Flask-Babel's would move the moment to the reader's zone (UTC by default)
    text = format_datetime(moment, pattern, tzinfo=meeting.tz, locale=locale)
    return f"{text} ({meeting.timezone.replace('_', ' ')})" if zone else text


def _archived_edition():
    """The archived meeting the page is about, if any (the layout then says it is read-only)."""
    return readonly.archived_meeting_of_request() if request else None


@bp.route("/")
@allow(PUBLIC)
def index():
    """Meetings open to the public, past editions included, and the meetings the user works on."""
    managed = services.list_meetings_for(current_user) if current_user.is_authenticated else []
    return render_template("meetings/index.html", meetings=services.list_public_meetings(), managed=managed)


@bp.route("/meetings/<int:meeting_id>")
@allow(PUBLIC)
def show(meeting_id: int):
    """What a prospective participant needs to know about a meeting."""
    meeting = meeting_or_404(meeting_id)
    if meeting.status == MeetingStatus.draft and not _can_manage(meeting):
        abort(404)
    return render_template("meetings/show.html", meeting=meeting)


def _can_manage(meeting: Meeting) -> bool:
    return current_user.is_authenticated and (
        current_user.is_admin or current_user.has_meeting_role(meeting.id, ("organiser", "staff"))
    )


def _meeting_form(meeting: Meeting | None = None) -> MeetingForm:
    form = MeetingForm(data=services.form_data(meeting) if meeting else None)
    form.country_code.choices = choices_of(country_choices(blank="—"))
    # the venue country's zones first: the one chosen in this submission, else the meeting's
    country = request.form.get("country_code") or (meeting.country_code if meeting else None)
    form.timezone.choices = choices_of(zones.timezone_choices(country, current=meeting.timezone if meeting else None))
    form.timezone.render_kw = {"data-zones": zones.zones_json()}
    form.region_scheme_id.choices = choices_of([(s.id, s.name) for s in list_schemes()])
    others = db.session.scalars(select(Meeting).order_by(Meeting.starts_on.desc()))
    form.previous_id.choices = choices_of([(0, "—")] + [(m.id, m.title) for m in others if m is not meeting])
    # the texts are asked in the default language and the offered ones, as chosen on this very form
    languages = languages_for(form.default_language.data or "en", form.content_languages.data)
    form.title.offer(languages)
    form.description.offer(languages)
    return form


def _submitted(form: MeetingForm) -> dict:
    return {name: field.data for name, field in form._fields.items() if name != "csrf_token"}


def _new_meeting_data(form: MeetingForm) -> dict:
    return {name: value for name, value in _submitted(form).items() if name != "over_capacity_ok"}


@bp.route("/meetings/new", methods=["GET", "POST"])
@allow(ORGANISER)
def new():
    """Create a meeting (admins, and organisers of an earlier meeting)."""
    form = _meeting_form()
    if form.validate_on_submit():
        meeting = services.create_meeting(_new_meeting_data(form), actor=current_user)
        db.session.commit()
        flash(_("Meeting created."), "success")
        return redirect(url_for("meetings.manage", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, meeting=None)


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@allow(ORGANISER)
def edit(meeting_id: int):
    """Edit a meeting's details, dates and registration window."""
    meeting = meeting_or_404(meeting_id)
    form = _meeting_form(meeting)
    if form.validate_on_submit():
        try:
            services.update_meeting(meeting, _submitted(form), actor=current_user)
        except services.CapacityBelowApproved as refused:
            db.session.rollback()
            form.capacity.errors.append(str(refused.message))
            return render_template("meetings/form.html", form=form, meeting=meeting), 422
        else:
            db.session.commit()
            flash(_("Meeting saved."), "success")
            return redirect(url_for("meetings.manage", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, meeting=meeting)


@bp.route("/meetings/<int:meeting_id>/manage")
@allow(STAFF)
def manage(meeting_id: int):
    """A meeting's home for organisers and staff: what there is to do."""
    meeting = meeting_or_404(meeting_id)
    return render_template("meetings/manage.html", meeting=meeting)
