"""The participant's own pages: list, status and history, edit until the deadline, cancel, travel, and the PDFs."""
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from meeting_manager.errors import ValidationFailed
from meeting_manager.models_base import utcnow
from meeting_manager.registration import services
from meeting_manager.registration.models import RegistrationStatus


def edit_data(form_data, meeting, **overrides):
    data = form_data(meeting, **overrides)
    for name in ("data_consent", "submission_key", "email"):
        data.pop(name, None)
    return data


def test_my_registrations_lists_mine_with_status(register, make_meeting, meeting):
    client, first = register()
    other_meeting = make_meeting(title="Regional meeting Africa")
    register(other_meeting, client=client)
    page = client.get("/my/registrations")
    assert page.status_code == 200
    assert meeting.title in page.text and "Regional meeting Africa" in page.text
    assert page.text.count("Pending review") == 2
    assert f"/my/registrations/{first.id}" in page.text


def test_pages_need_sign_in(client, register):
    _client, registration = register()
    for url in ("/my/registrations", f"/my/registrations/{registration.id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("path, method", [
    ("", "get"), ("/edit", "get"), ("/edit", "post"), ("/cancel", "get"), ("/cancel", "post"), ("/travel", "get"),
    ("/visa-letter.pdf", "get"), ("/e-ticket.pdf", "get"),
])
def test_someone_elses_registration_is_not_found(register, approve, visa_data, path, method):
    _owner, registration = register(**visa_data)
    approve(registration)
    other, _theirs = register(email="other@example.org")
    response = getattr(other, method)(f"/my/registrations/{registration.id}{path}", data={"confirm": "y"})
    assert response.status_code == 404
    assert registration.status == RegistrationStatus.approved


def test_organiser_is_no_owner_either(client, auth, register, organiser):
    _owner, registration = register()
    auth.sign_in(organiser)
    assert client.get(f"/my/registrations/{registration.id}").status_code == 404


def test_status_page_shows_history(register, approve):
    client, registration = register()
    approve(registration)
    page = client.get(f"/my/registrations/{registration.id}").text
    assert "Approved" in page and "Pending review" in page  # the history
    assert "Download my e-ticket" in page and "Download my visa letter" not in page


def test_edit_keeps_what_is_not_sent_and_answers_clearly(register, form_data, meeting, db):
    client, registration = register()
    response = client.post(f"/my/registrations/{registration.id}/edit",
                           data=edit_data(form_data, meeting, given_name="Amina", family_name="Diallo-Sow"))
    assert response.status_code == 303
    db.session.refresh(registration)
    assert registration.family_name == "Diallo-Sow" and registration.email == "amina@example.org"
    assert registration.badge_name == "Amina Diallo-Sow"


def test_edit_refuses_bad_input_and_changes_nothing(register, form_data, meeting, db):
    client, registration = register()
    response = client.post(f"/my/registrations/{registration.id}/edit",
                           data=edit_data(form_data, meeting, given_name="", family_name="", position="Director"))
    assert response.status_code == 422 and "Enter your name" in response.text
    db.session.refresh(registration)
    assert (registration.given_name, registration.position) == ("Amina", "Researcher")


def test_edit_after_the_deadline_is_refused(register, form_data, meeting, db):
    client, registration = register()
    meeting.edit_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    for response in (client.get(f"/my/registrations/{registration.id}/edit"),
                     client.post(f"/my/registrations/{registration.id}/edit",
                                 data=edit_data(form_data, meeting, position="Director"))):
        assert response.status_code == 302
    page = client.get(f"/my/registrations/{registration.id}").text
    assert "can no longer be changed" in page and "deadline for changes has passed" in page
    db.session.refresh(registration)
    assert registration.position == "Researcher"
    with pytest.raises(services.EditDeadlinePassed):
        services.update_registration(registration, {"position": "Director"}, actor=None)


