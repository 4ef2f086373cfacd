"""Organisers build the agenda over HTTP: rooms, sessions with people, refusals that save nothing, warnings,
publishing, the health and balance pages."""
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from meeting_manager.agenda import services
from meeting_manager.agenda.models import PersonRole, Room, Session, SessionKind
from meeting_manager.audit.models import AuditEvent
from meeting_manager.errors import ValidationFailed
from meeting_manager.registration.models import Gender, RegistrationStatus


def count(db, model=Session):
    return db.session.scalar(select(func.count()).select_from(model))


def session_form(meeting, **overrides):
    data = {"kind": "workshop", "title": "Early warning in practice", "description": "",
            "day": meeting.starts_on.isoformat(),
            "starts": "10:00", "ends": "11:30", "room_id": "0", "capacity": "", "track": "Prevention",
            "organiser_name": ""}
    data.update(overrides)
    return data


@pytest.fixture
def signed_in(auth, organiser):
    auth.sign_in(organiser)
    return organiser


def test_create_a_session_with_people(client, db, meeting, signed_in, make_room, make_registration):
    room = make_room(meeting, "Room A", capacity=40)
    speaker = make_registration(meeting, given_name="Amina", status=RegistrationStatus.approved,
                                public_listing_consent=True)
    response = client.post(f"/meetings/{meeting.id}/agenda/sessions/new", data=session_form(
        meeting, room_id=str(room.id), capacity="30", languages=["en", "fr"], interpretation="y",
        **{"people-0-role": "speaker", "people-0-email": speaker.email.upper(),
           "people-1-role": "moderator", "people-1-outside_name": "Nomvula Khumalo", "people-1-gender": "woman",
           "people-1-country": "za", "people-2-role": "speaker"}))
    assert response.status_code == 303, response.text
    session = db.session.scalar(select(Session))
    assert session.title == "Early warning in practice" and session.room_id == room.id and session.capacity == 30
    assert session.languages == ["en", "fr"] and session.interpretation and not session.published
    assert [(p.role, p.registration_id, p.name, p.country) for p in session.people] == [
        (PersonRole.speaker, speaker.id, "", None), (PersonRole.moderator, None, "Nomvula Khumalo", "ZA")]
    # entered as 10:00 Berlin time, stored as the UTC instant
    assert session.starts_at.astimezone(meeting.tz).time() == time(10)
    assert session.starts_at.utcoffset() == timedelta(0)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "agenda.session_create"))


def test_edit_form_shows_meeting_times_and_people(client, meeting, signed_in, make_agenda_session, make_registration):
    person = make_registration(meeting, status=RegistrationStatus.approved)
    session = make_agenda_session(meeting, "Memory work", start="16:15", end="17:45", speakers=[person])
    page = client.get(f"/meetings/{meeting.id}/agenda/sessions/{session.id}").text
    assert 'value="16:15"' in page and 'value="17:45"' in page
    assert f'value="{person.email}"' in page


def test_end_before_start_is_refused_and_nothing_saved(client, db, meeting, signed_in):
    response = client.post(f"/meetings/{meeting.id}/agenda/sessions/new",
                           data=session_form(meeting, starts="11:00", ends="10:00"))
    assert response.status_code == 422
    assert "The session must end after it starts." in response.text
    assert count(db) == 0


def test_service_refuses_end_before_start_too(db, meeting, organiser):
    data = services.SessionInput(title="Backwards", day=meeting.starts_on, start=time(11), end=time(11))
    with pytest.raises(ValidationFailed) as error:
        services.save_session(meeting, data, actor=organiser)
    assert any("ends (11:00) before it starts (11:00)" in p for p in error.value.problems)
    assert count(db) == 0


def test_unknown_room_is_refused(client, db, meeting, signed_in, make_meeting, make_room, organiser):
    elsewhere = make_room(make_meeting(title="Another meeting"))
    response = client.post(f"/meetings/{meeting.id}/agenda/sessions/new",
                           data=session_form(meeting, room_id=str(elsewhere.id)))
    assert response.status_code == 422 and count(db) == 0
    data = services.SessionInput(title="X", day=meeting.starts_on, start=time(9), end=time(10), room_id=elsewhere.id)
    assert "The room chosen does not exist in this meeting." in services.check_session_input(meeting, data)


def test_speaker_who_does_not_exist_is_refused(client, db, meeting, signed_in, make_meeting, make_registration):
    other = make_registration(make_meeting(title="Another meeting"))  # registered, but for another meeting
    response = client.post(f"/meetings/{meeting.id}/agenda/sessions/new", data=session_form(
        meeting, **{"people-0-role": "speaker", "people-0-email": "nobody@example.org",
                    "people-1-role": "speaker", "people-1-email": other.email}))
    assert response.status_code == 422
    assert "Person 1: nobody is registered for this meeting with the email nobody@example.org." in response.text
    assert f"Person 2: nobody is registered for this meeting with the email {other.email}." in response.text
    assert count(db) == 0


