"""Invitations: issuing, opening, answering, resending and revoking single-use links."""
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import select

from ..audit.services import record
from ..errors import DomainError
from ..extensions import db
from ..mail.services import queue_message
from ..models_base import utcnow
from ..tokens import hash_token, new_token
from .models import Invitation, InvitationStatus

#: states in which the link still works
USABLE = (InvitationStatus.sent, InvitationStatus.opened)


class InvitationInvalid(DomainError):
    """One plain message for made-up, expired, used and revoked links: it reveals nothing else."""

    status_code = 404
    message = "This invitation link cannot be used. It may have expired, been used already or been withdrawn. " \
              "If you still want to take part, please write to the meeting's organisers."


def issue_invitation(meeting, *, email: str, actor, send: bool = True, **fields) -> tuple[Invitation, str]:
    """Create an invitation and queue its email; returns it with the token (only its hash is stored)."""
    token, token_hash = new_token()
    days = current_app.config["INVITATION_DAYS"]
    invitation = Invitation(
        meeting=meeting, email=email.strip().lower(), token_hash=token_hash,
        expires_at=utcnow() + timedelta(days=days), created_by_id=getattr(actor, "id", None), **fields,
    )
    db.session.add(invitation)
    db.session.flush()
    if send:
        send_invitation(invitation, token)
    record("invitation.issue", actor=actor, meeting=meeting, subject=invitation)
    return invitation, token


def send_invitation(invitation: Invitation, token: str, *, template: str = "invitation") -> None:
    link = url_for("invitations.landing", token=token, _external=True)
    queue_message(invitation.email, template, kind=template, meeting_id=invitation.meeting_id,
                  invitation=invitation, meeting=invitation.meeting, link=link)
    invitation.sent_at = utcnow()


def find_by_token(token: str) -> Invitation | None:
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))


def get_valid_invitation(token: str) -> Invitation:
    """The invitation behind a link, if it can still be used; otherwise InvitationInvalid (one message for all)."""
    invitation = find_by_token(token)
    if invitation is None:
        raise InvitationInvalid()
    if invitation.status in USABLE and invitation.expires_at <= utcnow():
        invitation.status = InvitationStatus.expired
    if invitation.status not in USABLE:
        raise InvitationInvalid()
    return invitation


def mark_opened(invitation: Invitation) -> None:
    if invitation.status == InvitationStatus.sent:
        invitation.status, invitation.opened_at = InvitationStatus.opened, utcnow()


def mark_registered(invitation: Invitation) -> None:
    """The invitee registered: the link is used up."""
    invitation.status, invitation.responded_at = InvitationStatus.registered, utcnow()
