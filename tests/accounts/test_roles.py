"""Roles per meeting: an admin grants and revokes them; an organiser of one meeting cannot touch another."""
import pytest

from meeting_manager.accounts.models import MeetingRole, MeetingRoleName, User
from meeting_manager.audit.models import AuditEvent
from meeting_manager.meetings.models import Meeting


def roles_of(db, user) -> set[tuple[int, str]]:
    rows = db.session.execute(db.select(MeetingRole.meeting_id, MeetingRole.role).where(MeetingRole.user_id == user.id))
    return {(meeting_id, role.value) for meeting_id, role in rows}


@pytest.fixture
def other_meeting(make_meeting):
    return make_meeting(title="Regional Meeting Asia-Pacific", edition=None, city="Bangkok", country_code="TH",
                        timezone="Asia/Bangkok")


def test_admin_grants_organiser_through_the_ui(client, auth, admin, participant, meeting, db):
    auth.sign_in(admin)
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 200
    page = client.get(f"/account/users/{participant.id}")
    assert page.status_code == 200 and meeting.title in page.get_data(as_text=True)

    response = client.post(f"/account/users/{participant.id}", data={"meeting_id": meeting.id, "role": "organiser"})
    assert response.status_code == 302
    assert roles_of(db, participant) == {(meeting.id, "organiser")}
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "role.grant"))
    assert event.actor_id == admin.id and event.subject_id == participant.id and event.meeting_id == meeting.id
    assert participant.name not in str(event.details) and participant.email not in str(event.details)

    auth.sign_out()
    auth.sign_in(participant)
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 200
    assert client.get(f"/meetings/{meeting.id}/manage").status_code == 200


def test_granting_twice_keeps_one_role(client, auth, admin, participant, meeting, db):
    auth.sign_in(admin)
    for _ in range(2):
        client.post(f"/account/users/{participant.id}", data={"meeting_id": meeting.id, "role": "staff"})
    assert roles_of(db, participant) == {(meeting.id, "staff")}


def test_staff_may_manage_but_not_edit(client, auth, staff, meeting):
    auth.sign_in(staff)
    assert client.get(f"/meetings/{meeting.id}/manage").status_code == 200
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 403
    assert client.get("/meetings/new").status_code == 403


def test_admin_revokes_a_role_through_the_ui(client, auth, admin, organiser, meeting, db):
    auth.sign_in(admin)
    page = client.get(f"/account/users/{organiser.id}").get_data(as_text=True)
    revoke = f"/account/users/{organiser.id}/roles/{meeting.id}/organiser/revoke"
    assert revoke in page
    assert client.post(revoke).status_code == 302
    assert roles_of(db, organiser) == set()
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "role.revoke")) is not None

    auth.sign_out()
    auth.sign_in(organiser)
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 403


def test_revoking_an_unknown_role_is_404(client, auth, admin, organiser, meeting):
    auth.sign_in(admin)
    assert client.post(f"/account/users/{organiser.id}/roles/{meeting.id}/emperor/revoke").status_code == 404
    assert client.post(f"/account/users/{organiser.id}/roles/987654/organiser/revoke").status_code == 404


@pytest.mark.parametrize("data", [
    {"meeting_id": "", "role": "organiser"},
    {"meeting_id": "987654", "role": "organiser"},
    {"meeting_id": "abc", "role": "staff"},
    {"role": "organiser"},
    {"meeting_id": "MEETING", "role": "admin"},
])
def test_role_form_refuses_bad_input(client, auth, admin, participant, meeting, db, data):
    data = {k: (meeting.id if v == "MEETING" else v) for k, v in data.items()}
    auth.sign_in(admin)
    response = client.post(f"/account/users/{participant.id}", data=data)
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    assert roles_of(db, participant) == set()


@pytest.mark.parametrize("who", ["organiser", "staff", "participant"])
def test_only_admins_grant_roles(client, auth, request, meeting, participant, db, who):
    user = request.getfixturevalue(who)
    target = participant if who != "participant" else request.getfixturevalue("staff")
    before = roles_of(db, target)
    auth.sign_in(user)
    response = client.post(f"/account/users/{target.id}", data={"meeting_id": meeting.id, "role": "organiser"})
    assert response.status_code == 403
    assert roles_of(db, target) == before


def test_organiser_of_one_meeting_cannot_touch_another(client, auth, organiser, meeting, other_meeting, db):
    auth.sign_in(organiser)
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 200
    assert client.get(f"/meetings/{other_meeting.id}/edit").status_code == 403
    assert client.get(f"/meetings/{other_meeting.id}/manage").status_code == 403
    response = client.post(f"/meetings/{other_meeting.id}/edit", data={
        "title": "Taken over", "starts_on": "2030-01-01", "ends_on": "2030-01-02", "timezone": "UTC",
        "capacity": "5", "status": "open", "registration_mode": "open",
        "region_scheme_id": other_meeting.region_scheme_id, "previous_id": "0",
    })
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Meeting, other_meeting.id).title == "Regional Meeting Asia-Pacific"
    # The meeting menu of the other meeting's public page offers nothing to manage.
    page = client.get(f"/meetings/{other_meeting.id}").get_data(as_text=True)
    assert f"/meetings/{other_meeting.id}/edit" not in page


def test_organiser_sees_only_their_meetings_to_manage(client, auth, organiser, meeting, other_meeting):
    auth.sign_in(organiser)
    html = client.get("/").get_data(as_text=True)
    assert f"/meetings/{meeting.id}/manage" in html
    assert f"/meetings/{other_meeting.id}/manage" not in html


def test_admin_creates_an_account_that_gets_a_password_link(client, auth, admin, outbox, db):
    auth.sign_in(admin)
    response = client.post("/account/users/new", data={"name": "Zhāng Wěi 张伟", "email": "Zhang.Wei@Example.org"})
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).where(User.email == "zhang.wei@example.org"))
    assert user.name == "Zhāng Wěi 张伟" and not user.is_admin and user.password_hash is None
    assert response.headers["Location"] == f"/account/users/{user.id}"
    [message] = outbox()
    assert message.recipient == "zhang.wei@example.org" and "/account/reset/" in message.text_body


def test_creating_a_second_account_with_the_same_email_is_refused(client, auth, admin, participant, db):
    auth.sign_in(admin)
    count = db.session.scalar(db.select(db.func.count(User.id)))
    response = client.post("/account/users/new", data={"name": "Copy", "email": participant.email.upper()},
                           headers={"Referer": "http://localhost/account/users/new"})
    assert response.status_code == 303
    assert "An account with this email already exists." in client.get(response.headers["Location"]).get_data(True)
    assert db.session.scalar(db.select(db.func.count(User.id))) == count


def test_accounts_list_shows_roles(client, auth, admin, organiser, staff, meeting):
    auth.sign_in(admin)
    html = client.get("/account/users").get_data(as_text=True)
    assert organiser.name in html and staff.name in html
    assert f"organiser · {meeting.title}" in html and f"staff · {meeting.title}" in html


def test_has_meeting_role(organiser, meeting, make_meeting):
    other = make_meeting(title="Other")
    assert organiser.has_meeting_role(meeting.id, ["organiser"])
    assert not organiser.has_meeting_role(meeting.id, ["staff"])
    assert not organiser.has_meeting_role(other.id, ["organiser"])
    assert organiser.has_meeting_role(None, ["organiser"])
    assert [r.role for r in organiser.meeting_roles] == [MeetingRoleName.organiser]