def test_email_and_outside_name_in_one_row_is_refused(client, db, meeting, signed_in, make_registration):
    person = make_registration(meeting)
    response = client.post(f"/meetings/{meeting.id}/agenda/sessions/new", data=session_form(
        meeting, **{"people-0-role": "speaker", "people-0-email": person.email, "people-0-outside_name": "Someone"}))
    assert response.status_code == 422 and count(db) == 0


def test_a_time_the_clocks_skip_is_refused(db, make_meeting, organiser):
    year = date.today().year + 1
    last_sunday_of_march = max(date(year, 3, d) for d in range(25, 32) if date(year, 3, d).weekday() == 6)
    meeting = make_meeting(starts_on=last_sunday_of_march, ends_on=last_sunday_of_march + timedelta(days=1))
    data = services.SessionInput(title="Night owls", day=last_sunday_of_march, start=time(2, 30), end=time(4))
    problems = services.check_session_input(meeting, data)
    assert problems == [f"02:30 does not exist on {last_sunday_of_march} in Europe/Berlin "
                        "(the clocks change that night)."]


def test_conflicts_are_saved_with_warnings_shown(client, db, meeting, signed_in, make_room, make_agenda_session):
    room = make_room(meeting, "Room A", capacity=20)
    make_agenda_session(meeting, "Already here", start="10:00", end="11:00", room=room)
    response = client.post(f"/meetings/{meeting.id}/agenda/sessions/new",
                           data=session_form(meeting, title="Newcomer", room_id=str(room.id), capacity="35"),
                           follow_redirects=True)
    assert response.status_code == 200
    assert count(db) == 2
    assert "Session saved, with 2 warnings" in response.text
    assert "are both booked in Room A." in response.text
    assert "“Newcomer” offers 35 places but Room A holds 20." in response.text


def test_edit_replaces_people_and_keeps_the_rest(client, db, meeting, signed_in, make_agenda_session,
                                                 make_registration):
    first, second = (make_registration(meeting, status=RegistrationStatus.approved) for _ in range(2))
    session = make_agenda_session(meeting, "Panel", speakers=[first])
    response = client.post(f"/meetings/{meeting.id}/agenda/sessions/{session.id}", data=session_form(
        meeting, title="Panel, renamed", **{"people-0-role": "moderator", "people-0-email": second.email}))
    assert response.status_code == 303
    db.session.expire_all()
    session = db.session.get(Session, session.id)
    assert session.title == "Panel, renamed"
    assert [(p.role, p.registration_id) for p in session.people] == [(PersonRole.moderator, second.id)]


def test_failed_edit_changes_nothing(client, db, meeting, signed_in, make_agenda_session):
    session = make_agenda_session(meeting, "Keep me", start="10:00", end="11:00")
    response = client.post(f"/meetings/{meeting.id}/agenda/sessions/{session.id}", data=session_form(
        meeting, title="Changed", **{"people-0-role": "speaker", "people-0-email": "ghost@example.org"}))
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Session, session.id).title == "Keep me"


def test_delete_session(client, db, meeting, signed_in, make_agenda_session):
    session = make_agenda_session(meeting)
    assert client.post(f"/meetings/{meeting.id}/agenda/sessions/{session.id}/delete").status_code == 303
    assert count(db) == 0


def test_a_session_with_check_ins_is_not_deleted(client, db, meeting, signed_in, make_agenda_session,
                                                 make_attendee, staff):
    """Found by the walker: the attendance rows were left pointing at no session, and the attendance report
    failed on them."""
    from meeting_manager.checkin.services import check_in

    session = make_agenda_session(meeting)
    check_in(meeting, make_attendee(meeting), day=session.starts_at.astimezone(meeting.tz).date(),
             session_id=session.id, actor=staff, method="search")
    db.session.commit()
    for _ in range(2):
        response = client.post(f"/meetings/{meeting.id}/agenda/sessions/{session.id}/delete", follow_redirects=True)
        assert response.status_code == 200 and "1 check-in is recorded for this session" in response.text
    assert count(db) == 1


def test_session_of_another_meeting_is_404(client, meeting, signed_in, make_meeting, make_agenda_session):
    other = make_agenda_session(make_meeting(title="Other"))
    assert client.get(f"/meetings/{meeting.id}/agenda/sessions/{other.id}").status_code == 404


# --- rooms -------------------------------------------------------------------------------------------------

