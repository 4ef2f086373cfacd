"""Demo data: delegations with focal points and nominations, and invitations in every status.

Called by the demo command as `add_demo_invitations(meeting, organiser, rng)`. Tokens are thrown away (only their
hashes are stored, as always), so a demo link works after the organiser presses "Resend" and reads the outbox.
"""
import io
import random
from datetime import timedelta
from pathlib import Path

from flask import current_app
from pypdf import PdfWriter
from sqlalchemy import select

from ..accounts.services import create_user, get_user_by_email
from ..delegations.models import Delegation, DelegationKind
from ..extensions import db
from ..invitations.models import Invitation, InvitationStatus
from ..models_base import utcnow
from ..registration.models import Registration
from ..tokens import new_token

S = InvitationStatus
#: (name, kind, country, seats, focal point email, focal point state, note verbale state)
DELEGATIONS = [
    ("Permanent Mission of Senegal", DelegationKind.state, "SN", 4, "focal.sn@example.org", "accepted", "verified"),
    ("Permanent Mission of Chile", DelegationKind.state, "CL", 3, "focal.cl@example.org", "accepted", "uploaded"),
    ("Permanent Mission of Norway", DelegationKind.state, "NO", 3, "focal.no@example.org", S.opened, None),
    ("Permanent Mission of Viet Nam", DelegationKind.state, "VN", 2, "focal.vn@example.org", S.sent, None),
    ("Asia Justice Coalition", DelegationKind.ngo, "TH", 3, "focal.ajc@example.org", "accepted", None),
    ("Women Peacemakers Network", DelegationKind.ngo, "NG", 2, "focal.wpn@example.org", S.bounced, None),
    ("University of Cape Town — Law Faculty", DelegationKind.academic, "ZA", 2, "focal.uct@example.org",
     "accepted", None),
    ("Universidad de los Andes", DelegationKind.academic, "CO", 2, "focal.uniandes@example.org", S.declined, None),
]
FOCAL_NAMES = ["Aïssatou Ndiaye", "Camila Rojas", "Ingrid Haugen", "Trần Thị Lan", "Somchai Prasert",
               "Chiamaka Okafor", "Thandiwe Dlamini", "Andrés Martínez"]
MEMBER_STATUSES = [S.registered, S.opened, S.sent, S.declined]
#: individual invitations per status (registered ones are linked to existing registrations)
INDIVIDUAL = {S.sent: 14, S.opened: 9, S.registered: 12, S.declined: 5, S.expired: 4, S.revoked: 3, S.bounced: 3}
GIVEN = ["Amina", "Lucía", "Olena", "Kwame", "Mei", "Rahul", "Sofía", "Yusuf", "Zofia", "Kofi", "Ana", "Leila",
         "Nomvula", "Tomás", "Aroha", "Émile", "Dewi", "Farhad", "Ioana", "Lars"]
FAMILY = ["Diallo", "Fernández", "Shevchenko", "Mensah", "Wang", "Sharma", "Pérez", "Haddad", "Dąbrowska",
          "Boateng", "Silva", "Khalil", "Dlamini", "Novák", "Ngata", "Lefèvre", "Wijaya", "Rahimi", "Popescu", "Berg"]
COUNTRIES = ["KE", "MX", "UA", "GH", "CN", "IN", "AR", "JO", "PL", "SN", "BR", "LB", "ZA", "CZ", "NZ", "FR", "ID",
             "AF", "RO", "SE", "NA", "PH", "GT", "LK"]


def _category(meeting, code: str):
    return next((c for c in meeting.categories if c.code == code), None)


def _invitation(meeting, organiser, rng: random.Random, status: InvitationStatus, **fields) -> Invitation:
    sent = utcnow() - timedelta(days=rng.randrange(3, 50), hours=rng.randrange(24))
    _token, token_hash = new_token()
    invitation = Invitation(meeting=meeting, token_hash=token_hash, status=status, sent_at=sent, created_at=sent,
                            expires_at=sent + timedelta(days=current_app.config["INVITATION_DAYS"]),
                            created_by_id=organiser.id, **fields)
    if status == S.expired:
        invitation.expires_at = utcnow() - timedelta(days=rng.randrange(1, 10))
    elif invitation.expires_at <= utcnow():
        invitation.expires_at = utcnow() + timedelta(days=rng.randrange(2, 20))
    if status not in (S.sent, S.bounced, S.revoked, S.expired):
        invitation.opened_at = sent + timedelta(hours=rng.randrange(1, 72))
    if status in (S.registered, S.declined):
        invitation.responded_at = invitation.opened_at + timedelta(hours=rng.randrange(1, 48))
    if status in (S.sent, S.opened) and rng.random() < 0.4:
        invitation.reminders_sent = rng.randrange(1, 3)
        invitation.last_reminded_at = sent + timedelta(days=7)
    db.session.add(invitation)
    return invitation


