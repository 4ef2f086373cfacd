"""Balance pages for organisers: the policy, the review queue with decisions, suggested decisions, the dashboard."""
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from ..access import ORGANISER, allow
from ..audit.services import record
from ..delegations.models import Delegation
from ..exports import csv_bytes, xlsx_workbook
from ..extensions import db
from ..jobs.services import start_job
from ..meetings.loaders import meeting_or_404
from ..meetings.models import Meeting
from ..meetings.services import to_local, to_utc
from ..pdf import cached_pdf, html_to_pdf
from ..reference.services import iso_countries, region_choices, region_label
from ..registration.forms import gender_label
from ..registration.models import Gender, Registration, RegistrationStatus
from ..registration.services import status_label
from ..reports.labels import for_reader, frames_for_reader
from ..widgets import choices_of
from . import services, wording
from .dashboard import GENDERS, build_dashboard, dashboard_frames
from .forms import AcceptSuggestionForm, DecisionForm, PolicyForm, ReviewFilterForm
from .policy import CATEGORY, GENDER, REGION, UNASSIGNED

bp = Blueprint("balance", __name__)

QUEUE_PAGE = 50  #: registrations per page of the review queue
REFUSED_KEY = "balance_refused_selection"  #: the selection of a refused decision, kept for the next queue page


@bp.app_template_global("finding_text")
def finding_text(finding, meeting: Meeting) -> str:
    """A rule finding (engine Finding or stored history dict) as a sentence in the reader's language; the
    meeting's names are read once per request."""
    cache = g.setdefault("finding_labels", {})
    if meeting.id not in cache:
        cache[meeting.id] = services.labels_for(meeting)
    return wording.finding_text(finding, cache[meeting.id])


def _policy_rows(meeting: Meeting) -> list[dict]:
    """Every (dimension, value) an organiser can bound, with the stored bound if there is one."""
    stored = {(b.dimension, b.value): b for b in getattr(services.get_policy_row(meeting), "bounds", [])}
    values = [(REGION, r, label) for r, label in region_choices(meeting.region_scheme_id)]
    values += [(REGION, UNASSIGNED, _("Unassigned (no region in this scheme)"))]
    values += [(GENDER, g.value, services.GENDER_LABELS[g.value]) for g in Gender]
    values += [(CATEGORY, c.code, c.label) for c in meeting.categories if c.counts_toward_balance]
    return [{"dimension": d, "value": v, "label": label, "unit": getattr(stored.get((d, v)), "unit", None),
             "minimum": getattr(stored.get((d, v)), "minimum", None),
             "maximum": getattr(stored.get((d, v)), "maximum", None)} for d, v, label in values]


@bp.route("/meetings/<int:meeting_id>/policy", methods=["GET", "POST"])
@allow(ORGANISER)
def edit_policy(meeting_id: int):
    """The meeting's balance policy: bounds per region, gender and category, reservations, mix rule, mode."""
    meeting = meeting_or_404(meeting_id)
    row, rows = services.get_policy_row(meeting), _policy_rows(meeting)
    data = {"bounds": [{k: r[k] for k in ("dimension", "value", "minimum", "maximum")} | {
        "unit": getattr(r["unit"], "value", "seats")} for r in rows]}
    if row is not None:
        data |= {"decision_mode": row.decision_mode.value, "mix_min_size": row.mix_min_size,
                 "mix_is_violation": row.mix_is_violation,
                 "reservations_release_at": to_local(row.reservations_release_at, meeting.timezone)}
    form = PolicyForm(data=data)
    problems, below = [], False
    if form.validate_on_submit():
        try:
            services.save_policy(meeting, {
                "decision_mode": form.decision_mode.data, "mix_min_size": form.mix_min_size.data,
                "mix_is_violation": form.mix_is_violation.data,
                "reservations_release_at": to_utc(form.reservations_release_at.data, meeting.timezone),
            }, [entry.data for entry in form.bounds], actor=current_user, allow_excess=form.over_cap_ok.data)
        except services.PolicyInvalid as refused:
            db.session.rollback()
            problems, below = refused.problems, isinstance(refused, services.BelowApproved)
        else:
            db.session.commit()
            flash(_("Policy saved."), "success")
            return redirect(url_for("balance.edit_policy", meeting_id=meeting.id))
    status = 422 if form.errors or problems else 200
    return render_template("balance/policy.html", meeting=meeting, form=form, rows=rows, problems=problems,
                           below_approved=below, has_previous=meeting.previous is not None), status


@bp.route("/meetings/<int:meeting_id>/policy/copy-previous", methods=["POST"])
@allow(ORGANISER)
def copy_policy(meeting_id: int):
    """Copy the previous edition's policy."""
    meeting = meeting_or_404(meeting_id)
    services.copy_previous_policy(meeting, actor=current_user)
    db.session.commit()
    flash(_("The previous edition's policy was copied. Check it against this meeting's capacity."), "success")
    return redirect(url_for("balance.edit_policy", meeting_id=meeting.id))