def test_edit_deadline_falls_back_to_registration_close_then_first_day(meeting, db):
    meeting.edit_deadline, meeting.registration_closes_at = None, utcnow() + timedelta(days=3)
    assert services.edit_deadline_for(meeting) == meeting.registration_closes_at
    meeting.registration_closes_at = None
    deadline = services.edit_deadline_for(meeting)
    assert deadline.astimezone(meeting.tz).date() == meeting.starts_on and deadline.astimezone(meeting.tz).hour == 0


def test_balance_fields_lock_once_approved(register, approve, form_data, meeting, db):
    client, registration = register()
    approve(registration)
    page = client.get(f"/my/registrations/{registration.id}/edit").text
    assert 'name="gender"' not in page and 'name="category_id"' not in page and "Woman" in page
    client.post(f"/my/registrations/{registration.id}/edit",
                data=edit_data(form_data, meeting, gender="man", residence_country="FR", dietary="halal"))
    db.session.refresh(registration)
    assert (registration.gender.value, registration.residence_country, registration.dietary) == ("woman", "SN",
                                                                                               "halal")
    with pytest.raises(ValidationFailed):
        services.update_registration(registration, {"gender": "man"}, actor=None)


def test_cancelled_registration_cannot_be_edited(register, db):
    client, registration = register()
    services.cancel_registration(registration, actor=registration.user)
    db.session.commit()
    assert client.get(f"/my/registrations/{registration.id}/edit").status_code == 302
    with pytest.raises(services.EditDeadlinePassed):
        services.update_registration(registration, {"position": "x"}, actor=None)


def test_edit_page_never_shows_passport_data_and_keeps_it_when_left_blank(register, form_data, visa_data, meeting,
                                                                         db):
    client, registration = register(**visa_data)
    page = client.get(f"/my/registrations/{registration.id}/edit").text
    assert "P1234567X" not in page and "Dakar" not in page and "1985-04-12" not in page
    assert "Your passport data is on file" in page
    client.post(f"/my/registrations/{registration.id}/edit", data=edit_data(form_data, meeting, visa_letter="y"))
    db.session.refresh(registration)
    assert registration.visa_request.passport_number == "P1234567X"
    new = visa_data | {"passport_number": "N7654321"}
    client.post(f"/my/registrations/{registration.id}/edit", data=edit_data(form_data, meeting, **new))
    db.session.refresh(registration)
    assert registration.visa_request.passport_number == "N7654321"
    client.post(f"/my/registrations/{registration.id}/edit", data=edit_data(form_data, meeting))  # box unticked
    db.session.refresh(registration)
    assert registration.visa_request is None


def test_cancel_an_approved_registration_frees_the_seat(register, approve, db, outbox, seat_freed_calls, meeting):
    client, registration = register()
    approve(registration)
    client.post(f"/my/registrations/{registration.id}/cancel", data={"confirm": "y"})
    db.session.refresh(registration)
    assert registration.status == RegistrationStatus.cancelled
    assert seat_freed_calls == [(meeting.id, registration.user)]
    assert outbox()[-1].kind == "registration_cancelled"
    page = client.get(f"/my/registrations/{registration.id}").text
    assert "You cancelled this registration." in page and "Cancel my registration" not in page
    again = client.post(f"/my/registrations/{registration.id}/cancel", data={"confirm": "y"})
    assert again.status_code == 302 and len(registration.history) == 3


