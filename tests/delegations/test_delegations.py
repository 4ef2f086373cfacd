"""Delegations: the organiser's pages, the focal point's acceptance, nominations up to the seats, confirmation."""
import pytest

from meeting_manager.accounts.models import User
from meeting_manager.audit.models import AuditEvent
from meeting_manager.delegations.models import Delegation
from meeting_manager.delegations.services import SeatsExhausted, nominate_member, seats_taken
from meeting_manager.invitations.models import Invitation, InvitationStatus
from meeting_manager.registration.models import RegistrationStatus
from tests.invitations.helpers import link_path


def _nominations(db, delegation):
    return list(db.session.scalars(db.select(Invitation).where(Invitation.delegation_id == delegation.id,
                                                               Invitation.is_focal_point.is_(False))))


def test_organiser_creates_a_state_delegation_and_its_focal_point_accepts(client, db, meeting, organiser, auth,
                                                                          outbox):
    auth.sign_in(organiser)
    response = client.post(f"/meetings/{meeting.id}/delegations/new", data={
        "name": "Permanent Mission of Ghana", "kind": "state", "country_code": "GH", "seats": 4,
        "focal_point_name": "Akosua Mensah", "focal_point_email": "Akosua@Mission.example.org",
        "invite_focal_point": "y",
    })
    assert response.status_code == 303
    delegation = db.session.scalar(db.select(Delegation))
    assert (delegation.name, delegation.country_code, delegation.seats) == ("Permanent Mission of Ghana", "GH", 4)
    assert delegation.focal_point_email == "akosua@mission.example.org"
    mail = outbox()[-1]
    assert mail.recipient == "akosua@mission.example.org" and "focal point" in mail.subject
    auth.sign_out()

    landing = client.get(link_path(mail)).get_data(as_text=True)
    assert "focal point" in landing and "Permanent Mission of Ghana" in landing
    response = client.post(link_path(mail) + "/accept")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/delegations/{delegation.id}")
    db.session.refresh(delegation)
    focal_point = db.session.scalar(db.select(User).where(User.email == "akosua@mission.example.org"))
    assert delegation.focal_point_user_id == focal_point.id
    # Signed in by accepting, the focal point lands on the delegation's own page; the link is used up.
    page = client.get(f"/delegations/{delegation.id}")
    assert page.status_code == 200 and "Nominate a member" in page.get_data(as_text=True)
    assert client.get(link_path(mail)).status_code == 404
    assert client.get("/delegations").status_code == 302  # "My delegations" goes to the only one


def test_a_state_delegation_needs_a_country(client, db, meeting, organiser, auth):
    auth.sign_in(organiser)
    response = client.post(f"/meetings/{meeting.id}/delegations/new", data={
        "name": "Mission", "kind": "state", "country_code": "", "seats": 2,
        "focal_point_name": "A", "focal_point_email": "a@example.org",
    })
    assert response.status_code == 200 and "needs its country" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Delegation)) is None


def test_organiser_edits_seats_but_not_below_the_members(client, db, meeting, organiser, auth, participant,
                                                          make_delegation):
    delegation = make_delegation(meeting, seats=3, focal_point=participant)
    for n in range(2):
        nominate_member(delegation, email=f"m{n}@example.org", given_name="M", family_name=str(n), actor=participant)
    db.session.commit()
    auth.sign_in(organiser)
    data = {"name": delegation.name, "kind": "state", "country_code": "KE", "focal_point_name": "F",
            "focal_point_email": participant.email}
    client.post(f"/meetings/{meeting.id}/delegations/{delegation.id}/edit", data={**data, "seats": 1},
                headers={"Referer": f"http://localhost/meetings/{meeting.id}/delegations/{delegation.id}/edit"})
    db.session.refresh(delegation)
    assert delegation.seats == 3
    client.post(f"/meetings/{meeting.id}/delegations/{delegation.id}/edit", data={**data, "seats": 5})
    db.session.refresh(delegation)
    assert delegation.seats == 5
    listing = client.get(f"/meetings/{meeting.id}/delegations").get_data(as_text=True)
    assert "2 / 5" in listing


