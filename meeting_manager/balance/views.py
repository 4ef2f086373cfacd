"""Balance pages for organisers: the policy, the review queue with decisions, suggested decisions, the dashboard."""
from datetime import datetime, timedelta, timezone

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import ORGANISER, allow
from ..audit.services import record
from ..delegations.models import Delegation
from ..exports import csv_bytes, xlsx_workbook
from ..extensions import db
from ..meetings.models import Meeting
from ..meetings.services import to_local, to_utc
from ..pdf import cached_pdf, html_to_pdf
from ..reference.services import region_map
from ..registration.models import Gender, Registration, RegistrationStatus
from . import services
from .dashboard import GENDERS, build_dashboard, dashboard_frames
from .forms import AcceptSuggestionForm, DecisionForm, PolicyForm, ReviewFilterForm
from .policy import CATEGORY, GENDER, REGION, UNASSIGNED

bp = Blueprint("balance", __name__)


def _policy_rows(meeting: Meeting) -> list[dict]:
    """Every (dimension, value) an organiser can bound, with the stored bound if there is one."""
    stored = {(b.dimension, b.value): b for b in getattr(services.get_policy_row(meeting), "bounds", [])}
    values = [(REGION, r, r) for r in sorted(set(region_map(meeting.region_scheme_id).values()))]
    values += [(REGION, UNASSIGNED, _("Unassigned (no region in this scheme)"))]
    values += [(GENDER, g.value, services.GENDER_LABELS[g.value]) for g in Gender]
    values += [(CATEGORY, c.code, c.name) for c in meeting.categories if c.counts_toward_balance]
    return [{"dimension": d, "value": v, "label": label, "unit": getattr(stored.get((d, v)), "unit", None),
             "minimum": getattr(stored.get((d, v)), "minimum", None),
             "maximum": getattr(stored.get((d, v)), "maximum", None)} for d, v, label in values]


@bp.route("/meetings/<int:meeting_id>/policy", methods=["GET", "POST"])
@allow(ORGANISER)
def edit_policy(meeting_id: int):
    """The meeting's balance policy: bounds per region, gender and category, reservations, mix rule, mode."""
    meeting = db.get_or_404(Meeting, meeting_id)
    row, rows = services.get_policy_row(meeting), _policy_rows(meeting)
    data = {"bounds": [{k: r[k] for k in ("dimension", "value", "minimum", "maximum")} | {
        "unit": getattr(r["unit"], "value", "seats")} for r in rows]}
    if row is not None:
        data |= {"decision_mode": row.decision_mode.value, "mix_min_size": row.mix_min_size,
                 "mix_is_violation": row.mix_is_violation,
                 "reservations_release_at": to_local(row.reservations_release_at, meeting.timezone)}
    form = PolicyForm(data=data)
    problems = []
    if form.validate_on_submit():
        try:
            services.save_policy(meeting, {
                "decision_mode": form.decision_mode.data, "mix_min_size": form.mix_min_size.data,
                "mix_is_violation": form.mix_is_violation.data,
                "reservations_release_at": to_utc(form.reservations_release_at.data, meeting.timezone),
            }, [entry.data for entry in form.bounds], actor=current_user)
        except services.PolicyInvalid as refused:
            db.session.rollback()
            problems = refused.problems
        else:
            db.session.commit()
            flash(_("Policy saved."), "success")
            return redirect(url_for("balance.edit_policy", meeting_id=meeting.id))
    status = 422 if form.errors or problems else 200
    return render_template("balance/policy.html", meeting=meeting, form=form, rows=rows, problems=problems,
                           has_previous=meeting.previous is not None), status


@bp.route("/meetings/<int:meeting_id>/policy/copy-previous", methods=["POST"])
@allow(ORGANISER)
def copy_policy(meeting_id: int):
    """Copy the previous edition's policy."""
    meeting = db.get_or_404(Meeting, meeting_id)
    services.copy_previous_policy(meeting, actor=current_user)
    db.session.commit()
    flash(_("The previous edition's policy was copied. Check it against this meeting's capacity."), "success")
    return redirect(url_for("balance.edit_policy", meeting_id=meeting.id))


def _day(text: str | None, meeting: Meeting, *, next_day: bool = False) -> datetime | None:
    try:
        day = datetime.strptime(text, "%Y-%m-%d") if text else None
    except ValueError:
        return None
    return to_utc(day + timedelta(days=1) if next_day else day, meeting.timezone) if day else None


def _filter_form(meeting: Meeting) -> ReviewFilterForm:
    form = ReviewFilterForm(request.args)
    everyone = [("", _("all"))]
    form.region.choices = everyone + [(r, r) for r in sorted(set(region_map(meeting.region_scheme_id).values()))] + [
        (UNASSIGNED, _("unassigned"))]
    form.gender.choices = everyone + [(g.value, services.GENDER_LABELS[g.value]) for g in Gender]
    form.category.choices = everyone + [(c.code, c.name) for c in meeting.categories]
    delegations = db.session.execute(db.select(Delegation.id, Delegation.name).where(Delegation.meeting_id == meeting.id))
    form.delegation.choices = everyone + [(str(i), name) for i, name in delegations]
    return form


