"""Write endpoints: invitations, a registration for an invitation, decisions and check-in by badge.

Each calls the service the pages call; the edge makes it idempotent (Idempotency-Key) and audits it as the API.
"""
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ..balance.services import RuleViolation, decide, labels_for
from ..balance.wording import finding_text, group_name
from ..checkin.services import CheckInRefused, scan_badge
from ..extensions import db
from ..invitations.bulk import FIELDS, check_rows, invitation_fields
from ..invitations.models import Invitation
from ..invitations.services import USABLE, issue_invitations
from ..meetings.models import Category
from ..models_base import utcnow
from ..registration.models import RegistrationStatus
from ..registration.services import register
from . import schemas as s
from .blueprint import v1
from .edge import ORGANISER_ROLES, STAFF_ROLES, endpoint
from .problems import Problem
from .reads import meeting_registration, registration_out


def invitation_out(invitation: Invitation) -> s.InvitationOut:
    return s.InvitationOut(id=invitation.id, email=invitation.email, status=invitation.status.value,
                           seats=invitation.seats, delegation_id=invitation.delegation_id,
                           expires_at=invitation.expires_at)


@endpoint(v1, "POST", "/meetings/<int:meeting_id>/invitations", summary="Invite one or many people (each mailed "
          "their link); every row gets the spreadsheet upload's checks, and one bad row invites nobody",
          scope="decide", roles=ORGANISER_ROLES, body=s.InvitationsIn, response=s.InvitationList, status=201,
          tag="invitations")
def create_invitations(token, meeting, _query, body: s.InvitationsIn):
    rows = {n: {f: str(getattr(row, f)) for f in FIELDS} for n, row in enumerate(body.invitations)}
    good, bad = check_rows(meeting, rows)
    if bad:
        refused = ngettext("%(num)d invitation has problems; nobody was invited.",
                           "%(num)d invitations have problems; nobody was invited.", len(bad))
        raise Problem(422, refused, kind="validation",
                      errors=[{"field": f"invitations.{row.number}", "in": "body",
                               "pointer": f"#/invitations/{row.number}", "detail": str(problem)}
                              for row in bad for problem in row.problems])
    issued = issue_invitations(meeting, [invitation_fields(row.values, lock_email=body.lock_email) for row in good],
                               actor=token.user)
    return s.InvitationList(items=[invitation_out(i) for i in issued])


def _usable_invitation(meeting, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.meeting_id != meeting.id:
        raise Problem(422, _("No such invitation in this meeting."), kind="validation",
                      errors=[{"field": "invitation_id", "in": "body", "pointer": "#/invitation_id",
                               "detail": "unknown invitation"}])
    if invitation.status not in USABLE or invitation.expires_at <= utcnow() or invitation.is_focal_point:
        raise Problem(409, _("This invitation can no longer be used to register."), kind="invitation-used",
                      errors=[{"field": "invitation_id", "in": "body", "pointer": "#/invitation_id",
                               "detail": invitation.status.value}])
    return invitation


def _category_id(meeting, code: str | None, invitation: Invitation) -> int | None:
    if not code:
        return invitation.category_id
    category = db.session.scalar(select(Category).where(Category.meeting_id == meeting.id, Category.code == code))
    if category is None:
        raise Problem(422, _("No such category in this meeting."), kind="validation",
                      errors=[{"field": "category", "in": "body", "pointer": "#/category", "detail": "unknown"}])
    return category.id


@endpoint(v1, "POST", "/meetings/<int:meeting_id>/registrations", summary="Register the person of an invitation "
          "(the invitation is used up, as when they register themselves)", scope="decide", roles=ORGANISER_ROLES,
          body=s.RegistrationIn, response=s.RegistrationOut, status=201, tag="registrations")
def create_registration(token, meeting, _query, body: s.RegistrationIn):
    invitation = _usable_invitation(meeting, body.invitation_id)
    email = invitation.email if invitation.lock_email or not body.email else str(body.email)
    data = body.model_dump(exclude={"invitation_id", "category", "email"}) | {
        "email": email, "category_id": _category_id(meeting, body.category, invitation), "name_order": None}
    # The pages' use case: the invitation is used up and the invitee's account linked (the invitation proved the
    # address); the organiser's token is no sign-in of the invitee, and the API's audit entry names the token.
    return registration_out(register(meeting, data, invitation=invitation, signed_in=None).registration)


def _finding(finding, labels) -> s.Finding:
    return s.Finding(rule=finding.rule.value, code=finding.code, params=finding.params,
                     state=finding.severity.value, dimension=finding.dimension, value=finding.value,
                     label=group_name(labels, finding.dimension, finding.value) if finding.value else None,
                     approved=finding.after, max_seats=finding.limit, sentence=finding_text(finding, labels))


@endpoint(v1, "POST", "/meetings/<int:meeting_id>/registrations/<int:registration_id>/decision",
          summary="Approve, waitlist or decline; an approval that breaks a balance rule needs an override reason",
          scope="decide", roles=ORGANISER_ROLES, body=s.DecisionIn, response=s.DecisionOut, tag="registrations")
def decide_registration(token, meeting, _query, body: s.DecisionIn, registration_id: int):
    registration = meeting_registration(meeting, registration_id)
    try:
        check = decide(registration, RegistrationStatus(body.outcome), actor=token.user,
                       override_reason=body.override_reason or None)
    except RuleViolation as refused:
        labels = labels_for(meeting, registration.delegation)
        raise Problem(409, str(refused.message), kind="rule-violation", errors=[
            {"field": "override_reason", "in": "body", "pointer": "#/override_reason",
             "detail": finding_text(f, labels), "code": f.code, "params": f.params, "rule": f.rule.value,
             "dimension": f.dimension, "value": f.value, "limit": f.limit, "after": f.after}
            for f in refused.check.violations]) from None
    labels = labels_for(meeting, registration.delegation)
    return s.DecisionOut(registration=registration_out(registration),
                         findings=[_finding(f, labels) for f in (check.findings if check else ())])


@endpoint(v1, "POST", "/meetings/<int:meeting_id>/checkins", summary="Check a person in (or out of a session) by "
          "the payload of their badge's QR code, today", scope="checkin", roles=STAFF_ROLES, body=s.CheckInIn,
          response=s.CheckInOut, status=201, tag="check-in")
def check_in_by_badge(token, meeting, _query, body: s.CheckInIn):
    try:
        result = scan_badge(meeting, body.payload, session_id=body.session_id, leaving=body.leaving,
                            actor=token.user)
    except CheckInRefused as refused:
        problem = {"field": "payload", "in": "body", "pointer": "#/payload", "detail": str(refused.message)}
        raise Problem(409, str(refused.message), kind=type(refused).__name__, errors=[problem]) from None
    row = result.attendance
    return s.CheckInOut(registration_id=result.registration.id, attendance_id=row.id, kind=row.kind.value,
                        day=row.day, session_id=row.session_id, created=result.created), \
        (201 if result.created else 200)
