"""Delegations: creating them, their focal point's nominations up to the seats, confirmation and the note verbale."""
import io
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from pypdf import PdfReader
from sqlalchemy import or_, select

from ..audit.services import record
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..invitations.models import Invitation, InvitationStatus
from ..invitations.services import USABLE, issue_invitation, resend_invitation, send_invitation
from ..models_base import utcnow
from ..registration.models import Registration, RegistrationStatus
from ..signals import erasing_person
from ..tokens import new_token
from .models import Delegation, DelegationKind

#: the participant category a nominee starts with, by kind of delegation (the organiser may change it later)
KIND_CATEGORY = {DelegationKind.state: "state", DelegationKind.ngo: "civil_society",
                 DelegationKind.academic: "academia", DelegationKind.international_org: "international_org"}
KIND_LABELS = {DelegationKind.state: _l("State"), DelegationKind.ngo: _l("NGO / civil society"),
               DelegationKind.academic: _l("Academic institution"),
               DelegationKind.international_org: _l("International organisation"), DelegationKind.other: _l("Other")}
#: registrations in these states hold no seat
NOT_HOLDING = (RegistrationStatus.declined, RegistrationStatus.cancelled)
NOTE_VERBALE_DIR = "notes_verbales"
DEFAULT_NOTE_VERBALE_MB = 5


class SeatsExhausted(DomainError):
    status_code = 409


class NoteVerbaleRejected(ValidationFailed):
    """The uploaded file is not an acceptable note verbale."""


@dataclass(frozen=True)
class Member:
    """One person of a delegation as its focal point sees them."""

    name: str
    email: str
    invitation: Invitation | None
    registration: Registration | None

    @property
    def status(self) -> str:
        if self.registration is not None:
            return self.registration.status.value
        return self.invitation.status.value if self.invitation else ""

    @property
    def holds_seat(self) -> bool:
        """Once they registered, their registration holds the seat (until declined or cancelled); before, their
        open nomination does."""
        if self.registration is not None:
            return self.registration.status not in NOT_HOLDING
        return self.invitation is not None and _holds_seat(self.invitation)


def list_delegations(meeting) -> list[Delegation]:
    return list(db.session.scalars(select(Delegation).where(Delegation.meeting_id == meeting.id)
                                   .order_by(Delegation.name)))


def delegations_of_focal_point(user) -> list[Delegation]:
    return list(db.session.scalars(select(Delegation).where(Delegation.focal_point_user_id == user.id)
                                   .order_by(Delegation.name)))


def _apply(delegation: Delegation, data: dict) -> None:
    for name in ("name", "kind", "country_code", "seats", "focal_point_name", "focal_point_email"):
        if name in data:
            setattr(delegation, name, data[name])
    delegation.name = delegation.name.strip()
    delegation.focal_point_name = delegation.focal_point_name.strip()
    delegation.focal_point_email = delegation.focal_point_email.strip().lower()
    delegation.country_code = delegation.country_code or None
    if delegation.kind == DelegationKind.state and not delegation.country_code:
        raise ValidationFailed(_l("A State delegation needs its country."))


def create_delegation(meeting, data: dict, *, actor, invite_focal_point: bool = False) -> Delegation:
    """Create a delegation; optionally invite its focal point at once."""
    delegation = Delegation(meeting=meeting)
    _apply(delegation, data)
    db.session.add(delegation)
    db.session.flush()
    record("delegation.create", actor=actor, meeting=meeting, subject=delegation, seats=delegation.seats)
    if invite_focal_point:
        send_focal_point_invitation(delegation, actor=actor)
    return delegation


def update_delegation(delegation: Delegation, data: dict, *, actor) -> Delegation:
    """Change a delegation; its seats cannot drop below the members it already has."""
    taken = seats_taken(delegation)
    if data.get("seats", delegation.seats) < taken:
        raise SeatsExhausted(lazy_ngettext(
            "This delegation already has %(num)d member or open nomination; it cannot have fewer seats.",
            "This delegation already has %(num)d members or open nominations; it cannot have fewer seats.", taken))
    _apply(delegation, data)
    record("delegation.update", actor=actor, meeting=delegation.meeting, subject=delegation, seats=delegation.seats)
    return delegation


