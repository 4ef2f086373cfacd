"""Applying without an invitation: open, invitation-only, closed; one registration per email and per form."""
from datetime import timedelta

import pytest

from conftest import AuthActions, use_emailed_link
from meeting_manager.accounts.models import User
from meeting_manager.meetings.models import MeetingStatus, RegistrationMode
from meeting_manager.models_base import utcnow
from meeting_manager.registration import services
from meeting_manager.registration.models import RegistrationStatus


def test_open_registration_creates_a_pending_registration_and_the_link_makes_the_account(
        client, meeting, form_data, registrations, outbox, db):
    response = client.post(f"/meetings/{meeting.id}/apply", data=form_data())
    assert response.status_code == 303
    [registration] = registrations()
    assert registration.status == RegistrationStatus.pending
    assert registration.email == "amina@example.org"
    assert registration.badge_name == "Amina Diallo"  # default: given + family
    assert registration.represented_country == "SN"  # no organisation country: residence
    assert registration.data_consent_at is not None and registration.public_listing_consent is False
    assert [c.to_status for c in registration.history] == [RegistrationStatus.pending]
    # typing an address proves nothing: no account, no session, until the emailed link is used
    assert registration.user_id is None
    assert db.session.scalar(db.select(User).where(User.email == "amina@example.org")) is None
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}/registered")
    assert client.get("/my/registrations").status_code == 302
    [mail] = [m for m in outbox() if m.kind == "registration_received"]
    assert mail.recipient == "amina@example.org" and meeting.title in mail.subject
    assert f"/my/registrations/{registration.id}" in mail.text_body
    assert use_emailed_link(client, "amina@example.org").status_code == 302
    user = db.session.scalar(db.select(User).where(User.email == "amina@example.org"))
    db.session.refresh(registration)
    assert registration.user_id == user.id and user.password_hash is None and user.name == "Amina Diallo"
    assert user.email_proven_at is not None
    assert "Pending review" in client.get(f"/my/registrations/{registration.id}").text


def test_meeting_page_links_to_the_form(client, meeting):
    page = client.get(f"/meetings/{meeting.id}")
    assert f"/meetings/{meeting.id}/apply" in page.text
    form = client.get(f"/meetings/{meeting.id}/apply")
    assert form.status_code == 200 and 'name="data_consent"' in form.text


def test_invitation_only_meeting_refuses_with_a_clear_page(client, make_meeting, form_data, registrations):
    meeting = make_meeting(registration_mode=RegistrationMode.invitation_only)
    for response in (client.get(f"/meetings/{meeting.id}/apply"),
                     client.post(f"/meetings/{meeting.id}/apply", data=form_data(meeting))):
        assert response.status_code == 403
        assert "by invitation only" in response.text and "personal link" in response.text
        assert 'name="given_name"' not in response.text
    assert registrations() == []


def test_closed_registration_says_so(client, make_meeting, form_data, registrations, db):
    meeting = make_meeting()
    meeting.registration_closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    response = client.post(f"/meetings/{meeting.id}/apply", data=form_data(meeting))
    assert response.status_code == 403 and "Registration for this meeting closed on" in response.text
    assert registrations() == []


def test_registration_not_yet_open_says_when(client, make_meeting, db):
    meeting = make_meeting(registration_opens_at=utcnow() + timedelta(days=3))
    response = client.get(f"/meetings/{meeting.id}/apply")
    assert response.status_code == 403 and "opens on" in response.text


@pytest.mark.parametrize("status", [MeetingStatus.closed, MeetingStatus.archived])
def test_meeting_not_open_takes_no_registration(client, make_meeting, status):
    meeting = make_meeting(status=status)
    response = client.get(f"/meetings/{meeting.id}/apply")
    assert response.status_code == 403 and "not taking registrations" in response.text


def test_draft_meeting_is_not_found(client, make_meeting):
    draft = make_meeting(status=MeetingStatus.draft)
    assert client.get(f"/meetings/{draft.id}/apply").status_code == 404
    assert client.get(f"/meetings/{draft.id}/registered").status_code == 404


def test_double_submission_creates_one_registration(app, meeting, form_data, registrations):
    data = form_data()
    first, second = app.test_client(), app.test_client()  # a second click whose session has no cookie yet
    assert first.post(f"/meetings/{meeting.id}/apply", data=data).status_code == 303
    again = second.post(f"/meetings/{meeting.id}/apply", data=data)
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/meetings/{meeting.id}/registered")
    # back and resubmit in the same browser lands on the registration, with a word about it
    resubmit = first.post(f"/meetings/{meeting.id}/apply", data=data, follow_redirects=True)
    assert resubmit.status_code == 200
    assert len(registrations()) == 1


def test_resubmit_after_sign_out_shows_received_page(client, meeting, form_data, registrations):
    data = form_data()
    client.post(f"/meetings/{meeting.id}/apply", data=data)
    client.post("/account/sign-out")
    response = client.post(f"/meetings/{meeting.id}/apply", data=data, follow_redirects=True)
    assert "This form was sent already" in response.text and "Thank you" in response.text
    assert len(registrations()) == 1