def _day(day, meeting: Meeting, *, next_day: bool = False) -> datetime | None:
    """The start of a local day of the meeting (or of the day after), in UTC."""
    if day is None:
        return None
    moment = datetime.combine(day, datetime.min.time()) + timedelta(days=1 if next_day else 0)
    return to_utc(moment, meeting.timezone)


def _filter_form(meeting: Meeting) -> ReviewFilterForm:
    form = ReviewFilterForm(request.args)
    everyone = [("", _("all"))]
    form.status.choices = choices_of([(s.value, status_label(s)) for s in RegistrationStatus])
    form.region.choices = choices_of(everyone + region_choices(meeting.region_scheme_id)
                                     + [(UNASSIGNED, region_label(UNASSIGNED))])
    form.gender.choices = choices_of(everyone + [(g.value, gender_label(g)) for g in Gender])
    form.category.choices = choices_of(everyone + [(c.code, c.label) for c in meeting.categories])
    delegations = db.session.execute(db.select(Delegation.id, Delegation.name)
                                     .where(Delegation.meeting_id == meeting.id).order_by(Delegation.name))
    form.delegation.choices = choices_of(everyone + [(str(i), name) for i, name in delegations])
    return form


def _country_names() -> dict[str, str]:
    """Country names a search may use: the English ones and those of the reader's language."""
    names = dict(iso_countries())
    territories = get_locale().territories if get_locale() else {}
    return {code: f"{name} {territories.get(code, '')}" for code, name in names.items()}


def _queue_filters(form: ReviewFilterForm, meeting: Meeting) -> services.QueueFilters:
    sort = form.sort.data or "submitted"
    return services.QueueFilters(
        status=RegistrationStatus(form.status.data or "pending"), region=form.region.data or "",
        gender=form.gender.data or "", category=form.category.data or "",
        delegation=int(form.delegation.data) if form.delegation.data else None,
        submitted_from=_day(form.submitted_from.data, meeting),
        submitted_to=_day(form.submitted_to.data, meeting, next_day=True),
        search=form.q.data or "", sort=sort.lstrip("-"), descending=sort.startswith("-"))


@bp.route("/meetings/<int:meeting_id>/registrations")
@allow(ORGANISER)
def review(meeting_id: int):
    """The review queue: registrations with filters, search, sort and pages, and what approving each would do."""
    meeting = meeting_or_404(meeting_id)
    filters = _filter_form(meeting)
    refused = session.pop(REFUSED_KEY, None) if request.args.get("refused") else None
    if not filters.validate():
        # A value no choice offers (an edited URL): say which, and show nothing rather than guess.
        return render_template("balance/review.html", meeting=meeting, queue=None, filters=filters,
                               form=DecisionForm(), selected=set(), over=[], args={}), 400
    queue = services.review_queue(meeting, _queue_filters(filters, meeting),
                                  page=request.args.get("page", 1, type=int) or 1, per_page=QUEUE_PAGE,
                                  country_names=_country_names())
    form = DecisionForm(data={"outcome": (refused or {}).get("outcome", "approved")})
    args = {k: v for k, v in request.args.items() if k not in ("page", "refused") and v}
    return render_template("balance/review.html", meeting=meeting, queue=queue, filters=filters, form=form,
                           selected=set((refused or {}).get("ids", [])), refused=bool(refused),
                           over=services.over_limits(meeting), args=args)


@bp.route("/meetings/<int:meeting_id>/registrations/decide", methods=["POST"])
@allow(ORGANISER)
def decide(meeting_id: int):
    """Approve, waitlist or decline the chosen registrations (a rule's violation needs a written reason)."""
    meeting = meeting_or_404(meeting_id)
    form = DecisionForm()
    back = request.referrer or url_for("balance.review", meeting_id=meeting.id)
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(back)
    chosen = db.session.scalars(db.select(Registration).where(
        Registration.meeting_id == meeting.id, Registration.id.in_(form.registration_ids.data))
        .order_by(Registration.submitted_at, Registration.id)).all()
    outcome = RegistrationStatus(form.outcome.data)
    try:
        services.decide_many(list(chosen), outcome, actor=current_user, override_reason=form.override_reason.data,
                             reasons=_row_reasons(chosen))
    except services.DomainError as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        # The selection survives the refusal, and the reason field gets the focus (see review.html).
        session[REFUSED_KEY] = {"ids": [r.id for r in chosen], "outcome": outcome.value}
        return redirect(_with_args(back, refused="1"))
    offer = services.next_from_waitlist(meeting) if outcome != RegistrationStatus.approved else None
    db.session.commit()
    flash(decided_message(outcome, len(chosen)), "success")
    if offer is not None:
        flash(_("A seat is free: %(name)s is the earliest on the waiting list whose approval keeps every rule.",
                name=offer.badge_name), "info")
    return redirect(back)


def _row_reasons(chosen) -> dict[int, str]:
    """The reasons written beside single rows (`reason-<id>`), each at most as long as the shared one."""
    reasons = {r.id: request.form.get(f"reason-{r.id}", "").strip()[:2000] for r in chosen}
    return {i: reason for i, reason in reasons.items() if reason}


