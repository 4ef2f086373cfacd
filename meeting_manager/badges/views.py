"""Badge pages for staff and organisers: print a batch (all, a filter, not yet printed, one reprint), the print
log, and the meeting's logo and category colours."""
import re

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import ORGANISER, STAFF, allow
from ..audit.services import record
from ..delegations.models import Delegation
from ..errors import ValidationFailed
from ..extensions import db
from ..jobs.dispatch import runner_mode
from ..jobs.services import start_job
from ..meetings.loaders import meeting_or_404
from ..meetings.models import Meeting
from ..reference.services import region_choices
from ..registration.models import Registration, RegistrationStatus
from ..widgets import choices_of
from . import services
from .formats import FORMATS
from .forms import BatchForm, LogoForm
from .render import start_workers_early

bp = Blueprint("badges", __name__)
HEX = re.compile(r"#[0-9a-fA-F]{6}")


def _batch_form(meeting: Meeting) -> BatchForm:
    form = BatchForm()
    everyone = [("", _("all"))]
    form.region.choices = choices_of(everyone + region_choices(meeting.region_scheme_id))
    form.category.choices = choices_of(everyone + [(c.code, c.label) for c in meeting.categories])
    delegations = db.session.execute(db.select(Delegation.id, Delegation.name)
                                     .where(Delegation.meeting_id == meeting.id))
    form.delegation.choices = choices_of(everyone + [(str(i), name) for i, name in delegations])
    return form


def _start_batch(meeting: Meeting, people: list[Registration], fmt: str):
    if fmt not in FORMATS:  # checked here, not in the job, which would only fail later
        flash(_("Choose one of the badge formats."), "error")
        return redirect(url_for("badges.index", meeting_id=meeting.id))
    if not people:
        flash(_("No approved participant matches: nothing to print."), "warning")
        return redirect(url_for("badges.index", meeting_id=meeting.id))
    job = start_job("badges.batch", meeting=meeting, actor=current_user,
                    params={"registration_ids": [r.id for r in people], "format": fmt})
    record("badges.batch", actor=current_user, meeting=meeting, subject=job, count=len(people), format=fmt)
    db.session.commit()
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/meetings/<int:meeting_id>/badges", methods=["GET", "POST"])
@allow(STAFF)
def index(meeting_id: int):
    """Choose who to print badges for and in which format; the batch runs in the background."""
    meeting = meeting_or_404(meeting_id)
    form = _batch_form(meeting)
    if form.validate_on_submit():
        people = services.badge_holders(
            meeting, region=form.region.data, category=form.category.data,
            delegation_id=int(form.delegation.data) if form.delegation.data else None,
            arrival_day=form.arrival_day.data, only_unprinted=form.only_unprinted.data)
        return _start_batch(meeting, people, form.format.data)
    if runner_mode(current_app) == "thread":  # the batch will render in this process: get its workers ready
        start_workers_early()
    approved = len(services.badge_holders(meeting))
    return render_template("badges/index.html", meeting=meeting, form=form, approved=approved,
                           printed=services.count_printed(meeting), log=services.print_log(meeting),
                           logo_form=LogoForm(), can_design=current_user.is_admin or current_user.has_meeting_role(
                               meeting.id, ("organiser",))), 422 if form.errors else 200


@bp.route("/meetings/<int:meeting_id>/badges/<int:registration_id>/reprint", methods=["POST"])
@allow(STAFF)
def reprint(meeting_id: int, registration_id: int):
    """Print one badge again (lost, damaged, or a corrected name)."""
    meeting = meeting_or_404(meeting_id)
    registration = db.get_or_404(Registration, registration_id)
    if registration.meeting_id != meeting.id or registration.status != RegistrationStatus.approved:
        flash(_("Only approved participants of this meeting get a badge."), "error")
        return redirect(url_for("badges.index", meeting_id=meeting.id))
    return _start_batch(meeting, [registration], request.form.get("format", "a6"))


@bp.route("/meetings/<int:meeting_id>/badges/design", methods=["POST"])
@allow(ORGANISER)
def design(meeting_id: int):
    """Save the category colours and, if one is uploaded, the meeting's logo."""
    meeting = meeting_or_404(meeting_id)
    colours = {c.id: request.form.get(f"colour-{c.id}", c.colour) for c in meeting.categories}
    if bad := [c.name for c in meeting.categories if not HEX.fullmatch(colours[c.id] or "")]:
        flash(_("Use colours like #1f5f8b for: %(names)s.", names=", ".join(bad)), "error")
        return redirect(url_for("badges.index", meeting_id=meeting.id))
    try:
        services.set_colours(meeting, colours, actor=current_user)
        if (upload := request.files.get("logo")) and upload.filename:
            services.save_logo(meeting, upload.read(), actor=current_user)
    except ValidationFailed as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
    else:
        db.session.commit()
        flash(_("Badge design saved."), "success")
    return redirect(url_for("badges.index", meeting_id=meeting.id))
