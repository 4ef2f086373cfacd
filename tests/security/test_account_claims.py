"""Findings 1 and 2 of the penetration test, reproduced: an address typed into a form proves nothing, so it can
neither pre-claim a future participant's account (and later read their passport) nor touch an existing one."""
import pytest

from conftest import AuthActions, use_emailed_link
from meeting_manager.accounts.models import User
from meeting_manager.accounts.services import start_session
from meeting_manager.invitations.services import issue_invitation
from meeting_manager.registration.models import Registration

VICTIM = "victim@example.org"


@pytest.fixture
def invited_meeting(make_meeting, organiser):
    return make_meeting(title="Regional meeting 2027")


def _register_invited(client, db, form_data, meeting, organiser, visa_data):
    _invitation, token = issue_invitation(meeting, email=VICTIM, actor=organiser, send=False, given_name="Victoria",
                                          family_name="Im")
    db.session.commit()
    data = form_data(meeting, **visa_data)
    data.pop("email")
    response = client.post(f"/i/{token}/register", data=data)
    assert response.status_code == 303, response.text[:500]
    return db.session.scalar(db.select(Registration).where(Registration.meeting_id == meeting.id,
                                                           Registration.email == VICTIM))


def _private_pages(registration_id: int) -> list[str]:
    base = f"/my/registrations/{registration_id}"
    return [base, f"{base}/visa-letter.pdf", f"{base}/e-ticket.pdf", f"{base}/edit", f"{base}/travel",
            f"{base}/cancel"]


def test_an_anonymous_apply_with_someone_elses_address_gives_no_session(app, meeting, form_data, db):
    attacker = app.test_client()
    response = attacker.post(f"/meetings/{meeting.id}/apply", data=form_data(email=VICTIM))
    assert response.status_code == 303 and response.location.endswith("/registered")
    assert attacker.get("/my/registrations").status_code == 302
    assert db.session.scalar(db.select(User).where(User.email == VICTIM)) is None


def test_the_pre_claim_attack_no_longer_reads_the_passport(app, meeting, invited_meeting, form_data, db, organiser,
                                                           approve, visa_data):
    attacker = app.test_client()
    attacker.post(f"/meetings/{meeting.id}/apply", data=form_data(email=VICTIM))
    victim = app.test_client()
    registration = approve(_register_invited(victim, db, form_data, invited_meeting, organiser, visa_data))
    assert registration.visa_request.passport_number == visa_data["passport_number"]
    assert victim.get(f"/my/registrations/{registration.id}/visa-letter.pdf").status_code == 200
    for url in _private_pages(registration.id):
        response = attacker.get(url)
        assert response.status_code in (302, 404), url
        assert visa_data["passport_number"].encode() not in response.data


def _pre_claimed(app, db):
    """An account for the victim's address made under the old code, and the attacker's browser still signed in
    to it."""
    user = User(email=VICTIM, name="Pre-claimed")
    db.session.add(user)
    db.session.flush()
    key = start_session(user)
    db.session.commit()
    attacker = app.test_client()
    with attacker.session_transaction() as session:
        session["_user_id"] = key
    return user, attacker


def test_a_session_from_before_the_proof_ends_when_the_address_is_proven(app, invited_meeting, form_data, db,
                                                                       organiser, approve, visa_data):
    """An account pre-claimed under the old code, whose attacker still holds a session: the invitation proves the
    address, and every session from before ends."""
    user, attacker = _pre_claimed(app, db)
    assert attacker.get("/my/registrations").status_code == 200  # the old session worked
    registration = approve(_register_invited(app.test_client(), db, form_data, invited_meeting, organiser,
                                             visa_data))
    assert registration.user_id == user.id
    assert attacker.get("/my/registrations").status_code == 302
    assert attacker.get(f"/my/registrations/{registration.id}/visa-letter.pdf").status_code in (302, 404)


def test_the_emailed_link_ends_sessions_from_before_it(app, meeting, form_data, db):
    _user, attacker = _pre_claimed(app, db)
    owner = app.test_client()
    owner.post(f"/meetings/{meeting.id}/apply", data=form_data(email=VICTIM))
    use_emailed_link(owner, VICTIM)
    assert owner.get("/my/registrations").status_code == 200
    assert attacker.get("/my/registrations").status_code == 302


def test_an_existing_accounts_sessions_and_registrations_are_left_alone(app, meeting, form_data, db, make_user,
                                                                     registrations):
    staff = make_user("Desk Staff", email="desk@example.org", roles=[(meeting, "staff")])
    desk = app.test_client()
    AuthActions(desk).sign_in(staff)
    app.test_client().post(f"/meetings/{meeting.id}/apply", data=form_data(email="desk@example.org"))
    assert desk.get(f"/meetings/{meeting.id}/checkin").status_code == 200
    assert [r.user_id for r in registrations()] == [None]


def test_a_used_or_made_up_link_explains_itself_and_signs_nobody_in(app, meeting, form_data):
    client = app.test_client()
    client.post(f"/meetings/{meeting.id}/apply", data=form_data(email=VICTIM))
    assert use_emailed_link(client, VICTIM).status_code == 302
    again = app.test_client()
    response = use_emailed_link(again, VICTIM)
    assert response.status_code == 400 and "not valid" in response.text
    assert again.get("/my/registrations").status_code == 302
    made_up = again.post("/account/link/not-a-real-token")
    assert made_up.status_code == 400 and VICTIM not in made_up.text