def test_rooms_add_edit_and_delete(client, db, meeting, signed_in):
    response = client.post(f"/meetings/{meeting.id}/agenda/rooms", data={
        "name": "Salle Plénière", "capacity": "300", "interpretation_booths": "6", "accessible": "y",
        "equipment": "stage", "position": "0"})
    assert response.status_code == 303
    room = db.session.scalar(select(Room))
    assert (room.name, room.capacity, room.interpretation_booths, room.accessible) == ("Salle Plénière", 300, 6, True)
    assert "Salle Plénière" in client.get(f"/meetings/{meeting.id}/agenda/rooms").text
    response = client.post(f"/meetings/{meeting.id}/agenda/rooms/{room.id}", data={
        "name": "Plenary hall", "capacity": "250", "interpretation_booths": "0", "position": "1"})
    assert response.status_code == 303
    db.session.expire_all()
    assert (room.name, room.capacity, room.accessible) == ("Plenary hall", 250, False)
    assert client.post(f"/meetings/{meeting.id}/agenda/rooms/{room.id}/delete").status_code == 303
    assert count(db, Room) == 0


def test_room_names_are_unique_per_meeting(client, db, meeting, signed_in, make_room):
    make_room(meeting, "Room A")
    response = client.post(f"/meetings/{meeting.id}/agenda/rooms", data={"name": "room a", "position": "0"},
                           follow_redirects=True)
    assert "There is already a room called “room a”." in response.text
    assert count(db, Room) == 1


def test_a_room_in_use_is_not_deleted(client, db, meeting, signed_in, make_room, make_agenda_session):
    room = make_room(meeting, "Busy room")
    make_agenda_session(meeting, room=room)
    response = client.post(f"/meetings/{meeting.id}/agenda/rooms/{room.id}/delete", follow_redirects=True)
    assert "“Busy room” still has 1 session. Move it to another room first." in response.text
    assert count(db, Room) == 1


# --- publishing, health, balance ---------------------------------------------------------------------------

def test_publish_and_unpublish(client, db, meeting, signed_in, make_agenda_session):
    one = make_agenda_session(meeting, published=False)
    two = make_agenda_session(meeting, published=False)
    client.post(f"/meetings/{meeting.id}/agenda/sessions/{one.id}/publish", data={"published": "1"})
    db.session.expire_all()
    assert (one.published, two.published) == (True, False)
    client.post(f"/meetings/{meeting.id}/agenda/publish", data={"published": "1"})
    db.session.expire_all()
    assert (one.published, two.published) == (True, True)
    client.post(f"/meetings/{meeting.id}/agenda/publish", data={"published": "0"})
    db.session.expire_all()
    assert (one.published, two.published) == (False, False)


def test_manage_page_lists_sessions_by_day_with_conflicts(client, meeting, signed_in, make_room, make_agenda_session):
    room = make_room(meeting)
    make_agenda_session(meeting, "Morning", start="09:00", end="10:30", room=room)
    make_agenda_session(meeting, "Overlapping", start="10:00", end="11:00", room=room)
    page = client.get(f"/meetings/{meeting.id}/agenda").text
    assert page.index("Morning") < page.index("Overlapping")
    assert "09:00–10:30" in page and page.count("1 conflict<") == 2 and "1 warning<" in page


def test_health_page_lists_each_conflict_with_a_link_to_fix_it(client, meeting, signed_in, make_room,
                                                               make_agenda_session, make_registration):
    person = make_registration(meeting, given_name="Ana", family_name="Silva", status=RegistrationStatus.pending)
    first = make_agenda_session(meeting, "First", start="09:00", end="10:00", room=make_room(meeting),
                                speakers=[person])
    second = make_agenda_session(meeting, "Second", start="09:30", end="10:30", room=make_room(meeting),
                                 speakers=[person])
    page = client.get(f"/meetings/{meeting.id}/agenda/health").text
    assert "Ana Silva is in “First”" in page
    assert "Ana Silva (speaker in “First”) is not approved yet: the registration is pending." in page
    assert f'href="/meetings/{meeting.id}/agenda/sessions/{first.id}"' in page
    assert f'href="/meetings/{meeting.id}/agenda/sessions/{second.id}"' in page


def test_health_page_without_conflicts(client, meeting, signed_in):
    assert "No conflicts in 0 sessions." in client.get(f"/meetings/{meeting.id}/agenda/health").text


def test_balance_page(client, meeting, signed_in, make_agenda_session, make_registration):
    make_agenda_session(meeting, "All men", speakers=[
        make_registration(meeting, gender=Gender.man, country="FR", status=RegistrationStatus.approved),
        make_registration(meeting, gender=Gender.man, country="JP", status=RegistrationStatus.approved)])
    page = client.get(f"/meetings/{meeting.id}/agenda/balance").text
    assert "single-gender panel" in page
    assert "Western European and Others States" in page and "no speaker" in page


def test_session_kinds_all_save(db, meeting, organiser):
    for n, kind in enumerate(SessionKind):
        data = services.SessionInput(title=kind.value, kind=kind, day=meeting.starts_on, start=time(8 + n),
                                     end=time(9 + n))
        services.save_session(meeting, data, actor=organiser)
    db.session.commit()
    assert sorted(s.kind.value for s in db.session.scalars(select(Session))) == sorted(k.value for k in SessionKind)
