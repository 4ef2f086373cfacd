"""The organiser's page for one registration: everything, visa data in its own audited panel, for organisers only."""
import pytest

from meeting_manager.audit.models import AuditEvent
from meeting_manager.registration.models import RegistrationStatus
from meeting_manager.registration.services import change_status


def audit_actions(db):
    return [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]


def test_organiser_sees_everything_and_visa_data_only_on_request(client, auth, db, organiser, register, visa_data,
                                                                 meeting):
    _participant, registration = register(dietary="halal", **visa_data)
    change_status(registration, RegistrationStatus.waitlisted, actor=organiser,
                  findings=[{"severity": "violation", "message": "Approving would put WEOG at 31 of 30 seats"}],
                  override_reason=None)
    db.session.commit()
    auth.sign_in(organiser)
    url = f"/meetings/{meeting.id}/registrations/{registration.id}"
    page = client.get(url)
    assert page.status_code == 200
    for text in ("Amina", "Diallo", "amina@example.org", "Senegal", "halal", "Centre for Peace", "Civil society",
                 "On the waiting list", "Approving would put WEOG at 31 of 30 seats", "Olu Organiser",
                 "asked for a visa letter"):
        assert text in page.text, text
    assert 'class="finding-violation"' in page.text
    assert "P1234567X" not in page.text and "registration.view_visa" not in audit_actions(db)

    shown = client.get(url + "?visa=1")
    assert "P1234567X" in shown.text and "Dakar" in shown.text and "Apr 12, 1985" in shown.text
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "registration.view_visa"))
    assert (event.actor_id, event.subject_id, event.meeting_id) == (organiser.id, registration.id, meeting.id)
    assert "P1234567X" not in str(event.details)


def test_staff_get_403(client, auth, staff, register, meeting):
    _participant, registration = register()
    auth.sign_in(staff)
    assert client.get(f"/meetings/{meeting.id}/registrations/{registration.id}").status_code == 403
    assert client.get(f"/meetings/{meeting.id}/registrations/{registration.id}?visa=1").status_code == 403


def test_participant_gets_403_even_for_own_registration(register, meeting):
    participant, registration = register()
    assert participant.get(f"/meetings/{meeting.id}/registrations/{registration.id}").status_code == 403


def test_organiser_of_another_meeting_gets_403(client, auth, make_user, make_meeting, register, meeting):
    other = make_meeting(title="Another meeting")
    stranger = make_user("Other Organiser", roles=[(other, "organiser")])
    _participant, registration = register()
    auth.sign_in(stranger)
    assert client.get(f"/meetings/{meeting.id}/registrations/{registration.id}").status_code == 403
    # and naming their own meeting in the URL does not open someone else's registration
    assert client.get(f"/meetings/{other.id}/registrations/{registration.id}").status_code == 404


def test_not_signed_in_is_sent_to_sign_in(client, register, meeting):
    _participant, registration = register()
    response = client.get(f"/meetings/{meeting.id}/registrations/{registration.id}")
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("with_visa", [False, True])
def test_visa_param_without_a_request_shows_no_panel_and_audits_nothing(client, auth, db, organiser, register,
                                                                         visa_data, meeting, with_visa):
    _participant, registration = register(**(visa_data if with_visa else {}))
    auth.sign_in(organiser)
    page = client.get(f"/meetings/{meeting.id}/registrations/{registration.id}?visa=1").text
    assert ("registration.view_visa" in audit_actions(db)) is with_visa
    assert ("Visa letter data" in page) is with_visa


def test_meeting_menu_shows_questions_to_organisers(client, auth, organiser, meeting):
    auth.sign_in(organiser)
    page = client.get(f"/meetings/{meeting.id}/manage").text
    assert f"/meetings/{meeting.id}/questions" in page
