"""Invitations: issuing, opening, answering, resending, revoking and reminding single-use links."""
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import func, select, update

from ..accounts.services import create_user, get_user_by_email, prove_email
from ..audit.services import record
from ..errors import DomainError
from ..extensions import db
from ..mail.services import queue_message
from ..models_base import utcnow
from ..names import Purpose, render_name
from ..signals import erasing_person
from ..tokens import hash_token, link_for, new_token
from .models import Invitation, InvitationStatus

#: states in which the link still works
USABLE = (InvitationStatus.sent, InvitationStatus.opened)
#: states from which an organiser may withdraw an invitation
REVOCABLE = (InvitationStatus.sent, InvitationStatus.opened, InvitationStatus.bounced, InvitationStatus.expired)


class InvitationInvalid(DomainError):
    """One plain message for made-up, expired, used and revoked links: it reveals nothing else."""

    status_code = 404
    message = _l("This invitation link cannot be used. It may have expired, been used already or been withdrawn. "
                 "If you still want to take part, please write to the meeting's organisers.")


class InvitationRefused(DomainError):
    """An organiser's or focal point's action on an invitation that its state does not allow."""


def issue_invitation(meeting, *, email: str, actor, send: bool = True, **fields) -> tuple[Invitation, str]:
    """Create an invitation and queue its email; returns it with the token (only its hash is stored)."""
    email = email.strip().lower()
    if is_invited(meeting, email):
        raise InvitationRefused(_l("This email address has already been invited to this meeting."))
    token, token_hash = new_token()
    days = current_app.config["INVITATION_DAYS"]
    invitation = Invitation(
        meeting=meeting, email=email, token_hash=token_hash,
        expires_at=utcnow() + timedelta(days=days), created_by_id=getattr(actor, "id", None), **fields,
    )
    db.session.add(invitation)
    db.session.flush()
    if send:
        send_invitation(invitation, token)
    record("invitation.issue", actor=actor, meeting=meeting, subject=invitation,
           delegation_id=invitation.delegation_id, focal_point=invitation.is_focal_point)
    return invitation, token


def issue_invitations(meeting, rows: list[dict], *, actor) -> list[Invitation]:
    """Issue many invitations at once (a checked upload): one flush for all, then their mails and audit entries.

    Each row holds `email` and Invitation fields; the caller has checked that no email is invited already.
    """
    days = current_app.config["INVITATION_DAYS"]
    issued = []
    for row in rows:
        token, token_hash = new_token()
        fields = {**row, "email": row["email"].strip().lower()}
        issued.append((Invitation(meeting=meeting, token_hash=token_hash, expires_at=utcnow() + timedelta(days=days),
                                  created_by_id=getattr(actor, "id", None), **fields), token))
    db.session.add_all(invitation for invitation, _token in issued)
    db.session.flush()
    # Flushing row by row made a 2,000-row import spend most of its time in the unit of work.
    with db.session.no_autoflush:
        for invitation, token in issued:
            send_invitation(invitation, token)
            record("invitation.issue", actor=actor, meeting=meeting, subject=invitation,
                   delegation_id=invitation.delegation_id, focal_point=False)
    return [invitation for invitation, _token in issued]


def invitation_link(token: str) -> str:
    """The absolute landing URL for a token, always on PUBLIC_URL (never the request's Host header, which a
    visitor can forge)."""
    return link_for("invitations.landing", token=token)


def send_invitation(invitation: Invitation, token: str, *, template: str = "invitation") -> None:
    """Queue the invitation mail (or a reminder: `template="invitation_reminder"`) carrying the link."""
    queue_message(invitation.email, template, language=invitee_language(invitation), kind=template,
                  meeting_id=invitation.meeting_id, invitation=invitation, meeting=invitation.meeting,
                  link=invitation_link(token))


