"""Delegation pages: the organiser's list and forms, and the focal point's own page (nominate, confirm, upload)."""
from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import FOCAL_POINT, ORGANISER, allow
from ..errors import ValidationFailed
from ..extensions import db
from ..invitations.services import STATUS_LABELS
from ..meetings.loaders import meeting_or_404, of_meeting_or_404
from ..meetings.models import Meeting
from ..reference.services import country_choices
from ..registration.services import status_label as registration_status_label
from ..widgets import choices_of
from . import notices, services
from .forms import DelegationForm, NominationForm, NoteVerbaleForm
from .models import Delegation

bp = Blueprint("delegations", __name__)


@bp.context_processor
def inject_labels():
    return {"status_labels": STATUS_LABELS, "registration_label": registration_status_label}


def _meeting_delegation(meeting_id: int, delegation_id: int) -> tuple[Meeting, Delegation]:
    meeting = meeting_or_404(meeting_id)
    return meeting, of_meeting_or_404(Delegation, meeting, delegation_id)


def _form(delegation: Delegation | None = None) -> DelegationForm:
    form = DelegationForm(obj=delegation)
    form.country_code.choices = choices_of(country_choices(blank="—"))
    if delegation is not None:
        del form.invite_focal_point
    return form


def _data(form: DelegationForm) -> dict:
    names = ("name", "kind", "country_code", "seats", "focal_point_name", "focal_point_email")
    return {name: getattr(form, name).data for name in names}


@bp.route("/meetings/<int:meeting_id>/delegations")
@allow(ORGANISER)
def index(meeting_id: int):
    """The meeting's delegations with their seats, focal point, confirmation and note verbale."""
    meeting = meeting_or_404(meeting_id)
    delegations = services.list_delegations(meeting)
    taken = {d.id: services.seats_taken(d) for d in delegations}
    return render_template("delegations/index.html", meeting=meeting, delegations=delegations, taken=taken,
                           kinds=services.KIND_LABELS)


@bp.route("/meetings/<int:meeting_id>/delegations/new", methods=["GET", "POST"])
@allow(ORGANISER)
def new(meeting_id: int):
    """Create a delegation and, if wished, invite its focal point."""
    meeting = meeting_or_404(meeting_id)
    form = _form()
    if form.validate_on_submit():
        delegation = services.create_delegation(meeting, _data(form), actor=current_user,
                                                invite_focal_point=form.invite_focal_point.data)
        db.session.commit()
        flash(_("Delegation created.") + (" " + _("An invitation is on its way to its focal point.")
                                          if form.invite_focal_point.data
                                          else ""), "success")
        return redirect(url_for("delegations.show", meeting_id=meeting.id, delegation_id=delegation.id), 303)
    return render_template("delegations/form.html", meeting=meeting, form=form, delegation=None)


@bp.route("/meetings/<int:meeting_id>/delegations/<int:delegation_id>/edit", methods=["GET", "POST"])
@allow(ORGANISER)
def edit(meeting_id: int, delegation_id: int):
    """Change a delegation's name, kind, country, seats or focal point."""
    meeting, delegation = _meeting_delegation(meeting_id, delegation_id)
    form = _form(delegation)
    if form.validate_on_submit():
        services.update_delegation(delegation, _data(form), actor=current_user)
        db.session.commit()
        flash(_("Delegation saved."), "success")
        return redirect(url_for("delegations.show", meeting_id=meeting.id, delegation_id=delegation.id), 303)
    return render_template("delegations/form.html", meeting=meeting, form=form, delegation=delegation)


@bp.route("/meetings/<int:meeting_id>/delegations/<int:delegation_id>")
@allow(ORGANISER)
def show(meeting_id: int, delegation_id: int):
    """A delegation as its organisers see it: members, focal point, note verbale."""
    meeting, delegation = _meeting_delegation(meeting_id, delegation_id)
    members = services.list_members(delegation)
    return render_template("delegations/show.html", meeting=meeting, delegation=delegation,
                           members=members, taken=services.seats_held(members),
                           kinds=services.KIND_LABELS, note_ok=services.note_verbale_ok(delegation),
                           focal_invitation=services.focal_point_invitation(delegation),
                           summary=notices.summary(delegation))


