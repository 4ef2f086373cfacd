"""Agenda pages: organisers build rooms and sessions, check conflicts and balance, import and export;
everyone reads the published agenda; participants keep their own agenda with sign-ups."""
import hashlib
from collections import Counter
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import ORGANISER, PUBLIC, SIGNED_IN, allow
from ..audit.services import record
from ..errors import ValidationFailed
from ..exports import csv_bytes, xlsx_bytes
from ..extensions import db
from ..i18n_text import offered_languages, tr_text
from ..languages.catalog import LANGUAGES as UN_LANGUAGES
from ..languages.catalog import language_label
from ..languages.moments import day_text
from ..meetings.loaders import meeting_or_404, of_meeting_or_404
from ..meetings.models import Meeting
from ..names import sort_key
from ..redirects import local_path
from ..reference.services import iso_countries, region_map
from ..registration.models import Gender, Registration
from ..tokens import link_for
from ..widgets import choices_of
from . import checks, exports, import_plan, imports, services
from .forms import BLANK_PERSON_ROWS, GENDER_LABELS, KIND_LABELS, ROLE_LABELS, ImportForm, RoomForm, SessionForm
from .models import PersonRole, Room, Session, SessionKind, SignupStatus

bp = Blueprint("agenda", __name__)


@bp.app_template_filter("agenda_time")
def agenda_time(moment, meeting: Meeting) -> str:
    """HH:MM of an instant on the meeting's clocks."""
    return moment.astimezone(meeting.tz).strftime("%H:%M")


@bp.app_template_filter("agenda_day")
def agenda_day(day: date, skeleton: str = "full") -> str:
    """A day as people say it (“Saturday, October 24, 2026”, “2026年10月24日星期六”), in the reader's language."""
    return day_text(day, skeleton, get_locale())


#: the fields a previewed import would change, in words
IMPORT_FIELDS = {"title": _l("title"), "day": _l("day"), "start": _l("start"), "end": _l("end"), "kind": _l("kind"),
                 "room": _l("room"), "description": _l("description"), "capacity": _l("capacity"),
                 "languages": _l("languages"), "interpretation": _l("interpretation"), "track": _l("track"),
                 "organiser": _l("organiser"), "people": _l("speakers, moderators or rapporteurs")}


@bp.app_template_filter("import_field")
def import_field(name: str) -> str:
    return str(IMPORT_FIELDS.get(name, name))


@bp.app_template_filter("agenda_public_name")
def agenda_public_name(person) -> str:
    """The name the public agenda shows, or “a speaker” for a participant not listed publicly."""
    return services.public_name(person) or _("a speaker")


bp.add_app_template_filter(language_label, "agenda_language")


@bp.app_context_processor
def agenda_helpers():
    return {"kind_labels": KIND_LABELS, "role_labels": ROLE_LABELS, "gender_labels": GENDER_LABELS}


# --- organisers: the agenda, rooms and sessions ------------------------------------------------------------

@bp.route("/meetings/<int:meeting_id>/agenda")
@allow(ORGANISER)
def manage(meeting_id: int):
    """Every session by day, with its conflicts counted, and what can be done with the agenda."""
    meeting = meeting_or_404(meeting_id)
    sessions = services.list_sessions(meeting)
    warnings = [f for f in checks.agenda_findings(meeting, sessions) if f.severity == "warning"]
    conflicts = Counter(sid for f in warnings for sid in {f.session_id, f.other_session_id} if sid)
    return render_template("agenda/manage.html", meeting=meeting, days=services.by_day(meeting, sessions),
                           conflicts=conflicts, warnings=len(warnings),
                           places=services.places([s.id for s in sessions]), rooms=services.list_rooms(meeting))