def send_focal_point_invitation(delegation: Delegation, *, actor) -> Invitation:
    """Invite the focal point by email (or send a fresh link if they were invited and have not answered)."""
    existing = db.session.scalar(select(Invitation).where(Invitation.meeting_id == delegation.meeting_id,
                                                          Invitation.email == delegation.focal_point_email))
    if existing is not None:
        if existing.delegation_id != delegation.id or not existing.is_focal_point:
            raise DomainError(_l("This email address has already been invited to this meeting in another role."))
        if existing.status == InvitationStatus.registered:
            raise DomainError(_l("The focal point has accepted already."))
        resend_invitation(existing, actor=actor)
        return existing
    invitation, _token = issue_invitation(
        delegation.meeting, email=delegation.focal_point_email, actor=actor, delegation=delegation,
        is_focal_point=True, given_name=delegation.focal_point_name, seats=delegation.seats,
        country_code=delegation.country_code, organisation=delegation.name, lock_email=True,
    )
    return invitation


def focal_point_invitation(delegation: Delegation) -> Invitation | None:
    """The invitation sent to the delegation's focal point, if any (what the organisers' page says of it)."""
    return db.session.scalar(select(Invitation).where(Invitation.delegation_id == delegation.id,
                                                      Invitation.is_focal_point.is_(True)))


# Seats and members -------------------------------------------------------------------------------------------------

def _nominations(delegation: Delegation) -> list[Invitation]:
    return list(db.session.scalars(select(Invitation).where(Invitation.delegation_id == delegation.id,
                                                            Invitation.is_focal_point.is_(False))
                                   .order_by(Invitation.created_at, Invitation.id)))


def _registrations(delegation: Delegation, invitation_ids: list[int]) -> list[Registration]:
    condition = Registration.delegation_id == delegation.id
    if invitation_ids:
        condition = or_(condition, Registration.invitation_id.in_(invitation_ids))
    return list(db.session.scalars(select(Registration).where(condition).order_by(Registration.submitted_at)))


def _holds_seat(invitation: Invitation) -> bool:
    # A nomination holds a seat until it is declined, withdrawn or expired; once registered, its registration does.
    if invitation.status in USABLE:
        return invitation.expires_at > utcnow()
    return invitation.status == InvitationStatus.bounced


def seats_taken(delegation: Delegation) -> int:
    """Open nominations plus registrations that still hold a seat."""
    return seats_held(list_members(delegation))


def seats_held(members: list["Member"]) -> int:
    """How many of a delegation's members (list_members) hold a seat."""
    return sum(member.holds_seat for member in members)


def list_members(delegation: Delegation) -> list[Member]:
    """Each nominee with their invitation and, once they registered, their registration."""
    nominations = _nominations(delegation)
    registrations = _registrations(delegation, [i.id for i in nominations])
    by_invitation = {r.invitation_id: r for r in registrations if r.invitation_id}
    members = [Member(i.full_name, i.email, i, by_invitation.get(i.id)) for i in nominations]
    listed = {m.registration.id for m in members if m.registration}
    members += [Member(r.full_name, r.email, None, r) for r in registrations if r.id not in listed]
    return members


def nominate_member(delegation: Delegation, *, email: str, given_name: str, family_name: str, actor) -> Invitation:
    """The focal point names a member: they get their own invitation, within the delegation's seats."""
    email = email.strip().lower()
    # Lock the delegation row (PostgreSQL) so that two nominations at once cannot both take the last seat.
    db.session.refresh(delegation, with_for_update=True)
    taken = seats_taken(delegation)
    if taken >= delegation.seats:
        raise SeatsExhausted(lazy_ngettext(
            "The delegation's %(num)d seat is taken. Withdraw the nomination, or ask the organisers for more seats.",
            "All %(num)d seats of the delegation are taken. Withdraw a nomination, or ask the organisers for more "
            "seats.", delegation.seats))
    fields = dict(given_name=given_name.strip(), family_name=family_name.strip(), delegation=delegation,
                  country_code=delegation.country_code, organisation=delegation.name, seats=1, lock_email=True,
                  category=_kind_category(delegation))
    existing = db.session.scalar(select(Invitation).where(Invitation.meeting_id == delegation.meeting_id,
                                                          Invitation.email == email))
    if existing is not None:
        invitation = _renominate(delegation, existing, fields)
    else:
        invitation, _token = issue_invitation(delegation.meeting, email=email, actor=actor, **fields)
    delegation.confirmed_at = None  # the list changed: the focal point confirms it again
    record("delegation.nominate", actor=actor, meeting=delegation.meeting, subject=delegation,
           invitation_id=invitation.id, seats_taken=taken + 1)
    return invitation