@bp.route("/meetings/<int:meeting_id>/delegations/<int:delegation_id>/invite-focal-point", methods=["POST"])
@allow(ORGANISER)
def invite_focal_point(meeting_id: int, delegation_id: int):
    """Invite the focal point (again: a fresh link replaces the old one)."""
    meeting, delegation = _meeting_delegation(meeting_id, delegation_id)
    services.send_focal_point_invitation(delegation, actor=current_user)
    db.session.commit()
    flash(_("The focal point's invitation is sent."), "success")
    return redirect(url_for("delegations.show", meeting_id=meeting.id, delegation_id=delegation.id), 303)


@bp.route("/meetings/<int:meeting_id>/delegations/<int:delegation_id>/note-verbale")
@allow(ORGANISER)
def note_verbale(meeting_id: int, delegation_id: int):
    """Download the note verbale (organisers only; every download is audited)."""
    _meeting, delegation = _meeting_delegation(meeting_id, delegation_id)
    path = services.note_verbale_file(delegation, actor=current_user)
    db.session.commit()
    response = send_file(path, mimetype="application/pdf", as_attachment=True,
                         download_name=f"note-verbale-{delegation.id}.pdf", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/meetings/<int:meeting_id>/delegations/<int:delegation_id>/note-verbale/verify", methods=["POST"])
@allow(ORGANISER)
def verify_note_verbale(meeting_id: int, delegation_id: int):
    """Mark the note verbale as read and accepted."""
    meeting, delegation = _meeting_delegation(meeting_id, delegation_id)
    services.verify_note_verbale(delegation, actor=current_user)
    notices.tell_focal_point(delegation, "note_verified")
    db.session.commit()
    flash(_("The note verbale is marked as verified; the focal point is told."), "success")
    return redirect(url_for("delegations.show", meeting_id=meeting.id, delegation_id=delegation.id), 303)


@bp.route("/meetings/<int:meeting_id>/delegations/<int:delegation_id>/note-verbale/reject", methods=["POST"])
@allow(ORGANISER)
def reject_note_verbale(meeting_id: int, delegation_id: int):
    """Refuse the note verbale with a reason the focal point reads; they upload another."""
    meeting, delegation = _meeting_delegation(meeting_id, delegation_id)
    try:
        services.reject_note_verbale(delegation, request.form.get("reason", ""), actor=current_user)
    except ValidationFailed as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("delegations.show", meeting_id=meeting.id, delegation_id=delegation.id), 303)
    notices.tell_focal_point(delegation, "note_rejected", reason=delegation.note_verbale_rejection)
    db.session.commit()
    flash(_("The note verbale is refused; the focal point is told why."), "success")
    return redirect(url_for("delegations.show", meeting_id=meeting.id, delegation_id=delegation.id), 303)


# The focal point's side --------------------------------------------------------------------------------------------

@bp.route("/delegations")
@allow(FOCAL_POINT)
def mine():
    """The delegations the signed-in person is the focal point of."""
    delegations = services.delegations_of_focal_point(current_user)
    if len(delegations) == 1:
        return redirect(url_for("delegations.focal", delegation_id=delegations[0].id))
    return render_template("delegations/mine.html", delegations=delegations)


def _focal_page(delegation: Delegation, nomination_form=None, upload_form=None, code: int = 200):
    members = services.list_members(delegation)
    return render_template(
        "delegations/focal.html", delegation=delegation, members=members,
        taken=services.seats_held(members), kinds=services.KIND_LABELS, summary=notices.summary(delegation),
        registers_self=any(m.email == delegation.focal_point_email for m in members),
        nomination_form=nomination_form or NominationForm(formdata=None),
        upload_form=upload_form or NoteVerbaleForm(formdata=None),
        max_mb=services.note_verbale_limit() // (1024 * 1024),
    ), code