def test_same_email_twice_is_answered_alike_and_makes_no_duplicate(app, meeting, form_data, registrations,
                                                                   outbox):
    first_client, other = app.test_client(), app.test_client()
    first = first_client.post(f"/meetings/{meeting.id}/apply", data=form_data())
    second = other.post(f"/meetings/{meeting.id}/apply", data=form_data(email=" AMINA@example.org "))
    # the page says nothing a stranger could learn from: the same answer as for a new registration
    assert (second.status_code, second.location) == (first.status_code, first.location) == (303, second.location)
    assert first_client.get(first.location).text == other.get(second.location).text
    assert len(registrations()) == 1
    # the address's owner gets one sign-in link (one per address in a window, however often it is typed)
    assert [m.kind for m in outbox()].count("sign_in") == 1


def test_duplicate_of_a_registration_without_account_gives_its_owner_a_way_in(app, client, db, meeting, form_data,
                                                                             make_registration, outbox):
    existing = make_registration(meeting)  # e.g. entered by an organiser: no account linked
    existing.email = "amina@example.org"
    db.session.commit()
    response = client.post(f"/meetings/{meeting.id}/apply", data=form_data())
    assert response.status_code == 303 and response.location.endswith(f"/meetings/{meeting.id}/registered")
    db.session.refresh(existing)
    assert existing.user_id is None  # nothing attached until the address is proven
    assert [m.recipient for m in outbox() if m.kind == "sign_in"] == ["amina@example.org"]
    assert client.get("/my/registrations").status_code == 302  # the one who typed is not signed in
    owner = app.test_client()
    use_emailed_link(owner, "amina@example.org")
    db.session.refresh(existing)
    assert existing.user.email == "amina@example.org"
    assert owner.get(f"/my/registrations/{existing.id}").status_code == 200


def test_race_between_two_requests_is_caught_cleanly(client, meeting, form_data, registrations, monkeypatch):
    client.post(f"/meetings/{meeting.id}/apply", data=form_data())
    # the other request passed its check before this one committed: the database constraint decides
    monkeypatch.setattr(services.registering, "find_registration", lambda meeting, email: None)
    response = client.post(f"/meetings/{meeting.id}/apply", data=form_data())
    assert response.status_code == 303 and response.location.endswith("/registered")
    assert len(registrations()) == 1


def test_race_is_caught_in_the_service_without_losing_the_callers_work(db, meeting, monkeypatch, registrations):
    data = dict(given_name="Olga", family_name="Петрова", email="olga@example.org", gender="woman",
                nationality="RU", residence_country="RU", category_id=meeting.categories[0].id, relation="expert",
                data_consent=True)
    services.register_participant(meeting, data)
    monkeypatch.setattr(services.registering, "find_registration", lambda meeting, email: None)
    meeting.venue = "Changed in the same transaction"
    with pytest.raises(services.DuplicateRegistration):
        services.register_participant(meeting, data)
    assert meeting.venue == "Changed in the same transaction"  # only the savepoint was rolled back
    db.session.commit()
    assert len(registrations()) == 1


def test_consent_to_data_processing_is_required(client, meeting, form_data, registrations):
    data = form_data()
    del data["data_consent"]
    response = client.post(f"/meetings/{meeting.id}/apply", data=data)
    assert response.status_code == 422
    assert "Your consent is needed to register." in response.text
    assert registrations() == []


def test_public_listing_consent_is_separate_and_recorded(client, meeting, form_data, registrations):
    client.post(f"/meetings/{meeting.id}/apply", data=form_data(public_listing_consent="y"))
    assert registrations()[0].public_listing_consent is True


def test_signed_in_participant_with_a_registration_goes_to_it(client, meeting, form_data, registrations):
    client.post(f"/meetings/{meeting.id}/apply", data=form_data())
    use_emailed_link(client, "amina@example.org")
    response = client.get(f"/meetings/{meeting.id}/apply")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/my/registrations/{registrations()[0].id}")


def test_existing_account_is_not_touched_by_typing_its_email(app, client, auth, meeting, form_data, make_user,
                                                             outbox, registrations, db):
    """Finding 2: an anonymous apply with a staff member's address signed them out and gave them the registration."""
    owner = make_user("Real Owner", email="owner@example.org", roles=[(meeting, "staff")])
    at_the_desk = app.test_client()
    AuthActions(at_the_desk).sign_in(owner)
    response = client.post(f"/meetings/{meeting.id}/apply", data=form_data(email="owner@example.org"))
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}/registered")
    assert client.get("/my/registrations").status_code == 302  # not signed in: sent to sign-in
    [registration] = registrations()
    assert registration.user_id is None  # not attached to the account
    assert at_the_desk.get(f"/meetings/{meeting.id}/checkin").status_code == 200  # still signed in
    assert "sign_in" in [m.kind for m in outbox()]


def test_signed_in_user_registering_with_own_email_stays_signed_in(client, auth, meeting, participant, form_data,
                                                                     registrations):
    auth.sign_in(participant)
    response = client.post(f"/meetings/{meeting.id}/apply", data=form_data(email=participant.email))
    [registration] = registrations()
    assert registration.user_id == participant.id
    assert response.headers["Location"].endswith(f"/my/registrations/{registration.id}")


def test_form_prefills_a_signed_in_users_email(client, auth, meeting, participant):
    auth.sign_in(participant)
    assert f'value="{participant.email}"' in client.get(f"/meetings/{meeting.id}/apply").text
