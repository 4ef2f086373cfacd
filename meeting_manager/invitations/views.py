"""Invitation pages: the organiser's list, single and bulk invitations, and the invitee's public landing page."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import ORGANISER, PUBLIC, allow
from ..accounts.web import sign_in_as
from ..delegations.models import Delegation
from ..errors import ValidationFailed
from ..extensions import db
from ..meetings.loaders import meeting_or_404, of_meeting_or_404
from ..meetings.models import Meeting
from ..reference.services import country_choices
from ..widgets import choices_of
from . import bulk, services
from .forms import ImportForm, InvitationForm, UploadForm, mapping_form
from .models import Invitation, InvitationStatus

bp = Blueprint("invitations", __name__)


@bp.context_processor
def inject_labels():
    return {"status_labels": services.STATUS_LABELS, "statuses": InvitationStatus}


@bp.app_errorhandler(services.InvitationInvalid)
def invalid_link(error: services.InvitationInvalid):
    """One plain page for every unusable link, wherever it is checked (here or on the registration form)."""
    db.session.rollback()
    return render_template("invitations/invalid.html", message=error.message), 404


@bp.route("/meetings/<int:meeting_id>/invitations")
@allow(ORGANISER)
def index(meeting_id: int):
    """Every invitation of the meeting with its status, filtered by status, with counts per status."""
    meeting = meeting_or_404(meeting_id)
    if services.expire_overdue(meeting):
        db.session.commit()
    status = request.args.get("status")
    status = InvitationStatus(status) if status in InvitationStatus.__members__ else None
    page = db.paginate(services.list_invitations_query(meeting, status), per_page=100, error_out=False)
    return render_template("invitations/index.html", meeting=meeting, page=page, status=status,
                           counts=services.status_counts(meeting))


def _invitation_form(meeting: Meeting) -> InvitationForm:
    form = InvitationForm()
    form.country_code.choices = choices_of(country_choices(blank="—"))
    form.category_id.choices = choices_of([(0, "—")] + [(c.id, c.label) for c in meeting.categories])
    delegations = db.session.scalars(select(Delegation).where(Delegation.meeting_id == meeting.id)
                                     .order_by(Delegation.name))
    form.delegation_id.choices = choices_of([(0, "—")] + [(d.id, d.name) for d in delegations])
    if request.method != "POST" and (chosen := request.args.get("delegation", type=int)):
        form.delegation_id.data = chosen
    return form


@bp.route("/meetings/<int:meeting_id>/invitations/new", methods=["GET", "POST"])
@allow(ORGANISER)
def new(meeting_id: int):
    """Invite one person, or a delegation's focal point."""
    meeting = meeting_or_404(meeting_id)
    form = _invitation_form(meeting)
    if form.validate_on_submit():
        services.invite_person(
            meeting, email=form.email.data, actor=current_user, given_name=form.given_name.data or "",
            family_name=form.family_name.data or "", country_code=form.country_code.data or None,
            organisation=form.organisation.data or "", seats=form.seats.data, lock_email=form.lock_email.data,
            category=next((c for c in meeting.categories if c.id == form.category_id.data), None),
            delegation=db.session.get(Delegation, form.delegation_id.data) if form.delegation_id.data else None,
            is_focal_point=form.is_focal_point.data,
        )
        db.session.commit()
        flash(_("Invitation sent."), "success")
        return redirect(url_for("invitations.index", meeting_id=meeting.id), 303)
    return render_template("invitations/form.html", meeting=meeting, form=form)


def _act(meeting_id: int, invitation_id: int, action, message: str):
    meeting = meeting_or_404(meeting_id)
    invitation = of_meeting_or_404(Invitation, meeting, invitation_id)
    action(invitation, actor=current_user)
    db.session.commit()
    flash(message, "success")
    return redirect(request.referrer or url_for("invitations.index", meeting_id=meeting.id), 303)


@bp.route("/meetings/<int:meeting_id>/invitations/<int:invitation_id>/resend", methods=["POST"])
@allow(ORGANISER)
def resend(meeting_id: int, invitation_id: int):
    """Send a new link; the old one stops working."""
    return _act(meeting_id, invitation_id, services.resend_invitation,
                _("A new link was sent; the old one no longer works."))