@bp.route("/meetings/<int:meeting_id>/agenda/rooms", methods=["GET", "POST"])
@allow(ORGANISER)
def rooms(meeting_id: int):
    """The meeting's rooms, and a form to add one."""
    meeting = meeting_or_404(meeting_id)
    form = RoomForm()
    if form.validate_on_submit():
        services.save_room(meeting, form.data, actor=current_user)
        db.session.commit()
        flash(_("Room added."), "success")
        return redirect(url_for("agenda.rooms", meeting_id=meeting.id), 303)
    return render_template("agenda/rooms.html", meeting=meeting, form=form, rooms=services.list_rooms(meeting)), \
        422 if form.errors else 200


@bp.route("/meetings/<int:meeting_id>/agenda/rooms/<int:room_id>", methods=["GET", "POST"])
@allow(ORGANISER)
def edit_room(meeting_id: int, room_id: int):
    """Change a room's name, seats, booths, access or equipment."""
    meeting = meeting_or_404(meeting_id)
    room = of_meeting_or_404(Room, meeting, room_id)
    form = RoomForm(obj=room)
    if form.validate_on_submit():
        services.save_room(meeting, form.data, room=room, actor=current_user)
        db.session.commit()
        flash(_("Room saved."), "success")
        return redirect(url_for("agenda.rooms", meeting_id=meeting.id), 303)
    return render_template("agenda/room_form.html", meeting=meeting, form=form, room=room), 422 if form.errors else 200


@bp.route("/meetings/<int:meeting_id>/agenda/rooms/<int:room_id>/delete", methods=["POST"])
@allow(ORGANISER)
def delete_room(meeting_id: int, room_id: int):
    """Delete a room no session uses."""
    meeting = meeting_or_404(meeting_id)
    services.delete_room(meeting, of_meeting_or_404(Room, meeting, room_id), actor=current_user)
    db.session.commit()
    flash(_("Room deleted."), "success")
    return redirect(url_for("agenda.rooms", meeting_id=meeting.id), 303)


def _session_form(meeting: Meeting, session: Session | None = None) -> SessionForm:
    data = services.session_form_data(meeting, session) if session else {"day": meeting.starts_on}
    form = SessionForm(data=data) if request.method != "POST" else SessionForm()
    form.room_id.choices = choices_of([(0, _("— no room —"))] + [
        (r.id, f"{r.name} ({r.capacity})" if r.capacity else r.name) for r in services.list_rooms(meeting)])
    form.languages.choices = choices_of([(code, language_label(code)) for code in UN_LANGUAGES])
    if request.method != "POST":  # GET and HEAD show the same page
        for _row in range(BLANK_PERSON_ROWS):
            form.people.append_entry()
    form.title.offer(offered_languages(meeting))
    form.description.offer(offered_languages(meeting))
    return form


def _session_input(form: SessionForm) -> services.SessionInput:
    rows = [entry.form for entry in form.people]
    people = [
        services.PersonInput(role=PersonRole(row.role.data), email=row.email.data or "",
                             name=row.outside_name.data or "",
                             gender=Gender(row.gender.data) if row.gender.data else None,
                             country=row.country.data or "", organisation=row.organisation.data or "")
        for row in rows if not row.is_blank
    ]
    default = form.title.languages[0]
    translations = {name: {lang: text for lang, text in form[name].data.items() if lang != default}
                    for name in ("title", "description")}
    return services.SessionInput(
        kind=SessionKind(form.kind.data), title=form.title.data[default],
        description=form.description.data[default], translations=translations,
        day=form.day.data, start=form.starts.data, end=form.ends.data, room_id=form.room_id.data or None,
        capacity=form.capacity.data, languages=form.languages.data or [], interpretation=form.interpretation.data,
        track=form.track.data or "", organiser_name=form.organiser_name.data or "", published=form.published.data,
        people=people)


def _render_session_form(meeting: Meeting, form: SessionForm, session: Session | None, problems=(), status=200):
    registrations = sorted(db.session.scalars(db.select(Registration).where(Registration.meeting_id == meeting.id)),
                           key=lambda r: sort_key(r, str(get_locale() or "en")))
    findings = services.findings_for(meeting, session) if session is not None else []
    places = services.places([session.id]).get(session.id, (0, 0)) if session is not None else (0, 0)
    return render_template("agenda/session_form.html", meeting=meeting, form=form, session=session,
                           problems=problems, registrations=registrations, countries=iso_countries(),
                           by_email={r.email: r for r in registrations},
                           findings=findings, places=places,
                           tracks=services.list_tracks(services.list_sessions(meeting))), status