def _note_verbale(delegation: Delegation, verified: bool, organiser) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": f"Note verbale — {delegation.name}"})
    content = io.BytesIO()
    writer.write(content)
    relative = f"notes_verbales/demo-{delegation.id}.pdf"
    path = Path(current_app.config["STORAGE_DIR"]) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.getvalue())
    delegation.note_verbale_path, delegation.note_verbale_uploaded_at = relative, utcnow() - timedelta(days=6)
    if verified:
        delegation.note_verbale_verified_at = utcnow() - timedelta(days=2)
        delegation.note_verbale_verified_by_id = organiser.id


def _delegations(meeting, organiser, rng: random.Random) -> int:
    count = 0
    for (name, kind, country, seats, email, focal_state, note), focal_name in zip(DELEGATIONS, FOCAL_NAMES,
                                                                                  strict=True):
        delegation = Delegation(meeting=meeting, name=name, kind=kind, country_code=country, seats=seats,
                                focal_point_name=focal_name, focal_point_email=email)
        db.session.add(delegation)
        db.session.flush()
        accepted = focal_state == "accepted"
        _invitation(meeting, organiser, rng, S.registered if accepted else focal_state, email=email,
                    given_name=focal_name, delegation=delegation, is_focal_point=True, seats=seats,
                    country_code=country, organisation=name)
        if accepted:
            user = get_user_by_email(email) or create_user(email, focal_name)
            delegation.focal_point_user_id = user.id
            category = _category(meeting, {DelegationKind.state: "state", DelegationKind.ngo: "civil_society",
                                           DelegationKind.academic: "academia"}[kind])
            for n, status in enumerate(MEMBER_STATUSES[:seats]):
                given, family = rng.choice(GIVEN), rng.choice(FAMILY)
                member_email = f"member{n + 1}.{email.split('@')[0]}@example.org"
                registration = _registrations_without_invitation(meeting, 1) if status == S.registered else []
                if status == S.registered and not registration:
                    status = S.opened  # a "registered" member needs a registration to point at
                if registration:
                    member_email, given, family = (registration[0].email, registration[0].given_name,
                                                   registration[0].family_name)
                member = _invitation(meeting, organiser, rng, status, email=member_email, given_name=given,
                                     family_name=family, delegation=delegation, seats=1, country_code=country,
                                     organisation=name, category=category)
                if registration:
                    db.session.flush()
                    registration[0].invitation_id, registration[0].delegation = member.id, delegation
            if rng.random() < 0.5 or note == "verified":
                delegation.confirmed_at = utcnow() - timedelta(days=1)
        if note:
            _note_verbale(delegation, note == "verified", organiser)
        count += 1
    return count


def _registrations_without_invitation(meeting, limit: int) -> list[Registration]:
    invited = select(Invitation.email).where(Invitation.meeting_id == meeting.id)
    return list(db.session.scalars(
        select(Registration).where(Registration.meeting_id == meeting.id, Registration.invitation_id.is_(None),
                                   Registration.delegation_id.is_(None), Registration.email.not_in(invited))
        .order_by(Registration.id).limit(limit)
    ))


def add_demo_invitations(meeting, organiser, rng: random.Random) -> dict[str, int]:
    """Delegations (States with focal points and notes verbales, NGOs, universities) and invitations in every status."""
    delegations = _delegations(meeting, organiser, rng)
    categories = [c for c in meeting.categories if c.code in ("civil_society", "academia", "expert", "state")]
    n = 0
    for status, count in INDIVIDUAL.items():
        if status == S.registered:
            continue
        for _ in range(count):
            n += 1
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            _invitation(meeting, organiser, rng, status, email=f"invitee{n}@example.org",
                        given_name=given, family_name=family, country_code=rng.choice(COUNTRIES),
                        organisation=rng.choice(["Centre for Human Rights", "Early Warning Network",
                                                 "Institute for Peace Studies", ""]),
                        category=rng.choice(categories), seats=1, lock_email=rng.random() < 0.8)
    # Registrations that came in through an invitation: the invitation is "registered" and linked.
    linked = 0
    for registration in _registrations_without_invitation(meeting, INDIVIDUAL[S.registered]):
        invitation = _invitation(meeting, organiser, rng, S.registered, email=registration.email,
                                 given_name=registration.given_name, family_name=registration.family_name,
                                 country_code=registration.represented_country, category=registration.category,
                                 organisation=registration.organisation, seats=1)
        db.session.flush()
        registration.invitation_id = invitation.id
        linked += 1
    db.session.flush()
    return {"delegations": delegations, "invitations": n + linked, "registrations_linked": linked}