def test_travel_details_only_after_approval_in_meeting_time(register, approve, db, meeting):
    client, registration = register()
    assert client.get(f"/my/registrations/{registration.id}/travel").status_code == 302
    approve(registration)
    day = meeting.starts_on - timedelta(days=1)
    response = client.post(f"/my/registrations/{registration.id}/travel", data={
        "arrival_at": f"{day.isoformat()}T18:30", "departure_at": f"{meeting.ends_on.isoformat()}T20:00",
        "flight": "LH 1234", "hotel": "Hôtel de la Paix"})
    assert response.status_code == 303
    travel = registration.travel
    # 18:30 in Berlin is stored as UTC and shown again as 18:30 Berlin time
    local = datetime.combine(day, datetime.min.time()).replace(hour=18, minute=30, tzinfo=meeting.tz)
    assert travel.arrival_at == local.astimezone(UTC)
    assert (travel.flight, travel.hotel) == ("LH 1234", "Hôtel de la Paix")
    page = client.get(f"/my/registrations/{registration.id}").text
    assert f"{day.strftime('%d %B %Y')}, 18:30" in page
    assert f'value="{day.isoformat()}T18:30"' in client.get(f"/my/registrations/{registration.id}/travel").text


def test_travel_departure_must_follow_arrival(register, approve, meeting):
    client, registration = register()
    approve(registration)
    response = client.post(f"/my/registrations/{registration.id}/travel", data={
        "arrival_at": f"{meeting.ends_on.isoformat()}T18:30", "departure_at": f"{meeting.ends_on.isoformat()}T08:00"})
    assert response.status_code == 200 and "The departure must be after the arrival." in response.text
    assert registration.travel is None


def test_travel_fields_have_limits(register, approve):
    client, registration = register()
    approve(registration)
    response = client.post(f"/my/registrations/{registration.id}/travel", data={"flight": "F" * 61})
    assert "Field cannot be longer than 60 characters." in response.text and registration.travel is None


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


def test_visa_letter_pdf(register, approve, visa_data, meeting, tmp_path, db):
    client, registration = register(given_name="Ольга", family_name="O'Brien-Łukasiewicz", nationality="UA",
                                    **visa_data)
    assert client.get(f"/my/registrations/{registration.id}/visa-letter.pdf").status_code == 404  # not yet approved
    approve(registration)
    response = client.get(f"/my/registrations/{registration.id}/visa-letter.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and response.headers["Cache-Control"] == "no-store"
    text = " ".join(pdf_text(response.data, tmp_path).split())
    assert "Ольга O'Brien-Łukasiewicz" in text and "P1234567X" in text and "Ukraine" in text
    assert "Dakar" in text and meeting.title in text and "Conference Centre" in text
    from babel.dates import format_date
    assert format_date(meeting.starts_on, "long", locale="en") in text
    assert format_date(meeting.ends_on, "long", locale="en") in text
    assert "Embassy or Consulate of Germany" in text
    from meeting_manager.audit.models import AuditEvent
    actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert "registration.visa_letter" in actions


def test_no_visa_letter_without_a_request(register, approve):
    client, registration = register()
    approve(registration)
    assert client.get(f"/my/registrations/{registration.id}/visa-letter.pdf").status_code == 404


def test_e_ticket_qr_is_accepted_by_the_desk(register, approve, tmp_path, client, auth, staff, meeting,
                                            desk_on_first_day):
    """Defect 1: the e-ticket's QR holds the same signed payload as the badge, and the desk checks the person in."""
    owner, registration = register(given_name="秀英", family_name="王", badge_name="王秀英")
    assert owner.get(f"/my/registrations/{registration.id}/e-ticket.pdf").status_code == 404
    approve(registration)
    response = owner.get(f"/my/registrations/{registration.id}/e-ticket.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert "王秀英" in pdf_text(response.data, tmp_path)
    (tmp_path / "ticket.pdf").write_bytes(response.data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "ticket.pdf"), str(tmp_path / "page")],
                   check=True)
    [png] = sorted(tmp_path.glob("page*.png"))
    decoded = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True).stdout.strip()
    assert registration.badge_token not in decoded  # the bare token is never the code's content
    auth.sign_in(staff)
    scanned = client.post(f"/meetings/{meeting.id}/checkin/scan", json={"payload": decoded})
    assert scanned.status_code == 200, scanned.get_json()
    assert scanned.get_json()["result"] == "checked_in"