def _with_args(url: str, **extra) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | extra
    return urlunsplit(parts._replace(query=urlencode(query)))


def decided_message(outcome: RegistrationStatus, n: int) -> str:
    """"3 registrations approved." in the reader's language, with its real plural forms."""
    if outcome == RegistrationStatus.approved:
        return ngettext("%(num)d registration approved.", "%(num)d registrations approved.", n)
    if outcome == RegistrationStatus.waitlisted:
        return ngettext("%(num)d registration waitlisted.", "%(num)d registrations waitlisted.", n)
    return ngettext("%(num)d registration declined.", "%(num)d registrations declined.", n)


def _ids(values) -> list[int]:
    """Registration ids from a query string or form; anything that is not one is dropped."""
    return [int(v) for v in values if str(v).isdigit() and int(v) < 2**63]


@bp.route("/meetings/<int:meeting_id>/suggestions", methods=["GET", "POST"])
@allow(ORGANISER)
def suggestions(meeting_id: int):
    """The largest set of waitlisted and pending registrations that can be approved together, with the balance
    after it; the organiser leaves people out (re-solved), then confirms, and a job approves them."""
    meeting = meeting_or_404(meeting_id)
    form = AcceptSuggestionForm()
    # Passing over the waiting list is the organiser's explicit choice in this step, never a default.
    pass_over = request.values.get("pass_over_waitlist") == "1"
    if form.validate_on_submit() and form.confirm.data:
        job = start_job("balance.accept_suggestion", meeting=meeting, actor=current_user,
                        params={"registration_ids": form.registration_ids.data})
        record("balance.accept_suggestion_start", actor=current_user, meeting=meeting, subject=job,
               count=len(form.registration_ids.data), passed_over_waitlist=pass_over)
        db.session.commit()
        return redirect(url_for("jobs.show", job_id=job.id), 303)
    leave_out = _ids(request.values.getlist("leave_out"))
    chosen, suggestion = services.suggest(meeting, leave_out=leave_out, pass_over_waitlist=pass_over)
    preview, left_out = services.explain_suggestion(meeting, chosen, leave_out=leave_out)
    confirming = request.method == "POST" and not form.errors
    return render_template("balance/suggestions.html", meeting=meeting, chosen=chosen, suggestion=suggestion,
                           preview=preview, left_out=left_out, leave_out=leave_out, form=form, confirming=confirming,
                           pass_over=pass_over)


@bp.route("/meetings/<int:meeting_id>/balance")
@allow(ORGANISER)
def dashboard(meeting_id: int):
    """The balance dashboard; refreshes itself while open."""
    meeting = meeting_or_404(meeting_id)
    board = build_dashboard(meeting)
    template = "balance/_dashboard_body.html" if request.headers.get("X-Refresh") else "balance/dashboard.html"
    return render_template(template, meeting=meeting, board=board, genders=GENDERS,
                           refreshed=datetime.now(UTC), over=services.over_limits(meeting))


@bp.route("/meetings/<int:meeting_id>/balance.pdf")
@allow(ORGANISER)
def dashboard_pdf(meeting_id: int):
    """The dashboard as a PDF for board meetings."""
    meeting = meeting_or_404(meeting_id)
    board = build_dashboard(meeting)

    def page(refreshed: datetime) -> str:
        return render_template("balance/dashboard_pdf.html", meeting=meeting, board=board, genders=GENDERS,
                               refreshed=refreshed)

    # Rendered once per state of the balance (2.3 s each): asked again with nothing changed, it is the same file.
    pdf, etag = cached_pdf(f"balance/{meeting.id}", page(datetime(2000, 1, 1, tzinfo=UTC)),
                           lambda: html_to_pdf(page(datetime.now(UTC))))
    record("balance.export", actor=current_user, meeting=meeting, format="pdf")
    db.session.commit()
    response = Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="balance-{meeting.id}.pdf"',
                                 "Cache-Control": "private, no-cache"})
    response.set_etag(etag)
    return response.make_conditional(request)


@bp.route("/meetings/<int:meeting_id>/balance.<any(csv, xlsx):fmt>")
@allow(ORGANISER)
def dashboard_export(meeting_id: int, fmt: str):
    """The dashboard's tables as XLSX (a sheet per table) or CSV (the region × gender table and bounds)."""
    meeting = meeting_or_404(meeting_id)
    frames = dashboard_frames(build_dashboard(meeting))
    record("balance.export", actor=current_user, meeting=meeting, format=fmt)
    db.session.commit()
    if fmt == "xlsx":
        body, mimetype = (xlsx_workbook(frames_for_reader(frames)),
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        import pandas as pd

        table = pd.concat([frames["Bounds"].assign(table="bounds"),
                           frames["Region x gender"].assign(table="region x gender")], ignore_index=True)
        body, mimetype = csv_bytes(for_reader(table)), "text/csv"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="balance-{meeting.id}.{fmt}"'})
