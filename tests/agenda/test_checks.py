"""Conflict detection and panel balance: each kind of finding, found when it is there and silent when not."""
from datetime import timedelta

import pytest

from meeting_manager.agenda import checks, services
from meeting_manager.agenda.models import PersonRole, SessionPerson
from meeting_manager.registration.models import Gender, RegistrationStatus

APPROVED = RegistrationStatus.approved


def kinds(meeting):
    return [f.kind for f in checks.agenda_findings(meeting, services.list_sessions(meeting), mapping={})]


def test_room_booked_twice(meeting, make_room, make_agenda_session):
    room = make_room(meeting, "Room A")
    a = make_agenda_session(meeting, "Early warning", start="10:00", end="11:30", room=room)
    b = make_agenda_session(meeting, "Memory work", start="11:00", end="12:00", room=room)
    findings = [f for f in checks.agenda_findings(meeting, services.list_sessions(meeting), mapping={})
                if f.kind == "room_double_booked"]
    assert len(findings) == 1
    assert {findings[0].session_id, findings[0].other_session_id} == {a.id, b.id}
    assert "“Early warning”" in findings[0].message and "Room A" in findings[0].message
    assert "10:00–11:30" in findings[0].message  # meeting time, not UTC (Berlin is UTC+1 or +2)


def test_back_to_back_sessions_and_other_rooms_do_not_conflict(meeting, make_room, make_agenda_session):
    room, other = make_room(meeting), make_room(meeting)
    make_agenda_session(meeting, start="10:00", end="11:00", room=room)
    make_agenda_session(meeting, start="11:00", end="12:00", room=room)
    make_agenda_session(meeting, start="10:00", end="12:00", room=other)
    assert "room_double_booked" not in kinds(meeting)


def test_speaker_in_two_places(meeting, make_room, make_agenda_session, make_registration):
    amina = make_registration(meeting, given_name="Amina", family_name="Diallo", status=APPROVED)
    make_agenda_session(meeting, "A", start="10:00", end="11:00", room=make_room(meeting), speakers=[amina])
    make_agenda_session(meeting, "B", start="10:30", end="11:30", room=make_room(meeting), speakers=[amina])
    make_agenda_session(meeting, "C", start="11:30", end="12:00", room=make_room(meeting), speakers=[amina])
    found = [f for f in checks.agenda_findings(meeting, services.list_sessions(meeting), mapping={})
             if f.kind == "speaker_double_booked"]
    assert len(found) == 1
    assert found[0].message.startswith("Amina Diallo is in “A”")


def test_outside_person_in_two_places_is_matched_by_name(meeting, make_agenda_session, db):
    a = make_agenda_session(meeting, start="10:00", end="11:00")
    b = make_agenda_session(meeting, start="10:30", end="11:30")
    a.people = [SessionPerson(role=PersonRole.speaker, name="Nomvula Khumalo")]
    b.people = [SessionPerson(role=PersonRole.moderator, name="  nomvula   KHUMALO ")]
    db.session.commit()
    assert kinds(meeting).count("speaker_double_booked") == 1


def test_session_outside_the_meeting_dates(meeting, make_agenda_session):
    make_agenda_session(meeting, "Too early", day=meeting.starts_on - timedelta(days=1))
    make_agenda_session(meeting, "Last day", day=meeting.ends_on)
    found = [f for f in checks.agenda_findings(meeting, services.list_sessions(meeting), mapping={})
             if f.kind == "outside_dates"]
    assert len(found) == 1 and "“Too early”" in found[0].message


def test_late_evening_session_counts_on_its_local_day(make_meeting, make_agenda_session):
    # 23:30 in Auckland on the last day is the same day there, even though it is the day before in UTC
    meeting = make_meeting(timezone="Pacific/Auckland")
    make_agenda_session(meeting, day=meeting.starts_on, start="00:30", end="01:30")
    make_agenda_session(meeting, day=meeting.ends_on, start="22:30", end="23:30")
    assert "outside_dates" not in kinds(meeting)


def test_more_places_than_the_room_holds(meeting, make_room, make_agenda_session):
    room = make_room(meeting, "Small room", capacity=20)
    make_agenda_session(meeting, "Crowded", room=room, capacity=30)
    make_agenda_session(meeting, "Fits", room=room, capacity=20, start="12:00", end="13:00")
    found = [f for f in checks.agenda_findings(meeting, services.list_sessions(meeting), mapping={})
             if f.kind == "over_room_capacity"]
    assert [f.message for f in found] == ["“Crowded” offers 30 places but Small room holds 20."]