def _renominate(delegation: Delegation, invitation: Invitation, fields: dict) -> Invitation:
    """Nominate someone who already holds an invitation of this meeting: only a used-up one of this delegation."""
    own_focal_point = invitation.is_focal_point and invitation.status == InvitationStatus.registered
    lapsed = not invitation.is_focal_point and invitation.status in (
        InvitationStatus.declined, InvitationStatus.revoked, InvitationStatus.expired)
    if invitation.delegation_id != delegation.id or not (own_focal_point or lapsed):
        raise DomainError(_l("This person has already been invited to this meeting."))
    # The focal point naming themselves, or a renewed nomination: the same row gets a fresh link.
    token, invitation.token_hash = new_token()
    for name, value in fields.items():
        setattr(invitation, name, value)
    invitation.is_focal_point = False
    invitation.status, invitation.opened_at, invitation.responded_at = InvitationStatus.sent, None, None
    invitation.expires_at = utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"])
    send_invitation(invitation, token)
    return invitation


def _kind_category(delegation: Delegation):
    code = KIND_CATEGORY.get(delegation.kind)
    return next((c for c in delegation.meeting.categories if c.code == code), None)


def withdraw_nomination(delegation: Delegation, invitation_id: int, *, actor) -> None:
    """The focal point withdraws a nomination that has not been answered; the seat is free again."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.delegation_id != delegation.id or invitation.is_focal_point:
        raise DomainError(_l("No such nomination in this delegation."))
    if invitation.status not in (*USABLE, InvitationStatus.bounced):
        raise DomainError(_l("Only a nomination that has not been answered can be withdrawn."))
    invitation.status = InvitationStatus.revoked
    delegation.confirmed_at = None
    record("delegation.withdraw_nomination", actor=actor, meeting=delegation.meeting, subject=delegation,
           invitation_id=invitation.id)


def confirm_delegation(delegation: Delegation, *, actor) -> None:
    """The focal point confirms the delegation's list of members."""
    delegation.confirmed_at = utcnow()
    record("delegation.confirm", actor=actor, meeting=delegation.meeting, subject=delegation,
           seats_taken=seats_taken(delegation))


# Note verbale ------------------------------------------------------------------------------------------------------

def note_verbale_limit() -> int:
    return int(current_app.config.get("NOTE_VERBALE_MAX_MB", DEFAULT_NOTE_VERBALE_MB) * 1024 * 1024)


