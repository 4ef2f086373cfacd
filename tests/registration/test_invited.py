"""Registering from a personal invitation link: the whole path invite → register → edit → cancel, and bad links."""
from datetime import timedelta

import pytest

from meeting_manager.accounts.models import User
from meeting_manager.delegations.models import Delegation, DelegationKind
from meeting_manager.invitations.models import InvitationStatus
from meeting_manager.invitations.services import issue_invitation
from meeting_manager.meetings.models import RegistrationMode
from meeting_manager.models_base import utcnow
from meeting_manager.registration.models import RegistrationStatus


@pytest.fixture
def invite(db, organiser, meeting):
    def make(meeting=meeting, email="kofi@example.org", **fields):
        fields.setdefault("given_name", "Kofi")
        fields.setdefault("family_name", "Mensah")
        invitation, token = issue_invitation(meeting, email=email, actor=organiser, send=False, **fields)
        db.session.commit()
        return invitation, token

    return make


def invited_form(form_data, meeting, **overrides):
    data = form_data(meeting, **overrides)
    data.pop("email", None)
    return data


def test_invite_register_edit_cancel(client, db, meeting, invite, form_data, registrations, outbox,
                                     seat_freed_calls):
    invitation, token = invite(organisation="Ghana Centre for Democratic Development", country_code="GH")
    page = client.get(f"/i/{token}/register")
    assert page.status_code == 200
    assert 'value="Kofi"' in page.text and 'value="Mensah"' in page.text and "kofi@example.org" in page.text
    assert 'name="email"' not in page.text  # locked to the invited address
    assert 'value="Ghana Centre for Democratic Development"' in page.text
    assert invitation.status == InvitationStatus.opened

    response = client.post(f"/i/{token}/register", data=invited_form(form_data, meeting, given_name="Kofi",
                                                                    family_name="Mensah", residence_country="GH"))
    assert response.status_code == 303
    [registration] = registrations()
    assert registration.invitation_id == invitation.id and registration.email == "kofi@example.org"
    assert invitation.status == InvitationStatus.registered
    assert registration.user.email == "kofi@example.org"  # account created and signed in
    assert response.headers["Location"].endswith(f"/my/registrations/{registration.id}")

    edit_page = client.get(f"/my/registrations/{registration.id}/edit")
    assert edit_page.status_code == 200 and 'value="Researcher"' in edit_page.text
    edit = invited_form(form_data, meeting, given_name="Kofi", family_name="Mensah", residence_country="GH",
                        position="Director", dietary="vegetarian")
    del edit["data_consent"], edit["submission_key"]
    response = client.post(f"/my/registrations/{registration.id}/edit", data=edit)
    assert response.status_code == 303
    db.session.refresh(registration)
    assert (registration.position, registration.dietary) == ("Director", "vegetarian")

    assert client.get(f"/my/registrations/{registration.id}/cancel").status_code == 200
    not_confirmed = client.post(f"/my/registrations/{registration.id}/cancel", data={})
    assert not_confirmed.status_code == 200 and "Tick the box to confirm." in not_confirmed.text
    assert registration.status == RegistrationStatus.pending
    response = client.post(f"/my/registrations/{registration.id}/cancel", data={"confirm": "y"})
    assert response.status_code == 303
    db.session.refresh(registration)
    assert registration.status == RegistrationStatus.cancelled
    assert [c.to_status for c in registration.history] == [RegistrationStatus.pending, RegistrationStatus.cancelled]
    assert [m.kind for m in outbox() if m.kind.startswith("registration_")] == [
        "registration_received", "registration_cancelled"]
    assert seat_freed_calls == []  # a pending registration held no seat
    # the link is used up now
    assert client.get(f"/i/{token}/register").status_code == 404


def test_locked_email_cannot_be_replaced(client, meeting, invite, form_data, registrations):
    _invitation, token = invite()
    client.post(f"/i/{token}/register", data=form_data(meeting, email="someone.else@example.org"))
    assert registrations()[0].email == "kofi@example.org"


def test_unlocked_invitation_allows_another_address(client, meeting, invite, form_data, registrations):
    _invitation, token = invite(lock_email=False)
    assert 'name="email"' in client.get(f"/i/{token}/register").text
    client.post(f"/i/{token}/register", data=form_data(meeting, email="kofi.private@example.org"))
    assert registrations()[0].email == "kofi.private@example.org"


def test_invitation_only_meeting_accepts_the_invited(client, make_meeting, invite, form_data, registrations):
    meeting = make_meeting(registration_mode=RegistrationMode.invitation_only)
    _invitation, token = invite(meeting)
    assert client.post(f"/i/{token}/register", data=invited_form(form_data, meeting)).status_code == 303
    assert len(registrations()) == 1