@bp.route("/meetings/<int:meeting_id>/registrations")
@allow(ORGANISER)
def review(meeting_id: int):
    """The review queue: registrations with filters, and what approving each would do to every rule."""
    meeting = db.get_or_404(Meeting, meeting_id)
    filters = _filter_form(meeting)
    filters.validate()
    args = {name: (field.data or "") for name, field in filters._fields.items()}
    rows = services.review_queue(
        meeting, status=RegistrationStatus(args["status"] or "pending"), region=args["region"],
        gender=args["gender"], category=args["category"], delegation=args["delegation"],
        submitted_from=_day(args["submitted_from"], meeting), submitted_to=_day(args["submitted_to"], meeting,
                                                                                  next_day=True))
    return render_template("balance/review.html", meeting=meeting, rows=rows, filters=filters, form=DecisionForm(),
                           offer=services.next_from_waitlist(meeting))


@bp.route("/meetings/<int:meeting_id>/registrations/decide", methods=["POST"])
@allow(ORGANISER)
def decide(meeting_id: int):
    """Approve, waitlist or decline the chosen registrations (a violation needs a written reason)."""
    meeting = db.get_or_404(Meeting, meeting_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(request.referrer or url_for("balance.review", meeting_id=meeting.id))
    chosen = db.session.scalars(db.select(Registration).where(
        Registration.meeting_id == meeting.id, Registration.id.in_(form.registration_ids.data))
        .order_by(Registration.submitted_at, Registration.id)).all()
    try:
        services.decide_many(list(chosen), RegistrationStatus(form.outcome.data), actor=current_user,
                             override_reason=form.override_reason.data)
    except (services.RuleViolation, services.DomainError) as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
    else:
        db.session.commit()
        flash(_("%(n)s registration(s) %(outcome)s.", n=len(chosen), outcome=form.outcome.data), "success")
    return redirect(request.referrer or url_for("balance.review", meeting_id=meeting.id))


@bp.route("/meetings/<int:meeting_id>/suggestions", methods=["GET", "POST"])
@allow(ORGANISER)
def suggestions(meeting_id: int):
    """The largest set of pending registrations that can be approved together; accept it in one step."""
    meeting = db.get_or_404(Meeting, meeting_id)
    form = AcceptSuggestionForm()
    if form.validate_on_submit():
        try:
            approved = services.accept_suggestion(meeting, form.registration_ids.data, actor=current_user)
        except services.RuleViolation as refused:
            db.session.rollback()
            flash(str(refused.message), "error")
        else:
            db.session.commit()
            flash(_("%(n)s registrations approved.", n=approved), "success")
            return redirect(url_for("balance.dashboard", meeting_id=meeting.id))
    chosen, suggestion = services.suggest(meeting)
    pending = db.session.scalar(db.select(db.func.count()).select_from(Registration).where(
        Registration.meeting_id == meeting.id, Registration.status == RegistrationStatus.pending))
    return render_template("balance/suggestions.html", meeting=meeting, chosen=chosen, suggestion=suggestion,
                           pending=pending, form=form)


@bp.route("/meetings/<int:meeting_id>/balance")
@allow(ORGANISER)
def dashboard(meeting_id: int):
    """The balance dashboard; refreshes itself while open."""
    meeting = db.get_or_404(Meeting, meeting_id)
    board = build_dashboard(meeting)
    template = "balance/_dashboard_body.html" if request.headers.get("X-Refresh") else "balance/dashboard.html"
    return render_template(template, meeting=meeting, board=board, genders=GENDERS,
                           refreshed=datetime.now(timezone.utc))


@bp.route("/meetings/<int:meeting_id>/balance.pdf")
@allow(ORGANISER)
def dashboard_pdf(meeting_id: int):
    """The dashboard as a PDF for board meetings."""
    meeting = db.get_or_404(Meeting, meeting_id)
    board = build_dashboard(meeting)

    def page(refreshed: datetime) -> str:
        return render_template("balance/dashboard_pdf.html", meeting=meeting, board=board, genders=GENDERS,
                               refreshed=refreshed)

    # Rendered once per state of the balance (2.3 s each): asked again with nothing changed, it is the same file.
    pdf, etag = cached_pdf(f"balance/{meeting.id}", page(datetime(2000, 1, 1, tzinfo=timezone.utc)),
                           lambda: html_to_pdf(page(datetime.now(timezone.utc))))
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
    meeting = db.get_or_404(Meeting, meeting_id)
    frames = dashboard_frames(build_dashboard(meeting))
    record("balance.export", actor=current_user, meeting=meeting, format=fmt)
    db.session.commit()
    if fmt == "xlsx":
        body, mimetype = xlsx_workbook(frames), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        import pandas as pd

        table = pd.concat([frames["Bounds"].assign(table="bounds"),
                           frames["Region x gender"].assign(table="region x gender")], ignore_index=True)
        body, mimetype = csv_bytes(table), "text/csv"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="balance-{meeting.id}.{fmt}"'})