@bp.route("/meetings/<int:meeting_id>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@allow(ORGANISER)
def revoke(meeting_id: int, invitation_id: int):
    """Withdraw an unanswered invitation."""
    return _act(meeting_id, invitation_id, services.revoke_invitation, _("Invitation withdrawn."))


@bp.route("/meetings/<int:meeting_id>/invitations/<int:invitation_id>/bounced", methods=["POST"])
@allow(ORGANISER)
def bounced(meeting_id: int, invitation_id: int):
    """Record that the mail came back undelivered."""
    return _act(meeting_id, invitation_id, services.mark_bounced, _("Marked as bounced."))


@bp.route("/meetings/<int:meeting_id>/invitations/remind", methods=["POST"])
@allow(ORGANISER)
def remind(meeting_id: int):
    """Remind the chosen invitees, or everyone who has not answered."""
    meeting = meeting_or_404(meeting_id)
    chosen = None if request.form.get("all") else request.form.getlist("invitation_ids", type=int)
    if chosen == []:
        flash(_("Choose the people to remind, or remind everyone who has not answered."), "error")
        return redirect(url_for("invitations.index", meeting_id=meeting.id), 303)
    count = services.send_reminders(meeting, chosen, actor=current_user)
    db.session.commit()
    flash(_("%(n)d reminders sent.", n=count), "success")
    return redirect(url_for("invitations.index", meeting_id=meeting.id), 303)


# Bulk upload ------------------------------------------------------------------------------------------------------

def _preview(meeting: Meeting, upload_id: str, upload: dict, code: int = 200):
    preview = bulk.check_upload(meeting, upload)
    return render_template(
        "invitations/preview.html", meeting=meeting, preview=preview,
        map_form=mapping_form(upload["headers"], upload["mapping"], upload_id),
        import_form=ImportForm(formdata=None, upload_id=upload_id), field_labels=bulk.FIELD_LABELS,
    ), code


@bp.route("/meetings/<int:meeting_id>/invitations/upload", methods=["GET", "POST"])
@allow(ORGANISER)
def upload(meeting_id: int):
    """Upload a spreadsheet of invitees; it is checked and shown before anything is imported."""
    meeting = meeting_or_404(meeting_id)
    form = UploadForm()
    if form.validate_on_submit():
        try:
            upload_id, kept = bulk.save_upload(meeting, actor=current_user, filename=form.file.data.filename,
                                               content=form.file.data.read())
        except ValidationFailed as error:
            form.file.errors.append(str(error.message))
        else:
            db.session.commit()
            return _preview(meeting, upload_id, kept)
    return render_template("invitations/upload.html", meeting=meeting, form=form,
                           fields=bulk.FIELDS, field_labels=bulk.FIELD_LABELS), 200 if not form.errors else 422


@bp.route("/meetings/<int:meeting_id>/invitations/upload/columns", methods=["POST"])
@allow(ORGANISER)
def map_columns(meeting_id: int):
    """Choose which of the file's columns holds each of our fields, and check the rows again."""
    meeting = meeting_or_404(meeting_id)
    upload_id = request.form.get("upload_id", "")
    kept = bulk.load_upload(meeting, upload_id, actor=current_user)
    form = mapping_form(kept["headers"], kept["mapping"], upload_id)
    if form.validate_on_submit():
        kept = bulk.set_mapping(meeting, upload_id, {f: getattr(form, f).data for f in bulk.FIELDS},
                                actor=current_user)
    return _preview(meeting, upload_id, kept)


@bp.route("/meetings/<int:meeting_id>/invitations/upload/import", methods=["POST"])
@allow(ORGANISER)
def import_upload(meeting_id: int):
    """Issue the invitations of a checked upload in one transaction (bad rows only if the organiser drops them)."""
    meeting = meeting_or_404(meeting_id)
    form = ImportForm()
    upload_id = form.upload_id.data or ""
    try:
        imported, dropped = bulk.import_upload(meeting, upload_id, drop_bad=form.drop_bad.data,
                                               lock_email=form.lock_email.data, actor=current_user)
    except ValidationFailed as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _preview(meeting, upload_id, bulk.load_upload(meeting, upload_id, actor=current_user), 422)
    db.session.commit()
    bulk.discard_upload(upload_id)
    left_out = " " + _("%(n)d rows were left out.", n=dropped) if dropped else ""
    flash(_("%(n)d invitations sent.", n=imported) + left_out, "success")
    return redirect(url_for("invitations.index", meeting_id=meeting.id), 303)


# The invitee's side ------------------------------------------------------------------------------------------------

@bp.route("/i/<token>")
@allow(PUBLIC)
def landing(token: str):
    """What the invitation offers, with Register (or, for a focal point, Accept) and Decline."""
    invitation = services.get_valid_invitation(token)
    services.mark_opened(invitation)
    db.session.commit()
    return render_template("invitations/landing.html", invitation=invitation, invited_to=invitation.meeting,
                           token=token)


@bp.route("/i/<token>/decline", methods=["POST"])
@allow(PUBLIC)
def decline(token: str):
    """Decline the invitation; a confirmation is mailed."""
    invitation = services.get_valid_invitation(token)
    services.decline_invitation(invitation, language=str(get_locale()))
    db.session.commit()
    return render_template("invitations/declined.html", invited_to=invitation.meeting)


@bp.route("/i/<token>/accept", methods=["POST"])
@allow(PUBLIC)
def accept(token: str):
    """A focal point accepts: signed in to their account, they go to the delegation's page."""
    invitation = services.get_valid_invitation(token)
    user = services.accept_as_focal_point(invitation)
    db.session.commit()
    target = url_for("delegations.focal", delegation_id=invitation.delegation_id)
    if user.is_admin or user.meeting_roles or user.password_hash:  # an account that has a password signs in with it
        flash(_("Please sign in to your account: your delegation's page opens next."), "info")
        return redirect(url_for("accounts.sign_in", next=target), 303)
    sign_in_as(user)
    flash(_("Welcome. From this page you nominate your delegation's members."), "success")
    return redirect(target, 303)