def _saved(meeting: Meeting, session: Session, findings):
    warnings = [f for f in findings if f.severity == "warning"]
    if warnings:
        flash(ngettext("Session saved, with %(num)d warning: see the list below.",
                       "Session saved, with %(num)d warnings: see the list below.", len(warnings)), "warning")
        return redirect(url_for("agenda.edit_session", meeting_id=meeting.id, session_id=session.id), 303)
    flash(_("Session saved."), "success")
    return redirect(url_for("agenda.manage", meeting_id=meeting.id, _anchor=f"session-{session.id}"), 303)


@bp.route("/meetings/<int:meeting_id>/agenda/sessions/new", methods=["GET", "POST"])
@allow(ORGANISER)
def new_session(meeting_id: int):
    """Add a session; hard errors are refused, conflicts are saved and shown."""
    meeting = meeting_or_404(meeting_id)
    form = _session_form(meeting)
    if form.validate_on_submit():
        try:
            session, findings = services.save_session(meeting, _session_input(form), actor=current_user)
        except ValidationFailed as error:
            db.session.rollback()
            return _render_session_form(meeting, form, None, error.problems, 422)
        db.session.commit()
        return _saved(meeting, session, findings)
    return _render_session_form(meeting, form, None, status=422 if form.errors else 200)


def _session_or_404(meeting: Meeting, session_id: int, *, published_only: bool = False) -> Session:
    session = services.get_session(meeting, session_id, published_only=published_only)
    if session is None:
        abort(404)
    return session


@bp.route("/meetings/<int:meeting_id>/agenda/sessions/<int:session_id>", methods=["GET", "POST"])
@allow(ORGANISER)
def edit_session(meeting_id: int, session_id: int):
    """Edit a session and see the conflicts it is part of."""
    meeting = meeting_or_404(meeting_id)
    session = _session_or_404(meeting, session_id)
    form = _session_form(meeting, session)
    if form.validate_on_submit():
        try:
            session, findings = services.save_session(meeting, _session_input(form), session=session,
                                                      actor=current_user)
        except ValidationFailed as error:
            db.session.rollback()
            return _render_session_form(meeting, form, db.session.get(Session, session_id), error.problems, 422)
        db.session.commit()
        return _saved(meeting, session, findings)
    return _render_session_form(meeting, form, session, status=422 if form.errors else 200)


@bp.route("/meetings/<int:meeting_id>/agenda/sessions/<int:session_id>/delete", methods=["POST"])
@allow(ORGANISER)
def delete_session(meeting_id: int, session_id: int):
    """Delete a session (its sign-ups go with it)."""
    meeting = meeting_or_404(meeting_id)
    services.delete_session(meeting, _session_or_404(meeting, session_id), actor=current_user)
    db.session.commit()
    flash(_("Session deleted."), "success")
    return redirect(url_for("agenda.manage", meeting_id=meeting.id), 303)


@bp.route("/meetings/<int:meeting_id>/agenda/sessions/<int:session_id>/publish", methods=["POST"])
@allow(ORGANISER)
def publish_session(meeting_id: int, session_id: int):
    """Publish or unpublish one session (`published` = 1 or 0)."""
    meeting = meeting_or_404(meeting_id)
    session = _session_or_404(meeting, session_id)
    services.set_published(meeting, [session], request.form.get("published") == "1", actor=current_user)
    db.session.commit()
    flash(_("Published.") if session.published else _("Taken off the public agenda."), "success")
    return redirect(url_for("agenda.manage", meeting_id=meeting.id, _anchor=f"session-{session.id}"), 303)


