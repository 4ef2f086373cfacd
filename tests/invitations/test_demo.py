"""The demo hook: delegations and invitations in every status, some linked to registrations."""
import random
from pathlib import Path

from meeting_manager.delegations.models import Delegation
from meeting_manager.delegations.services import note_verbale_ok, seats_taken
from meeting_manager.demo.invitations import add_demo_invitations
from meeting_manager.invitations.models import InvitationStatus
from meeting_manager.invitations.services import status_counts
from meeting_manager.registration.models import Registration


def test_demo_invitations_cover_every_status(app, db, meeting, organiser, make_registration):
    for _ in range(20):
        make_registration(meeting)
    counts = add_demo_invitations(meeting, organiser, random.Random(7))
    db.session.commit()
    by_status = status_counts(meeting)
    assert all(by_status[status] > 0 for status in InvitationStatus), by_status
    assert counts["registrations_linked"] == 12
    linked = db.session.scalars(db.select(Registration).where(Registration.invitation_id.is_not(None))).all()
    # 12 individual ones plus one registered member in each delegation whose focal point accepted
    assert len(linked) == 12 + 4 and all(r.invitation.email == r.email for r in linked)
    assert all(r.invitation.status == InvitationStatus.registered for r in linked)
    assert sum(1 for r in linked if r.delegation_id) == 4
    delegations = db.session.scalars(db.select(Delegation).where(Delegation.meeting_id == meeting.id)).all()
    assert {d.kind.value for d in delegations} >= {"state", "ngo", "academic"}
    assert any(d.focal_point_user_id for d in delegations)
    assert all(seats_taken(d) <= d.seats for d in delegations)
    senegal = next(d for d in delegations if d.country_code == "SN")
    assert (Path(app.config["STORAGE_DIR"]) / senegal.note_verbale_path).read_bytes().startswith(b"%PDF-")
    meeting.require_verified_note_verbale = True
    chile = next(d for d in delegations if d.country_code == "CL")
    assert note_verbale_ok(senegal) and not note_verbale_ok(chile)