def invitee_language(invitation: Invitation) -> str:
    """The language chosen on the invitee's account, if they have one; else the meeting's (its organisers write
    its content in it first): an invitation goes to someone who has told us nothing yet."""
    user = get_user_by_email(invitation.email)
    return (user.locale if user else None) or invitation.meeting.default_language
    invitation.sent_at = utcnow()


def is_invited(meeting, email: str) -> bool:
    return db.session.scalar(
        select(Invitation.id).where(Invitation.meeting_id == meeting.id, Invitation.email == email.strip().lower())
    ) is not None


def find_by_token(token: str) -> Invitation | None:
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))


def get_valid_invitation(token: str) -> Invitation:
    """The invitation behind a link, if it can still be used; otherwise InvitationInvalid (one message for all).
    A read: an expired link is refused here and marked expired by `expire_overdue` (the organiser's list)."""
    invitation = find_by_token(token)
    if invitation is None or invitation.status not in USABLE or invitation.expires_at <= utcnow():
        raise InvitationInvalid()
    return invitation


def mark_opened(invitation: Invitation) -> None:
    if invitation.status == InvitationStatus.sent:
        invitation.status, invitation.opened_at = InvitationStatus.opened, utcnow()


def mark_registered(invitation: Invitation) -> None:
    """The invitee registered: the link is used up."""
    invitation.status, invitation.responded_at = InvitationStatus.registered, utcnow()


def decline_invitation(invitation: Invitation, *, language: str) -> None:
    """The invitee declines: the link is used up and a confirmation is mailed in `language`, the one they read
    the invitation's page in."""
    invitation.status, invitation.responded_at = InvitationStatus.declined, utcnow()
    queue_message(invitation.email, "invitation_declined", language=language, kind="invitation_declined",
                  meeting_id=invitation.meeting_id, invitation=invitation, meeting=invitation.meeting)
    record("invitation.decline", meeting=invitation.meeting, subject=invitation)


def accept_as_focal_point(invitation: Invitation):
    """A focal point accepts: their account (made if new) becomes the delegation's focal point; returns the user."""
    delegation = invitation.delegation
    if not invitation.is_focal_point or delegation is None:
        raise InvitationInvalid()
    user = get_user_by_email(invitation.email)
    if user is None:
        user = create_user(invitation.email, invitation.full_name or invitation.email.split("@")[0])
    elif not user.active:
        raise InvitationInvalid()
    if user.email_proven_at is None:
        prove_email(user)  # the invitation was sent to the address: sessions from before the proof end
    delegation.focal_point_user_id = user.id
    mark_registered(invitation)
    record("delegation.focal_point_accept", actor=user, meeting=invitation.meeting, subject=delegation,
           invitation_id=invitation.id)
    return user


def _rotate_token(invitation: Invitation) -> str:
    # Only the hash is kept, so a new mail needs a new token; the old link stops working at once.
    token, invitation.token_hash = new_token()
    return token


def resend_invitation(invitation: Invitation, *, actor) -> str:
    """Send a fresh link (the old one dies) with a new expiry; the invitation is open again."""
    if invitation.status == InvitationStatus.registered:
        raise InvitationRefused(_l("This person has registered already; there is nothing to resend."))
    token = _rotate_token(invitation)
    invitation.status, invitation.opened_at, invitation.responded_at = InvitationStatus.sent, None, None
    invitation.expires_at = utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"])
    send_invitation(invitation, token)
    record("invitation.resend", actor=actor, meeting=invitation.meeting, subject=invitation)
    return token


def revoke_invitation(invitation: Invitation, *, actor) -> None:
    """Withdraw an invitation that has not been answered: its link stops working."""
    if invitation.status not in REVOCABLE:
        raise InvitationRefused(_l("Only an invitation that has not been answered can be withdrawn."))
    invitation.status = InvitationStatus.revoked
    record("invitation.revoke", actor=actor, meeting=invitation.meeting, subject=invitation)