def test_invitation_may_register_before_public_opening_but_not_after_closing(client, db, make_meeting, invite,
                                                                           form_data):
    meeting = make_meeting(registration_opens_at=utcnow() + timedelta(days=10))
    _invitation, token = invite(meeting)
    assert client.get(f"/i/{token}/register").status_code == 200
    meeting.registration_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.get(f"/i/{token}/register")
    assert response.status_code == 403 and "closed on" in response.text


def test_state_delegation_decides_the_represented_country(client, db, meeting, invite, form_data, registrations):
    delegation = Delegation(meeting=meeting, name="Permanent Mission of Kenya", kind=DelegationKind.state,
                            country_code="KE", seats=3, focal_point_name="Focal", focal_point_email="f@example.org")
    db.session.add(delegation)
    db.session.commit()
    state = next(c for c in meeting.categories if c.code == "state")
    _invitation, token = invite(delegation=delegation, category_id=state.id)
    page = client.get(f"/i/{token}/register").text
    assert "Permanent Mission of Kenya" in page and 'name="category_id"' not in page
    # the invitee lives and works elsewhere; the State delegation still decides
    client.post(f"/i/{token}/register", data=invited_form(form_data, meeting, residence_country="US",
                                                         organisation_country="CH", category_id="999"))
    [registration] = registrations()
    assert registration.delegation_id == delegation.id and registration.category_id == state.id
    assert registration.represented_country == "KE"


def test_ngo_delegation_counts_the_organisations_country(client, db, meeting, invite, form_data, registrations):
    delegation = Delegation(meeting=meeting, name="Coalition", kind=DelegationKind.ngo, country_code="CO", seats=3,
                            focal_point_name="Focal", focal_point_email="f@example.org")
    db.session.add(delegation)
    db.session.commit()
    _invitation, token = invite(delegation=delegation)
    client.post(f"/i/{token}/register", data=invited_form(form_data, meeting, residence_country="US",
                                                         organisation_country="CO"))
    assert registrations()[0].represented_country == "CO"


@pytest.mark.parametrize("spoil", ["made_up", "revoked", "expired", "declined"])
def test_unusable_links_give_one_plain_page(client, db, meeting, invite, form_data, registrations, spoil):
    invitation, token = invite()
    if spoil == "made_up":
        token = "x" * 43
    elif spoil == "expired":
        invitation.expires_at = utcnow() - timedelta(seconds=1)
    else:
        invitation.status = InvitationStatus(spoil)
    db.session.commit()
    for response in (client.get(f"/i/{token}/register"),
                     client.post(f"/i/{token}/register", data=invited_form(form_data, meeting))):
        assert response.status_code == 404
        assert "This invitation link cannot be used" in response.text
        assert meeting.title not in response.text and "Kofi" not in response.text  # reveals nothing else
    assert registrations() == []


def test_existing_plain_account_of_the_invited_address_is_signed_in(client, db, meeting, invite, form_data,
                                                                   registrations):
    user = User(email="kofi@example.org", name="Kofi")
    db.session.add(user)
    db.session.commit()
    _invitation, token = invite()
    response = client.post(f"/i/{token}/register", data=invited_form(form_data, meeting))
    assert registrations()[0].user_id == user.id
    assert response.headers["Location"].endswith(f"/my/registrations/{registrations()[0].id}")


def test_account_with_a_password_gets_a_link_instead(client, meeting, invite, form_data, make_user, registrations,
                                                    outbox):
    user = make_user("Kofi", email="kofi@example.org")
    _invitation, token = invite()
    response = client.post(f"/i/{token}/register", data=invited_form(form_data, meeting))
    assert registrations()[0].user_id == user.id
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}/registered")
    assert "sign_in" in [m.kind for m in outbox()]


def test_invited_address_registered_already_gets_a_clear_message(client, app, meeting, invite, form_data,
                                                                  registrations):
    app.test_client().post(f"/meetings/{meeting.id}/apply", data=form_data(email="kofi@example.org"))
    _invitation, token = invite()
    response = client.post(f"/i/{token}/register", data=invited_form(form_data, meeting))
    assert response.status_code == 409 and "already registered for this meeting" in response.text
    assert len(registrations()) == 1


def test_a_focal_point_link_leads_to_the_landing_page_not_the_form(client, meeting, make_invitation, db):
    _invitation, token = make_invitation(meeting, is_focal_point=True)
    response = client.get(f"/i/{token}/register")
    assert response.status_code == 302 and response.location.endswith(f"/i/{token}")
    assert client.post(f"/i/{token}/register", data={"given_name": "X"}).status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(
        __import__("meeting_manager.registration.models", fromlist=["Registration"]).Registration)) == 0