def test_focal_point_nominates_up_to_the_seats_and_not_one_more(client, db, meeting, auth, participant, outbox,
                                                                make_delegation):
    delegation = make_delegation(meeting, seats=2, focal_point=participant, kind="ngo", country="CO")
    auth.sign_in(participant)
    for n in range(2):
        response = client.post(f"/delegations/{delegation.id}/nominate",
                               data={"given_name": f"Ana {n}", "family_name": "Núñez", "email": f"ana{n}@example.org"})
        assert response.status_code == 303
    response = client.post(f"/delegations/{delegation.id}/nominate",
                           data={"given_name": "One", "family_name": "Too many", "email": "third@example.org"},
                           headers={"Referer": f"http://localhost/delegations/{delegation.id}"},
                           follow_redirects=True)
    assert "All 2 seats of the delegation are taken" in response.get_data(as_text=True)
    nominations = _nominations(db, delegation)
    assert sorted(i.email for i in nominations) == ["ana0@example.org", "ana1@example.org"]
    assert all(i.category.code == "civil_society" and i.country_code == "CO" and i.seats == 1 for i in nominations)
    assert {m.recipient for m in outbox() if m.kind == "invitation"} >= {"ana0@example.org", "ana1@example.org"}
    assert seats_taken(delegation) == 2

    # A nominee who declines frees the seat.
    nominations[0].status = InvitationStatus.declined
    db.session.commit()
    assert client.post(f"/delegations/{delegation.id}/nominate",
                       data={"given_name": "Third", "email": "third@example.org"}).status_code == 303
    assert seats_taken(delegation) == 2


def test_registrations_of_the_delegation_hold_seats(db, meeting, participant, make_delegation, make_registration):
    delegation = make_delegation(meeting, seats=2, focal_point=participant)
    make_registration(meeting, delegation=delegation)
    make_registration(meeting, delegation=delegation, status=RegistrationStatus.cancelled)
    nominate_member(delegation, email="one@example.org", given_name="One", family_name="", actor=participant)
    with pytest.raises(SeatsExhausted):
        nominate_member(delegation, email="two@example.org", given_name="Two", family_name="", actor=participant)


def test_a_focal_point_sees_no_other_delegation(client, db, meeting, auth, participant, make_user, make_delegation):
    mine = make_delegation(meeting, focal_point=participant)
    other = make_delegation(meeting, focal_point=make_user("Other Focal"))
    auth.sign_in(participant)
    assert client.get(f"/delegations/{mine.id}").status_code == 200
    assert client.get(f"/delegations/{other.id}").status_code == 403
    assert client.post(f"/delegations/{other.id}/nominate",
                       data={"given_name": "X", "email": "x@example.org"}).status_code == 403
    assert client.post(f"/delegations/{other.id}/confirm").status_code == 403
    assert client.get(f"/meetings/{meeting.id}/delegations").status_code == 403
    assert client.get(f"/meetings/{meeting.id}/delegations/{other.id}").status_code == 403
    assert _nominations(db, other) == [] and other.confirmed_at is None


def test_staff_and_organisers_are_not_focal_points(client, meeting, auth, staff, organiser, participant,
                                                   make_delegation):
    delegation = make_delegation(meeting, focal_point=participant)
    for user in (staff, organiser):
        auth.sign_in(user)
        assert client.get(f"/delegations/{delegation.id}").status_code == 403
        auth.sign_out()


def test_confirm_then_a_new_nomination_asks_to_confirm_again(client, db, meeting, auth, participant,
                                                              make_delegation):
    delegation = make_delegation(meeting, focal_point=participant)
    auth.sign_in(participant)
    assert client.post(f"/delegations/{delegation.id}/confirm").status_code == 303
    db.session.refresh(delegation)
    assert delegation.confirmed_at is not None
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "delegation.confirm"))
    client.post(f"/delegations/{delegation.id}/nominate", data={"given_name": "New", "email": "new@example.org"})
    db.session.refresh(delegation)
    assert delegation.confirmed_at is None


def test_withdrawing_a_nomination_frees_its_seat_and_kills_its_link(client, db, meeting, auth, participant, outbox,
                                                                    make_delegation):
    delegation = make_delegation(meeting, seats=1, focal_point=participant)
    auth.sign_in(participant)
    client.post(f"/delegations/{delegation.id}/nominate", data={"given_name": "A", "email": "a@example.org"})
    [nominee] = _nominations(db, delegation)
    link = link_path(outbox()[-1])
    assert client.post(f"/delegations/{delegation.id}/nominations/{nominee.id}/withdraw").status_code == 303
    db.session.refresh(nominee)
    assert nominee.status == InvitationStatus.revoked and seats_taken(delegation) == 0
    assert client.get(link).status_code == 404


def test_the_focal_point_may_nominate_themselves(db, meeting, make_delegation, make_invitation, make_user):
    delegation = make_delegation(meeting, seats=2)
    invitation, _token = make_invitation(meeting, email=delegation.focal_point_email, delegation=delegation,
                                         is_focal_point=True, seats=2)
    from meeting_manager.invitations.services import accept_as_focal_point
    focal_point = accept_as_focal_point(invitation)
    nominated = nominate_member(delegation, email=focal_point.email, given_name="Me", family_name="Myself",
                                actor=focal_point)
    assert nominated.id == invitation.id and nominated.status == InvitationStatus.sent
    assert not nominated.is_focal_point and seats_taken(delegation) == 1
    assert delegation.focal_point_user_id == focal_point.id
