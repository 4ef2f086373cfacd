"""The check-in desk (scan or search, one tap checks in), a person's desk card, and the live count at the door."""
from datetime import date

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..access import ORGANISER, STAFF, allow
from ..errors import DomainError
from ..extensions import db
from ..languages.moments import day_text
from ..meetings.loaders import meeting_or_404, of_meeting_or_404
from ..meetings.models import Meeting
from ..registration.models import Registration
from ..widgets import choices_of
from . import services
from .blueprint import bp
from .forms import CollectBadgeForm, CorrectionForm, ListForm, MoveForm, OtherDayForm, SearchForm
from .models import Attendance, CheckInMethod

# --- helpers --------------------------------------------------------------------------------------------------------

def _chosen_list(meeting: Meeting, day: str | None, session: str | int | None, *,
                 desk: bool = False) -> tuple[date, int | None]:
    """The list named by request values; anything unknown falls back to today's meeting-day list. The desk
    (`desk`) always works on today: other days are for looking only (cards, live counts)."""
    try:
        chosen = date.fromisoformat(day or "")
    except ValueError:
        chosen = None
    if desk or chosen not in services.meeting_days(meeting):
        chosen = services.default_day(meeting)
    sessions = {s.id for s in services.list_sessions(meeting, chosen)}
    try:
        session_id = int(session or 0) or None
    except ValueError:
        session_id = None
    return chosen, session_id if session_id in sessions else None


def _posted_list(meeting: Meeting, form) -> tuple[date, int | None]:
    """The list a POST acts on; a tampered value is refused rather than silently replaced."""
    if not form.validate_on_submit():
        abort(400)
    try:
        session_id = int(form.session.data or 0) or None
        return date.fromisoformat(form.day.data), session_id
    except ValueError:
        abort(400)


def _list_form(meeting: Meeting, day: date, session_id: int | None) -> ListForm:
    form = ListForm(formdata=None, day=day.isoformat(), session=session_id or 0)
    days = services.meeting_days(meeting)
    form.day.choices = choices_of([(d.isoformat(), day_text(d, "MMMEd", get_locale())) for d in days])
    form.session.choices = choices_of([(0, _("Whole day (entrance)"))] + [
        (s.id, services.session_label(meeting, s)) for s in services.list_sessions(meeting, day)
    ])
    return form


def _session_arg(session_id: int | None) -> dict:
    return {"session": session_id} if session_id else {}


def _desk_outcome(meeting: Meeting, day: date, session_id: int | None) -> dict | None:
    """The check-in just made from the desk's results (?who=&outcome=), to show above the search box."""
    try:
        who = int(request.args.get("who") or 0)
    except ValueError:
        return None
    registration = db.session.get(Registration, who) if who else None
    if registration is None or registration.meeting_id != meeting.id:
        return None
    since = services.checked_in_since(meeting, [registration.id], day, session_id).get(registration.id)
    return {"registration": registration, "since": since,
            "outcome": "already" if request.args.get("outcome") == "already" else "new"}


def _list_args(day: date, session_id: int | None) -> dict:
    return {"day": day.isoformat(), **({"session": session_id} if session_id else {})}


def _desk_open(meeting: Meeting) -> str | None:
    """None when the desk may record today; otherwise why not (today is not a day of the meeting)."""
    try:
        services.desk_day(meeting)
    except services.NotToday as closed:
        return str(closed.message)
    return None


def _desk_page(meeting: Meeting, day: date, session_id: int | None, search_form=None, result=None, status=200,
               outcome=None):
    session = services.get_session(meeting, session_id)
    search_form = search_form or SearchForm(formdata=None, day=day.isoformat(), session=session_id or "")
    # The search box has the focus, except over results: a phone's keyboard would cover them (the box stays a tap
    # away at the top).
    search_form.q.render_kw = {**(search_form.q.render_kw or {}), "autofocus": result is None}
    return render_template(
        "checkin/desk.html", meeting=meeting, day=day, session=session, list_form=_list_form(meeting, day, session_id),
        closed=_desk_open(meeting), outcome=outcome,
        search_form=search_form,
        move_form=MoveForm(formdata=None), result=result, list_args=_list_args(day, session_id),
    ), status


# --- the desk -------------------------------------------------------------------------------------------------------

@bp.route("/meetings/<int:meeting_id>/checkin")
@allow(STAFF)
def desk(meeting_id: int):
    """The desk: scan a badge with the camera, or search by name or delegation."""
    meeting = meeting_or_404(meeting_id)
    day, session_id = _chosen_list(meeting, None, request.args.get("session"), desk=True)
    return _desk_page(meeting, day, session_id, outcome=_desk_outcome(meeting, day, session_id))


@bp.route("/meetings/<int:meeting_id>/checkin/search", methods=["POST"])
@allow(STAFF)
def search(meeting_id: int):
    """Find people by name, organisation or delegation (case and accents ignored)."""
    meeting = meeting_or_404(meeting_id)
    form = SearchForm()
    day, session_id = _chosen_list(meeting, None, form.session.data, desk=True)
    if not form.validate_on_submit():
        return _desk_page(meeting, day, session_id, search_form=form, status=422)
    result = services.search_desk(meeting, form.q.data, day=day, session_id=session_id)
    return _desk_page(meeting, day, session_id, search_form=form, result=result)