def mark_bounced(invitation: Invitation, *, actor) -> None:
    """An organiser got the mail back undelivered."""
    if invitation.status not in USABLE:
        raise InvitationRefused(_l("Only an invitation that is sent or opened can be marked as bounced."))
    invitation.status = InvitationStatus.bounced
    record("invitation.bounce", actor=actor, meeting=invitation.meeting, subject=invitation)


def unanswered_query(meeting):
    return select(Invitation).where(
        Invitation.meeting_id == meeting.id, Invitation.status.in_(USABLE), Invitation.expires_at > utcnow()
    )


def send_reminders(meeting, invitation_ids: list[int] | None, *, actor) -> int:
    """Remind the chosen invitees (all unanswered ones when `invitation_ids` is None); returns how many."""
    query = unanswered_query(meeting).order_by(Invitation.id)
    if invitation_ids is not None:
        query = query.where(Invitation.id.in_(invitation_ids))
    reminded = 0
    for invitation in db.session.scalars(query):
        send_invitation(invitation, _rotate_token(invitation), template="invitation_reminder")
        invitation.reminders_sent += 1
        invitation.last_reminded_at = utcnow()
        reminded += 1
    record("invitation.remind", actor=actor, meeting=meeting, count=reminded)
    return reminded


def expire_overdue(meeting) -> int:
    """Mark the meeting's unanswered invitations past their expiry as expired; returns how many."""
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.meeting_id == meeting.id, Invitation.status.in_(USABLE), Invitation.expires_at <= utcnow())
        .values(status=InvitationStatus.expired)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0


def status_counts(meeting) -> dict[InvitationStatus, int]:
    """How many of the meeting's invitations are in each status (every status present, zero included)."""
    rows = db.session.execute(
        select(Invitation.status, func.count()).where(Invitation.meeting_id == meeting.id).group_by(Invitation.status)
    )
    counts = dict.fromkeys(InvitationStatus, 0)
    counts.update({InvitationStatus(status): n for status, n in rows})
    return counts


def list_invitations_query(meeting, status: InvitationStatus | None = None):
    query = select(Invitation).where(Invitation.meeting_id == meeting.id)
    if status is not None:
        query = query.where(Invitation.status == status)
    return query.order_by(Invitation.created_at.desc(), Invitation.id.desc())


def invite_person(meeting, *, email: str, actor, delegation=None, is_focal_point: bool = False, **fields):
    """Invite one person; as a delegation's focal point they become its contact and nominate its members."""
    if is_focal_point:
        if delegation is None:
            raise InvitationRefused(_l("Choose the delegation this person is the focal point of."))
        delegation.focal_point_email = email.strip().lower()
        delegation.focal_point_name = render_name(fields, Purpose.salutation) or delegation.focal_point_name
    invitation, _token = issue_invitation(meeting, email=email, actor=actor, delegation=delegation,
                                          is_focal_point=is_focal_point, **fields)
    return invitation


#: how each status reads on the pages
STATUS_LABELS = {  # in context: the word takes an invitation's gender and number in many languages (envoyée)
    InvitationStatus.sent: _lp("invitation", "sent"), InvitationStatus.opened: _lp("invitation", "opened"),
    InvitationStatus.registered: _lp("invitation", "registered"),
    InvitationStatus.declined: _lp("invitation", "declined"), InvitationStatus.expired: _lp("invitation", "expired"),
    InvitationStatus.revoked: _lp("invitation", "revoked"), InvitationStatus.bounced: _lp("invitation", "bounced"),
}


@erasing_person.connect
def _erase_invitations(email: str) -> dict[str, int]:
    """Invitations to the address keep their status (invited, registered, declined: counts) and lose the person;
    a link still open dies."""
    found = list(db.session.scalars(select(Invitation).where(Invitation.email == email)))
    for invitation in found:
        invitation.email = f"erased-{invitation.id}@erased.invalid"
        invitation.given_name = invitation.family_name = invitation.organisation = ""
        _rotate_token(invitation)
        if invitation.status in REVOCABLE:
            invitation.status = InvitationStatus.revoked
    return {"invitations": len(found)}