@bp.route("/meetings/<int:meeting_id>/agenda/publish", methods=["POST"])
@allow(ORGANISER)
def publish_all(meeting_id: int):
    """Publish or unpublish every session at once (`published` = 1 or 0)."""
    meeting = meeting_or_404(meeting_id)
    published = request.form.get("published") == "1"
    n = services.set_published(meeting, services.list_sessions(meeting), published, actor=current_user)
    db.session.commit()
    flash(ngettext("%(num)d session published.", "%(num)d sessions published.", n) if published
          else ngettext("%(num)d session unpublished.", "%(num)d sessions unpublished.", n), "success")
    return redirect(url_for("agenda.manage", meeting_id=meeting.id), 303)


@bp.route("/meetings/<int:meeting_id>/agenda/health")
@allow(ORGANISER)
def health(meeting_id: int):
    """Every conflict and balance warning of the agenda, each with a link to fix it."""
    meeting = meeting_or_404(meeting_id)
    sessions = services.list_sessions(meeting)
    findings = checks.agenda_findings(meeting, sessions)
    groups = {kind: [f for f in findings if f.kind == kind] for kind in checks.KIND_TITLES}
    return render_template("agenda/health.html", meeting=meeting, groups=groups, kind_titles=checks.KIND_TITLES,
                           sessions=len(sessions), warnings=sum(f.severity == "warning" for f in findings))


@bp.route("/meetings/<int:meeting_id>/agenda/balance")
@allow(ORGANISER)
def balance(meeting_id: int):
    """Gender and region mix of each panel and of the whole agenda."""
    meeting = meeting_or_404(meeting_id)
    result = checks.panel_balance(services.list_sessions(meeting), region_map(meeting.region_scheme_id))
    return render_template("agenda/balance.html", meeting=meeting, balance=result,
                           genders=[g.value for g in Gender])


# --- organisers: import and export -------------------------------------------------------------------------

@bp.route("/meetings/<int:meeting_id>/agenda/import", methods=["GET", "POST"])
@allow(ORGANISER)
def import_agenda(meeting_id: int):
    """Import sessions from CSV/XLSX in two steps: a dry run shows what would be new, changed, unchanged or left
    out, and only the organiser's confirmation writes (nothing at all while any row is wrong)."""
    meeting = meeting_or_404(meeting_id)
    form, problems, failed = ImportForm(), [], False
    if request.method == "POST" and request.form.get("upload"):
        return _confirm_import(meeting)
    if form.validate_on_submit():
        upload = form.file.data
        content = upload.read()
        try:
            plan = import_plan.plan_import(meeting, upload.filename, content)
        except ValidationFailed as error:
            plan, problems = None, error.problems or [str(error.message)]
        if plan is not None and not plan.problems:
            token = import_plan.keep_upload(meeting, upload.filename, content)
            return render_template("agenda/import_preview.html", meeting=meeting, plan=plan, upload=token,
                                   rooms={r.id: r.name for r in services.list_rooms(meeting)})
        problems = plan.problems if plan is not None else problems
        flash(ngettext("Nothing was imported: %(num)d row has problems.",
                       "Nothing was imported: %(num)d rows have problems.", len(problems)), "error")
        failed = True
    return render_template("agenda/import.html", meeting=meeting, form=form, problems=problems,
                           columns=imports.COLUMNS), 422 if form.errors or failed else 200


def _confirm_import(meeting: Meeting):
    """The confirmation of a previewed import: applied only if it would still do what the preview showed."""
    kept = import_plan.kept_upload(meeting, request.form["upload"])
    if kept is None:  # imported already (a second click), or expired
        flash(_("This import was done already or has expired; nothing was changed. Upload the file again to "
                "check it against the agenda as it is now."), "warning")
        return redirect(url_for("agenda.manage", meeting_id=meeting.id), 303)
    token, content = kept
    plan = import_plan.plan_import(meeting, token, content)
    if plan.problems or plan.fingerprint != request.form.get("fingerprint"):
        flash(_("The agenda changed since the preview: check what the import would do now."), "warning")
        return render_template("agenda/import_preview.html", meeting=meeting, plan=plan, upload=token,
                               rooms={r.id: r.name for r in services.list_rooms(meeting)}), 409
    counts = import_plan.apply_plan(meeting, plan, actor=current_user)
    db.session.commit()
    import_plan.forget_upload(token)
    flash(_("Imported: %(new)s new (drafts, not published), %(changed)s changed, %(unchanged)s unchanged.",
            **counts), "success")
    return redirect(url_for("agenda.manage", meeting_id=meeting.id), 303)


