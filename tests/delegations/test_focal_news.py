"""Focal points hear what happens (real SMTP): a mail per member event and note-verbale decision, or a daily
digest; their page says what is done and what is next; the organiser's page does not contradict itself."""
import re

import pytest

from meeting_manager.balance import services as balance
from meeting_manager.delegations import notices
from meeting_manager.extensions import db as _db
from meeting_manager.registration.models import RegistrationStatus

S = RegistrationStatus


@pytest.fixture
def focal(make_user):
    return make_user("Akosua Mensah", email="akosua@mission.example.org")


@pytest.fixture
def delegation(meeting, make_delegation, focal):
    return make_delegation(meeting, seats=3, focal_point=focal, name="Permanent Mission of Ghana", country="GH")


@pytest.fixture
def mailing(app, smtp_server):
    smtp_server.configure(app)
    return smtp_server


def texts(mail_to, address):
    return [m.get_body(("plain",)).get_content() for m in mail_to(address)]


def member(make_registration, meeting, delegation, **fields):
    registration = make_registration(meeting, delegation_id=delegation.id, category_code="state", **fields)
    return registration


def test_the_focal_point_hears_of_a_registration_and_each_decision_with_the_summary(
        meeting, delegation, focal, make_registration, mailing, mail_to, organiser, register, db):
    registration = member(make_registration, meeting, delegation, given_name="Kwame", family_name="Boateng")
    from meeting_manager.signals import registration_submitted

    registration_submitted.send(registration, actor=None)
    db.session.commit()
    [news] = texts(mail_to, focal.email)
    assert "Kwame BOATENG has registered." in news
    assert re.search(r"Seats: 3\s+- Registered: 1\s+- Approved: 0\s+- Waiting for a decision: 1\s+- Still missing: 2",
                     news), news
    assert f"/delegations/{delegation.id}" in news

    balance.decide(registration, S.approved, actor=organiser, override_reason="note verbale comes later")
    db.session.commit()
    approved = texts(mail_to, focal.email)[-1]
    assert "Kwame BOATENG is approved." in approved and "Approved: 1" in approved

    balance.decide(registration, S.declined, actor=organiser)
    db.session.commit()
    assert "Kwame BOATENG was declined." in texts(mail_to, focal.email)[-1]


def test_note_verbale_verified_or_refused_is_told_to_the_focal_point(
        meeting, delegation, focal, mailing, mail_to, organiser, auth, client, db):
    delegation.note_verbale_path, delegation.note_verbale_uploaded_at = "notes/x.pdf", delegation.created_at
    db.session.commit()
    auth.sign_in(organiser)
    base = f"/meetings/{meeting.id}/delegations/{delegation.id}/note-verbale"
    assert client.post(f"{base}/reject", data={"reason": "  "}).status_code == 303  # no reason: nothing changes
    db.session.refresh(delegation)
    assert delegation.note_verbale_rejection == "" and mail_to(focal.email) == []
    client.post(f"{base}/reject", data={"reason": "The seal is missing"})
    refused = texts(mail_to, focal.email)[-1]
    assert "could not accept the note verbale: The seal is missing" in refused
    client.post(f"{base}/verify")
    assert "verified the note verbale" in texts(mail_to, focal.email)[-1]
    assert len(mail_to(focal.email)) == 2


def test_a_focal_point_who_chose_the_digest_gets_one_mail_a_day(
        meeting, delegation, focal, make_registration, mailing, mail_to, organiser, auth, client, db):
    auth.sign_in(focal)
    assert client.post(f"/delegations/{delegation.id}/notices", data={"focal_notice": "weekly"}).status_code == 303
    db.session.refresh(delegation)
    assert delegation.focal_notice == "each"  # a bad value changes nothing
    client.post(f"/delegations/{delegation.id}/notices", data={"focal_notice": "digest"})
    db.session.refresh(delegation)
    assert delegation.focal_notice == "digest"
    first = member(make_registration, meeting, delegation, given_name="Kwame", family_name="Boateng")
    balance.decide(first, S.waitlisted, actor=organiser)
    db.session.commit()
    assert mail_to(focal.email) == []
    delegation.focal_digest_at = delegation.focal_digest_at.replace(year=2000)
    db.session.commit()
    assert notices.send_digests() == 1
    db.session.commit()
    assert notices.send_digests() == 0
    [digest] = texts(mail_to, focal.email)
    assert "Kwame BOATENG has registered." in digest and "Kwame BOATENG is on the waiting list." in digest


def test_the_focal_page_says_what_is_done_and_what_is_next(
        meeting, delegation, focal, make_registration, auth, client, db):
    auth.sign_in(focal)
    page = client.get(f"/delegations/{delegation.id}").text
    assert "Next: nominate the members" in page
    assert "Being the focal point does not give you a seat" in page
    client.post(f"/delegations/{delegation.id}/nominate",
                data={"given_name": "Kwame", "family_name": "Boateng", "email": "kwame@mission.example.org"})
    page = client.get(f"/delegations/{delegation.id}").text
    assert "Next: when the list of members is complete, confirm the delegation." in page
    assert client.post(f"/delegations/{delegation.id}/confirm").status_code == 303
    page = client.get(f"/delegations/{delegation.id}").text
    assert "Confirm the delegation" not in page
    assert "You confirmed the list of members" in page and "Done: you confirmed the delegation" in page
    delegation.note_verbale_path, delegation.note_verbale_uploaded_at = "notes/x.pdf", delegation.created_at
    delegation.note_verbale_verified_at = delegation.created_at
    db.session.commit()
    page = client.get(f"/delegations/{delegation.id}").text
    assert "Nothing more is needed for it" in page
    assert "Replace it (only if the organisers ask)" in page and "must be verified again" in page


def test_the_organisers_page_does_not_offer_an_invitation_already_sent(meeting, organiser, auth, client, db):
    auth.sign_in(organiser)
    response = client.post(f"/meetings/{meeting.id}/delegations/new", data={
        "name": "Permanent Mission of Ghana", "kind": "state", "country_code": "GH", "seats": 4,
        "focal_point_name": "Akosua Mensah", "focal_point_email": "akosua@mission.example.org",
        "invite_focal_point": "y"}, follow_redirects=True)
    assert "An invitation is on its way to its focal point" in response.text
    assert "Send the focal point an invitation" not in response.text
    assert "not answered yet" in response.text and "Send a fresh link" in response.text


def test_only_the_focal_point_and_organisers_reach_these_actions(meeting, delegation, participant, auth, client,
                                                                 make_user, make_delegation):
    other_focal = make_user("Other Focal")
    make_delegation(meeting, focal_point=other_focal)
    for user in (participant, other_focal):
        auth.sign_in(user)
        assert client.post(f"/delegations/{delegation.id}/notices", data={"focal_notice": "digest"}).status_code == 403
        assert client.post(f"/meetings/{meeting.id}/delegations/{delegation.id}/note-verbale/reject",
                           data={"reason": "x"}).status_code == 403
        auth.sign_out()
    _db.session.refresh(delegation)
    assert delegation.focal_notice == "each"