@bp.route("/meetings/<int:meeting_id>/checkin/scan", methods=["POST"])
@allow(STAFF)
def scan(meeting_id: int):
    """JSON: check in (or out of a session room) the person whose badge was scanned."""
    meeting = meeting_or_404(meeting_id)
    data = request.get_json(silent=True) or {}
    try:  # the list is taken as sent: a wrong one is refused, never silently replaced by another
        day = date.fromisoformat(str(data["day"])) if data.get("day") else None  # None: today
        session_id = int(data.get("session") or 0) or None
    except ValueError:
        return jsonify(result="error", message=_("The chosen day or session is not valid. Reload the page.")), 400
    try:
        outcome = services.scan_badge(meeting, str(data.get("payload") or ""), day=day, session_id=session_id,
                                      leaving=data.get("direction") == "out", actor=current_user)
    except services.CheckInRefused as refusal:
        return jsonify(result="refused", reason=refusal.reason, message=str(refusal.message)), 422
    except DomainError as problem:  # e.g. leaving a room the person was not in; a list not of this meeting
        return jsonify(result="error", message=str(problem.message)), problem.status_code
    db.session.commit()
    return jsonify(_scan_json(meeting, outcome, outcome.attendance.day, session_id))


def _scan_json(meeting: Meeting, outcome: services.CheckInResult, day: date, session_id: int | None) -> dict:
    registration = outcome.registration
    result = "checked_out" if outcome.kind.value == "check_out" else "checked_in" if outcome.created else "already_in"
    return {
        "result": result, "name": registration.name_for("badge"),
        "category": registration.category.label if registration.category else "",
        "since": services.local_time(meeting, outcome.since),
        "card_url": url_for("checkin.card", meeting_id=meeting.id, registration_id=registration.id,
                            **_list_args(day, session_id)),
    }


@bp.route("/meetings/<int:meeting_id>/checkin/registrations/<int:registration_id>/check-in", methods=["POST"])
@allow(STAFF)
def check_in(meeting_id: int, registration_id: int):
    """One tap from the search results: check this person in on the chosen list."""
    meeting = meeting_or_404(meeting_id)
    registration = of_meeting_or_404(Registration, meeting, registration_id)
    day, session_id = _posted_list(meeting, MoveForm())
    day = services.desk_day(meeting, day)  # only today; another day is an organiser's correction (record_day)
    outcome = services.check_in(meeting, registration, day=day, session_id=session_id, actor=current_user,
                                method=CheckInMethod.search)
    db.session.commit()
    if request.form.get("back") == "desk":  # the next search is one tap away: back to the desk, with the result
        return redirect(url_for("checkin.desk", meeting_id=meeting.id, who=registration.id,
                                outcome="new" if outcome.created else "already", **_session_arg(session_id)), 303)
    return redirect(url_for("checkin.card", meeting_id=meeting.id, registration_id=registration.id,
                            outcome="new" if outcome.created else "already", **_list_args(day, session_id)), 303)


@bp.route("/meetings/<int:meeting_id>/checkin/registrations/<int:registration_id>/check-out", methods=["POST"])
@allow(STAFF)
def check_out(meeting_id: int, registration_id: int):
    """Record that this person left the session room."""
    meeting = meeting_or_404(meeting_id)
    registration = of_meeting_or_404(Registration, meeting, registration_id)
    day, session_id = _posted_list(meeting, MoveForm())
    services.check_out(meeting, registration, day=services.desk_day(meeting, day), session_id=session_id,
                       actor=current_user, method=CheckInMethod.search)
    db.session.commit()
    return redirect(url_for("checkin.card", meeting_id=meeting.id, registration_id=registration.id, outcome="out",
                            **_list_args(day, session_id)), 303)


@bp.route("/meetings/<int:meeting_id>/checkin/registrations/<int:registration_id>")
@allow(STAFF)
def card(meeting_id: int, registration_id: int):
    """One person at the desk: in or not on the chosen list, badge collection, attendance history."""
    meeting = meeting_or_404(meeting_id)
    registration = of_meeting_or_404(Registration, meeting, registration_id)
    day, session_id = _chosen_list(meeting, request.args.get("day"), request.args.get("session"))
    desk_card = services.desk_card(meeting, registration, day=day, session_id=session_id)
    return render_template(
        "checkin/card.html", meeting=meeting, card=desk_card, day=day,
        session=services.get_session(meeting, session_id),
        outcome=request.args.get("outcome"), list_args=_list_args(day, session_id),
        move_form=MoveForm(formdata=None, day=day.isoformat(), session=session_id or ""),
        collect_form=CollectBadgeForm(formdata=None), correction_form=CorrectionForm(formdata=None),
        other_day_form=_other_day_form(meeting), closed=_desk_open(meeting),
        replaced=services.replaced_badges(registration), plain_form=MoveForm(formdata=None),
        may_record_other_day=ORGANISER.allows(current_user, {"meeting_id": meeting.id}),
        session_labels={s.id: services.session_label(meeting, s) for s in services.list_sessions(meeting)},
    )