@bp.route("/meetings/<int:meeting_id>/agenda/import-template.csv")
@allow(ORGANISER)
def import_template(meeting_id: int):
    """A CSV with the import columns and two example rows."""
    meeting = meeting_or_404(meeting_id)
    return _download(imports.template_csv(meeting), "text/csv; charset=utf-8", "agenda-import-template.csv")


def _download(content: bytes, mimetype: str, filename: str) -> Response:
    # content_type, not mimetype: Werkzeug appends "; charset=utf-8" to a text/* mimetype, which already has it
    return Response(content, content_type=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _conditional(content: bytes, mimetype: str, filename: str, etag: str, *, public: bool) -> Response:
    """A download with its ETag: a client that has this version gets 304 and no body. The public agenda may be
    kept by shared caches; the organisers' copy (unpublished sessions, every name) only by the browser."""
    response = _download(content, mimetype, filename)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, no-cache" if public else "private, no-cache"
    return response.make_conditional(request)


def _layout() -> str:
    return "rooms" if request.args.get("layout") == "rooms" else "list"


@bp.route("/meetings/<int:meeting_id>/agenda/agenda.pdf")
@allow(ORGANISER)
def export_pdf(meeting_id: int):
    """The print-ready agenda with every session, published or not (`layout` = list or rooms)."""
    meeting = meeting_or_404(meeting_id)
    sessions = services.list_sessions(meeting)
    pdf, etag = exports.agenda_pdf_cached(meeting, sessions, layout=_layout(), rooms=services.list_rooms(meeting),
                                          draft=True)
    record("agenda.export", actor=current_user, meeting=meeting, format="pdf", sessions=len(sessions))
    db.session.commit()
    return _conditional(pdf, "application/pdf", f"agenda-{meeting.id}-{_layout()}.pdf", etag, public=False)


@bp.route("/meetings/<int:meeting_id>/agenda/agenda.<any(csv, xlsx):fmt>")
@allow(ORGANISER)
def export_table(meeting_id: int, fmt: str):
    """Every session as a table, with people and sign-up counts (CSV or XLSX)."""
    meeting = meeting_or_404(meeting_id)
    sessions = services.list_sessions(meeting)
    frame = exports.agenda_table(meeting, sessions, services.count_signups([s.id for s in sessions]))
    record("agenda.export", actor=current_user, meeting=meeting, format=fmt, sessions=len(sessions))
    db.session.commit()
    if fmt == "csv":
        return _download(csv_bytes(frame, tz=meeting.tz), "text/csv; charset=utf-8", f"agenda-{meeting.id}.csv")
    return _download(xlsx_bytes(frame, "Agenda", zone=meeting.timezone),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"agenda-{meeting.id}.xlsx")


# --- everyone: the published agenda ------------------------------------------------------------------------

def _public_meeting_or_404(meeting_id: int) -> Meeting:
    meeting = meeting_or_404(meeting_id)
    if not services.is_public(meeting):
        abort(404)
    return meeting


def _day_arg() -> date | None:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return None


@bp.route("/meetings/<int:meeting_id>/programme")
@allow(PUBLIC)
def public(meeting_id: int):
    """The published agenda by day, filtered by day and track."""
    meeting = _public_meeting_or_404(meeting_id)
    sessions = services.list_sessions(meeting, published_only=True)
    day, track = _day_arg(), request.args.get("track", "")
    all_days = [d for d, _s in services.by_day(meeting, sessions)]
    shown = [s for s in sessions if (not day or s.local_day(meeting.tz) == day) and (not track or s.track == track)]
    return render_template("agenda/public.html", meeting=meeting, days=services.by_day(meeting, shown),
                           all_days=all_days, tracks=services.list_tracks(sessions), day=day, track=track,
                           own=services.get_own_registration(meeting, current_user))


@bp.route("/meetings/<int:meeting_id>/programme/<int:session_id>", endpoint="session")
@allow(PUBLIC)
def session_page(meeting_id: int, session_id: int):
    """One published session: when, where, who, languages."""
    meeting = _public_meeting_or_404(meeting_id)
    item = _session_or_404(meeting, session_id, published_only=True)
    registration = services.get_own_registration(meeting, current_user)
    signup = services.signups_of(registration).get(item.id) if registration else None
    taken = services.places([item.id]).get(item.id, (0, 0))[0]
    return render_template("agenda/session.html", meeting=meeting, item=item, registration=registration,
                           signup=signup, taken=taken, can_sign_up=services.can_sign_up(item))


@bp.route("/meetings/<int:meeting_id>/programme.ics")
@allow(PUBLIC)
def public_ics(meeting_id: int):
    """The published agenda as an iCalendar file."""
    meeting = _public_meeting_or_404(meeting_id)
    sessions = services.list_sessions(meeting, published_only=True)
    ics = exports.agenda_ics(meeting, sessions, stamp=exports.ics_version(sessions, meeting))
    return _conditional(ics, "text/calendar; charset=utf-8", f"agenda-{meeting.id}.ics",
                        hashlib.sha256(ics).hexdigest()[:40], public=True)


@bp.route("/meetings/<int:meeting_id>/programme.pdf")
@allow(PUBLIC)
def public_pdf(meeting_id: int):
    """The published agenda, print-ready (`layout` = list or rooms)."""
    meeting = _public_meeting_or_404(meeting_id)
    pdf, etag = exports.agenda_pdf_cached(meeting, services.list_sessions(meeting, published_only=True),
                                          layout=_layout(), rooms=services.list_rooms(meeting))
    return _conditional(pdf, "application/pdf", f"agenda-{meeting.id}-{_layout()}.pdf", etag, public=True)


# --- participants: their own agenda ------------------------------------------------------------------------

def _own_registration_or_403(meeting: Meeting) -> Registration:
    registration = services.get_own_registration(meeting, current_user)
    if registration is None:
        abort(403)
    return registration


@bp.route("/meetings/<int:meeting_id>/my-agenda")
@allow(SIGNED_IN)
def mine(meeting_id: int):
    """The participant's own agenda (plenaries and what they signed up for) and the sessions open for sign-up."""
    meeting = _public_meeting_or_404(meeting_id)
    registration = services.get_own_registration(meeting, current_user)
    if registration is None:
        return render_template("agenda/mine_none.html", meeting=meeting)
    sessions = services.list_sessions(meeting, published_only=True)
    own = services.own_agenda(meeting, registration)
    return render_template("agenda/mine.html", meeting=meeting, own_days=services.by_day(meeting, own),
                           overlaps=services.overlapping_pairs(own), signups=services.signups_of(registration),
                           open_days=services.by_day(meeting, [s for s in sessions if services.can_sign_up(s)]),
                           places=services.places([s.id for s in sessions]),
                           has_feed=registration.calendar_token is not None)


@bp.route("/meetings/<int:meeting_id>/my-agenda.ics")
@allow(SIGNED_IN)
def mine_ics(meeting_id: int):
    """The participant's own agenda as an iCalendar file to import into a calendar."""
    meeting = _public_meeting_or_404(meeting_id)
    registration = services.get_own_registration(meeting, current_user)
    if registration is None:
        abort(404)  # no own agenda to export (yet)
    own = services.own_agenda(meeting, registration, breaks=False)
    ics = exports.agenda_ics(meeting, own, signups=services.signups_of(registration), personal=True)
    return _download(ics, "text/calendar; charset=utf-8", f"my-agenda-{meeting.id}.ics")


@bp.route("/meetings/<int:meeting_id>/my-agenda/feed", methods=["POST"])
@allow(SIGNED_IN)
def make_feed(meeting_id: int):
    """A private calendar feed URL for my agenda (a new one replaces the old, which stops working)."""
    meeting = _public_meeting_or_404(meeting_id)
    registration = _own_registration_or_403(meeting)
    token = services.issue_calendar_feed(registration, actor=current_user)
    db.session.commit()
    # shown once, on this page: only its hash is kept, and it never goes into a flash message or a log
    return render_template("agenda/feed.html", meeting=meeting,
                           feed_url=link_for("agenda.feed", token=token)), 200, {"Cache-Control": "no-store"}


@bp.route("/meetings/<int:meeting_id>/my-agenda/feed/revoke", methods=["POST"])
@allow(SIGNED_IN)
def revoke_feed(meeting_id: int):
    """Stop my calendar feed URL from working."""
    meeting = _public_meeting_or_404(meeting_id)
    registration = _own_registration_or_403(meeting)
    services.revoke_calendar_feed(registration, actor=current_user)
    db.session.commit()
    flash(_("Your calendar feed link no longer works. Calendars subscribed to it stop updating."), "success")
    return redirect(url_for("agenda.mine", meeting_id=meeting.id), 303)


@bp.route("/calendar/<token>.ics")
@allow(PUBLIC)
def feed(token: str):
    """A person's agenda as a calendar feed: the secret in the URL reads that person's agenda and nothing else."""
    registration = services.registration_for_feed(token)
    if registration is None:
        abort(404)
    meeting = _public_meeting_or_404(registration.meeting_id)  # a draft meeting has no agenda to show yet
    own = services.own_agenda(meeting, registration, breaks=False)
    ics = exports.agenda_ics(meeting, own, signups=services.signups_of(registration), personal=True)
    response = _download(ics, "text/calendar; charset=utf-8", f"my-agenda-{meeting.id}.ics")
    response.headers["Content-Disposition"] = "inline"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/meetings/<int:meeting_id>/programme/<int:session_id>/sign-up", methods=["POST"])
@allow(SIGNED_IN)
def sign_up(meeting_id: int, session_id: int):
    """Take a place in a session, or a place on its waitlist."""
    meeting = _public_meeting_or_404(meeting_id)
    registration = _own_registration_or_403(meeting)
    item = _session_or_404(meeting, session_id, published_only=True)
    signup, clashes = services.sign_up(item, registration, actor=current_user)
    db.session.commit()
    if signup.status == SignupStatus.waitlisted:
        flash(_("The session is full: you are on its waitlist and will get an email if a place frees up."), "info")
    else:
        flash(_("You are signed up for “%(title)s”.", title=tr_text(item, "title", meeting)), "success")
    for other in clashes:
        flash(_("It overlaps “%(title)s” (%(when)s) in your agenda.", title=tr_text(other, "title", meeting),
                when=services.format_when(meeting, other)), "warning")
    return redirect(local_path(request.form.get("next"), url_for("agenda.mine", meeting_id=meeting.id)), 303)


@bp.route("/meetings/<int:meeting_id>/programme/<int:session_id>/cancel", methods=["POST"])
@allow(SIGNED_IN)
def cancel_signup(meeting_id: int, session_id: int):
    """Give up a place (or a place on the waitlist)."""
    meeting = _public_meeting_or_404(meeting_id)
    registration = _own_registration_or_403(meeting)
    item = _session_or_404(meeting, session_id, published_only=True)
    services.cancel_signup(item, registration, actor=current_user)
    db.session.commit()
    flash(_("You are no longer signed up for “%(title)s”.", title=tr_text(item, "title", meeting)), "success")
    return redirect(local_path(request.form.get("next"), url_for("agenda.mine", meeting_id=meeting.id)), 303)