def test_interpretation_without_booths(meeting, make_room, make_agenda_session):
    make_agenda_session(meeting, room=make_room(meeting, interpretation_booths=0), interpretation=True)
    make_agenda_session(meeting, room=make_room(meeting, interpretation_booths=2), interpretation=True)
    assert kinds(meeting).count("no_booths") == 1


@pytest.mark.parametrize("status, words", [
    (RegistrationStatus.pending, "pending"),
    (RegistrationStatus.waitlisted, "waitlist"),
    (RegistrationStatus.declined, "declined"),
    (RegistrationStatus.cancelled, "no longer coming"),
])
def test_speaker_not_or_no_longer_approved(meeting, make_agenda_session, make_registration, status, words):
    person = make_registration(meeting, given_name="Li", family_name="Wei", status=status)
    make_agenda_session(meeting, "Panel", speakers=[person])
    found = [f for f in checks.agenda_findings(meeting, services.list_sessions(meeting), mapping={})
             if f.kind == "speaker_not_approved"]
    assert len(found) == 1 and "Li Wei" in found[0].message and words in found[0].message


def test_approved_speaker_is_fine(meeting, make_agenda_session, make_registration):
    make_agenda_session(meeting, speakers=[make_registration(meeting, status=APPROVED, public_listing_consent=True)])
    assert kinds(meeting) == []


def test_single_gender_panel_and_mixed_panel(meeting, make_agenda_session, make_registration):
    men = [make_registration(meeting, gender=Gender.man, status=APPROVED) for _ in range(2)]
    woman = make_registration(meeting, gender=Gender.woman, status=APPROVED)
    make_agenda_session(meeting, "Manel", speakers=men, start="09:00", end="10:00")
    make_agenda_session(meeting, "Mixed", speakers=[men[0], woman], start="11:00", end="12:00")
    found = [f for f in checks.agenda_findings(meeting, services.list_sessions(meeting), mapping={})
             if f.kind == "single_gender_panel"]
    assert [f.message for f in found] == ["Everyone on the panel of “Manel” is men (2 people)."]


def test_undisclosed_gender_is_never_read_as_single_gender(meeting, make_agenda_session, make_registration):
    make_agenda_session(meeting, speakers=[make_registration(meeting, gender=Gender.man, status=APPROVED),
                                           make_registration(meeting, gender=Gender.undisclosed, status=APPROVED)])
    assert "single_gender_panel" not in kinds(meeting)


def test_regions_without_speakers_and_the_mix(meeting, make_agenda_session, make_registration):
    from meeting_manager.reference.services import region_map

    kenya = make_registration(meeting, country="KE", gender=Gender.woman, status=APPROVED)
    brazil = make_registration(meeting, country="BR", gender=Gender.man, status=APPROVED)
    make_agenda_session(meeting, speakers=[kenya, brazil], start="09:00", end="10:00")
    make_agenda_session(meeting, speakers=[kenya], start="11:00", end="12:00")
    mapping = region_map(meeting.region_scheme_id)
    balance = checks.panel_balance(services.list_sessions(meeting), mapping)
    assert balance.people == 2  # Kenya's speaker counted once over the agenda
    assert balance.regions == {"African States": 1, "Latin American and Caribbean States": 1}
    assert balance.missing_regions == ["Asia-Pacific States", "Eastern European States",
                                       "Western European and Others States"]
    messages = [f.message for f in checks.agenda_findings(meeting, services.list_sessions(meeting))
                if f.kind == "region_without_speaker"]
    assert "No one from Asia-Pacific States speaks or moderates anywhere on the agenda." in messages


def test_rapporteurs_are_not_counted_on_stage(meeting, make_agenda_session, make_registration, db):
    rapporteur = make_registration(meeting, gender=Gender.woman, status=APPROVED)
    session = make_agenda_session(meeting, speakers=[make_registration(meeting, gender=Gender.man, status=APPROVED)])
    session.people.append(SessionPerson(role=PersonRole.rapporteur, position=5, registration=rapporteur))
    db.session.commit()
    balance = checks.panel_balance(services.list_sessions(meeting), {})
    assert balance.people == 1


def test_empty_agenda_has_no_findings(meeting):
    assert checks.agenda_findings(meeting, []) == []


def test_name_not_public_is_a_notice(meeting, make_agenda_session, make_registration):
    make_agenda_session(meeting, speakers=[make_registration(meeting, status=APPROVED, public_listing_consent=False)])
    found = checks.agenda_findings(meeting, services.list_sessions(meeting), mapping={})
    assert [(f.kind, f.severity) for f in found] == [("name_not_public", "notice")]