def _other_day_form(meeting: Meeting, formdata=None) -> OtherDayForm:
    form = OtherDayForm(formdata=formdata) if formdata is not None else OtherDayForm(formdata=None)
    today = services.today(meeting)
    form.day.choices = choices_of([(d.isoformat(), day_text(d, "MMMEd", get_locale()))
                                   for d in services.meeting_days(meeting) if d <= today])
    return form


@bp.route("/meetings/<int:meeting_id>/checkin/registrations/<int:registration_id>/record-day", methods=["POST"])
@allow(ORGANISER)
def record_day(meeting_id: int, registration_id: int):
    """An organiser records attendance on a past day of the meeting, with a reason (audited)."""
    meeting = meeting_or_404(meeting_id)
    registration = of_meeting_or_404(Registration, meeting, registration_id)
    form = _other_day_form(meeting, request.form)
    if not form.validate_on_submit():
        flash(_("Choose a past day of the meeting and say why it is recorded now."), "error")
    else:
        services.record_other_day(meeting, registration, day=date.fromisoformat(form.day.data), actor=current_user,
                                  reason=form.reason.data)
        db.session.commit()
        flash(_("Attendance recorded for %(day)s.", day=format_date(date.fromisoformat(form.day.data), "medium")),
              "success")
    return redirect(url_for("checkin.card", meeting_id=meeting.id, registration_id=registration.id), 303)


@bp.route("/meetings/<int:meeting_id>/checkin/registrations/<int:registration_id>/badge", methods=["POST"])
@allow(STAFF)
def collect_badge(meeting_id: int, registration_id: int):
    """Hand the badge over after checking a photo ID; records who and when."""
    meeting = meeting_or_404(meeting_id)
    registration = of_meeting_or_404(Registration, meeting, registration_id)
    form = CollectBadgeForm()
    if not form.validate_on_submit():
        flash(_("Check a photo ID and tick the box before handing over the badge."), "error")
    else:
        services.collect_badge(meeting, registration, actor=current_user, id_checked=form.id_checked.data,
                               replacement=form.replacement.data)
        db.session.commit()
        flash(_("Badge handed over."), "success")
    return redirect(url_for("checkin.card", meeting_id=meeting.id, registration_id=registration.id,
                            **request.args.to_dict()), 303)


@bp.route("/meetings/<int:meeting_id>/checkin/registrations/<int:registration_id>/replace-badge", methods=["POST"])
@allow(STAFF)
def replace_badge(meeting_id: int, registration_id: int):
    """A lost badge: issue a new badge code (the old badge then scans as replaced); the new badge is printed next."""
    meeting = meeting_or_404(meeting_id)
    registration = of_meeting_or_404(Registration, meeting, registration_id)
    services.replace_badge(meeting, registration, actor=current_user)
    db.session.commit()
    flash(_("The lost badge no longer admits anyone. Print the new badge and hand it over after a photo ID "
            "check."), "success")
    return redirect(url_for("checkin.card", meeting_id=meeting.id, registration_id=registration.id,
                            **request.args.to_dict()), 303)


@bp.route("/meetings/<int:meeting_id>/checkin/attendance/<int:attendance_id>/correct", methods=["POST"])
@allow(STAFF)
def correct(meeting_id: int, attendance_id: int):
    """Void a wrong check-in or check-out with a correction row (nothing is edited or deleted)."""
    meeting = meeting_or_404(meeting_id)
    attendance = of_meeting_or_404(Attendance, meeting, attendance_id)
    form = CorrectionForm()
    if not form.validate_on_submit():
        flash(_("Say why this entry is wrong."), "error")
    else:
        services.correct(meeting, attendance, actor=current_user, reason=form.reason.data)
        db.session.commit()
        flash(_("Entry corrected."), "success")
    return redirect(url_for("checkin.card", meeting_id=meeting.id, registration_id=attendance.registration_id,
                            **request.args.to_dict()), 303)


# --- live count -----------------------------------------------------------------------------------------------------

@bp.route("/meetings/<int:meeting_id>/checkin/live")
@allow(STAFF)
def live(meeting_id: int):
    """The live count at the door: checked in today by category and by region."""
    meeting = meeting_or_404(meeting_id)
    day, _session = _chosen_list(meeting, request.args.get("day"), None)
    counts = services.live_counts(meeting, day)
    return render_template("checkin/live.html", meeting=meeting, counts=counts, day=day,
                           days=services.meeting_days(meeting))


@bp.route("/meetings/<int:meeting_id>/checkin/live.json")
@allow(STAFF)
def live_json(meeting_id: int):
    """JSON for the live count page's polling."""
    meeting = meeting_or_404(meeting_id)
    day, _session = _chosen_list(meeting, request.args.get("day"), None)
    return jsonify(services.live_counts(meeting, day).as_dict())


# The offline desk app's routes live in their own module, on this blueprint.
from . import offline_views  # noqa: E402, F401