@bp.route("/delegations/<int:delegation_id>")
@allow(FOCAL_POINT)
def focal(delegation_id: int):
    """The focal point's page: members and their statuses, nominations, confirmation, note verbale."""
    return _focal_page(db.get_or_404(Delegation, delegation_id))


@bp.route("/delegations/<int:delegation_id>/nominate", methods=["POST"])
@allow(FOCAL_POINT)
def nominate(delegation_id: int):
    """Nominate a member; they get their own invitation, within the seats."""
    delegation = db.get_or_404(Delegation, delegation_id)
    form = NominationForm()
    if not form.validate_on_submit():
        return _focal_page(delegation, nomination_form=form, code=422)
    services.nominate_member(delegation, email=form.email.data, given_name=form.given_name.data,
                             family_name=form.family_name.data or "", actor=current_user)
    db.session.commit()
    flash(_("Nominated; an invitation is on its way to them."), "success")
    return redirect(url_for("delegations.focal", delegation_id=delegation.id), 303)


@bp.route("/delegations/<int:delegation_id>/nominations/<int:invitation_id>/withdraw", methods=["POST"])
@allow(FOCAL_POINT)
def withdraw(delegation_id: int, invitation_id: int):
    """Withdraw an unanswered nomination; its seat is free again."""
    delegation = db.get_or_404(Delegation, delegation_id)
    services.withdraw_nomination(delegation, invitation_id, actor=current_user)
    db.session.commit()
    flash(_("Nomination withdrawn."), "success")
    return redirect(url_for("delegations.focal", delegation_id=delegation.id), 303)


@bp.route("/delegations/<int:delegation_id>/confirm", methods=["POST"])
@allow(FOCAL_POINT)
def confirm(delegation_id: int):
    """Confirm the delegation's list of members."""
    delegation = db.get_or_404(Delegation, delegation_id)
    services.confirm_delegation(delegation, actor=current_user)
    db.session.commit()
    flash(_("The delegation is confirmed."), "success")
    return redirect(url_for("delegations.focal", delegation_id=delegation.id), 303)


@bp.route("/delegations/<int:delegation_id>/notices", methods=["POST"])
@allow(FOCAL_POINT)
def notice_mode(delegation_id: int):
    """How the focal point hears what happens: a mail per event, or one digest a day."""
    delegation = db.get_or_404(Delegation, delegation_id)
    mode = request.form.get("focal_notice", "")
    if mode not in notices.NOTICE_MODES:
        flash(_("Choose how you want to hear about the delegation."), "error")
    else:
        notices.set_notice_mode(delegation, mode)
        db.session.commit()
        flash(_("Saved: you will get one mail a day.") if mode == notices.DIGEST
              else _("Saved: you will get a mail each time something happens."), "success")
    return redirect(url_for("delegations.focal", delegation_id=delegation.id), 303)


@bp.route("/delegations/<int:delegation_id>/note-verbale", methods=["POST"])
@allow(FOCAL_POINT)
def upload_note_verbale(delegation_id: int):
    """Upload the State delegation's note verbale (a PDF, size-limited, kept outside the web root)."""
    delegation = db.get_or_404(Delegation, delegation_id)
    form = NoteVerbaleForm()
    if form.validate_on_submit():
        try:
            # Read one byte past the limit: enough to tell "too large" without holding a huge file.
            content = form.file.data.read(services.note_verbale_limit() + 1)
            services.store_note_verbale(delegation, content, actor=current_user)
        except ValidationFailed as error:
            form.file.errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("The note verbale is uploaded; the organisers will verify it."), "success")
            return redirect(url_for("delegations.focal", delegation_id=delegation.id), 303)
    return _focal_page(delegation, upload_form=form, code=422)