def check_pdf(content: bytes) -> None:
    """A real PDF within the size limit, or NoteVerbaleRejected saying why."""
    limit = note_verbale_limit()
    if len(content) > limit:
        raise NoteVerbaleRejected(_l("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
    if not content.startswith(b"%PDF-"):
        raise NoteVerbaleRejected(_l("The file is not a PDF. Please upload the note verbale as a PDF."))
    try:
        reader = PdfReader(io.BytesIO(content))
        if len(reader.pages) < 1:
            raise ValueError("no pages")
        active = active_content(reader)
    except Exception:  # pypdf raises many kinds for a broken file
        raise NoteVerbaleRejected(
            _l("The PDF could not be opened. It may be damaged; please export it again.")) from None
    if active:
        raise NoteVerbaleRejected(_l(
            "The PDF contains active content (%(what)s), which could run on an organiser's computer. Please save the "
            "note verbale again as a plain PDF (for example with “Print to PDF”) and upload that.",
            what=", ".join(sorted(active))))


#: keys that make a PDF act on its own when opened or clicked: scripts, automatic actions, attachments
ACTIVE_KEYS = {"/JS", "/JavaScript", "/AA", "/Launch", "/EmbeddedFiles", "/EmbeddedFile", "/RichMedia"}
#: action types (an action's /S) that run something; /OpenAction with /GoTo (open at a page) is harmless
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/RichMediaExecute"}
MAX_PDF_OBJECTS = 200_000


def active_content(reader: PdfReader) -> set[str]:
    """The active-content names found anywhere in the document's object graph (an empty set: none).

    Every dictionary and array reachable from the trailer is visited once (pypdf has already decoded names
    written as /J#61vaScript); content streams are not parsed, as they cannot hold actions.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    todo, visited = [reader.trailer], 0
    while todo:
        node = todo.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            raise ValueError("too many objects")
        if isinstance(node, DictionaryObject):
            found |= ACTIVE_KEYS.intersection(node.keys())
            if node.get("/S") in ACTIVE_ACTIONS:
                found.add(str(node["/S"]))
            todo.extend(node.values())
        elif isinstance(node, ArrayObject):
            todo.extend(node)
    return found


def _storage() -> Path:
    return Path(current_app.config["STORAGE_DIR"])


def store_note_verbale(delegation: Delegation, content: bytes, *, actor) -> None:
    """Keep a State delegation's note verbale outside the web root; a new one needs verifying again."""
    if delegation.kind != DelegationKind.state:
        raise DomainError(_l("Only a State delegation sends a note verbale."))
    check_pdf(content)
    folder = _storage() / NOTE_VERBALE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    relative = f"{NOTE_VERBALE_DIR}/{secrets.token_urlsafe(24)}.pdf"
    target = _storage() / relative
    target.write_bytes(content)
    target.chmod(0o600)
    previous = delegation.note_verbale_path
    delegation.note_verbale_path, delegation.note_verbale_uploaded_at = relative, utcnow()
    delegation.note_verbale_verified_at = delegation.note_verbale_verified_by_id = None
    delegation.note_verbale_rejection = ""
    record("delegation.note_verbale_upload", actor=actor, meeting=delegation.meeting, subject=delegation,
           size=len(content))
    if previous:
        (_storage() / previous).unlink(missing_ok=True)


def note_verbale_file(delegation: Delegation, *, actor) -> Path:
    """The stored file, for an organiser to read; the access is audited."""
    if not delegation.note_verbale_path:
        raise DomainError(_l("No note verbale has been uploaded."))
    path = (_storage() / delegation.note_verbale_path).resolve()
    if _storage().resolve() not in path.parents or not path.is_file():
        raise DomainError(_l("No note verbale has been uploaded."))
    record("delegation.note_verbale_download", actor=actor, meeting=delegation.meeting, subject=delegation)
    return path


def verify_note_verbale(delegation: Delegation, *, actor) -> None:
    """An organiser has read the note verbale and accepts it."""
    if not delegation.note_verbale_path:
        raise DomainError(_l("No note verbale has been uploaded."))
    delegation.note_verbale_verified_at, delegation.note_verbale_verified_by_id = utcnow(), actor.id
    delegation.note_verbale_rejection = ""
    record("delegation.note_verbale_verify", actor=actor, meeting=delegation.meeting, subject=delegation)


def reject_note_verbale(delegation: Delegation, reason: str, *, actor) -> None:
    """The organisers cannot accept the note verbale: the focal point is told why and uploads another."""
    reason = " ".join((reason or "").split())[:500]
    if not delegation.note_verbale_path:
        raise DomainError(_l("No note verbale has been uploaded."))
    if not reason:
        raise ValidationFailed(_l("Say why the note verbale cannot be accepted: the focal point reads it."),
                               problems=[_l("Say why the note verbale cannot be accepted: the focal point reads it.")])
    delegation.note_verbale_verified_at = delegation.note_verbale_verified_by_id = None
    delegation.note_verbale_rejection = reason
    record("delegation.note_verbale_reject", actor=actor, meeting=delegation.meeting, subject=delegation)


def note_verbale_ok(delegation: Delegation | None) -> bool:
    """May this delegation's members be approved as far as the note verbale goes?

    True when there is no delegation, it is not a State delegation, its meeting does not require a verified note
    verbale, or the note verbale is verified. The balance feature calls this before approving a State's members.
    """
    if delegation is None or delegation.kind != DelegationKind.state:
        return True
    if not delegation.meeting.require_verified_note_verbale:
        return True
    return delegation.note_verbale_verified_at is not None


@erasing_person.connect
def _erase_focal_point(email: str) -> dict[str, int]:
    """A delegation whose focal point is erased keeps its seats and members, without the person's name."""
    found = list(db.session.scalars(select(Delegation).where(Delegation.focal_point_email == email)))
    for delegation in found:
        delegation.focal_point_name, delegation.focal_point_email = "—", f"erased-{delegation.id}@erased.invalid"
        delegation.focal_point_user_id = None
    return {"delegations": len(found)}
