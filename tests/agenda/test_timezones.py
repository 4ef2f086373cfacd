"""Time zones: wall-clock times in the meeting's zone in, UTC instants stored, the same instants in iCalendar
files for readers anywhere, on ordinary days and on the night the clocks go back."""
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from meeting_manager.agenda import services
from meeting_manager.meetings.services import to_local
from meeting_manager.registration.models import RegistrationStatus

UTC = UTC


def last_sunday_of_october(year: int) -> date:
    return max(date(year, 10, d) for d in range(25, 32) if date(year, 10, d).weekday() == 6)


@pytest.fixture
def dst_meeting(make_meeting):
    """A Berlin meeting over the weekend the clocks go back (CEST +2 -> CET +1), next year."""
    sunday = last_sunday_of_october(date.today().year + 1)
    return make_meeting(starts_on=sunday - timedelta(days=1), ends_on=sunday + timedelta(days=1),
                        timezone="Europe/Berlin")


def save(meeting, organiser, title, day, start, end, **fields):
    data = services.SessionInput(title=title, day=day, start=start, end=end, published=True, **fields)
    return services.save_session(meeting, data, actor=organiser)[0]


def events(ics: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(ics)
    return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


def test_round_trip_on_both_sides_of_the_clock_change(db, dst_meeting, organiser):
    saturday, sunday = dst_meeting.starts_on, dst_meeting.starts_on + timedelta(days=1)
    before = save(dst_meeting, organiser, "Saturday", saturday, time(10), time(11))
    after = save(dst_meeting, organiser, "Sunday", sunday, time(10), time(11))
    db.session.commit()
    db.session.expire_all()
    assert before.starts_at == datetime.combine(saturday, time(8), UTC)  # summer time, UTC+2
    assert after.starts_at == datetime.combine(sunday, time(9), UTC)  # winter time, UTC+1
    assert to_local(before.starts_at, "Europe/Berlin").time() == time(10)
    assert to_local(after.starts_at, "Europe/Berlin").time() == time(10)
    assert services.session_form_data(dst_meeting, after)["starts"] == time(10)


def test_a_session_across_the_clock_change_lasts_its_real_length(db, dst_meeting, organiser):
    sunday = dst_meeting.starts_on + timedelta(days=1)
    night = save(dst_meeting, organiser, "Vigil", sunday, time(1), time(5))
    assert night.ends_at - night.starts_at == timedelta(hours=5)  # 01:00 CEST to 05:00 CET


def test_icalendar_instants_match_on_a_dst_day(client, db, dst_meeting, organiser):
    saturday, sunday = dst_meeting.starts_on, dst_meeting.starts_on + timedelta(days=1)
    sessions = [save(dst_meeting, organiser, "Saturday", saturday, time(10), time(11, 30)),
                save(dst_meeting, organiser, "Sunday", sunday, time(10), time(11, 30)),
                save(dst_meeting, organiser, "Vigil", sunday, time(1), time(5))]
    db.session.commit()
    response = client.get(f"/meetings/{dst_meeting.id}/programme.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    found = events(response.data)
    for session in sessions:
        event = found[session.title]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert start.tzinfo is not None
        assert start == session.starts_at and end == session.ends_at  # the same instants
    # a reader in New York sees Sunday's 10:00 Berlin session at 05:00 (EDT, still summer time there)
    assert found["Sunday"].decoded("DTSTART").astimezone(ZoneInfo("America/New_York")).time() == time(5)
    assert found["Saturday"].decoded("DTSTART").astimezone(ZoneInfo("America/New_York")).time() == time(4)


def test_icalendar_is_valid(client, db, dst_meeting, organiser, make_registration):
    speaker = make_registration(dst_meeting, given_name="Zoë", family_name="Ångström",
                                status=RegistrationStatus.approved, public_listing_consent=True)
    save(dst_meeting, organiser, "Panel; with, commas", dst_meeting.starts_on, time(14), time(15),
         description="Line one\nLine two",
         people=[services.PersonInput(email=speaker.email)])
    db.session.commit()
    ics = client.get(f"/meetings/{dst_meeting.id}/programme.ics").data
    calendar = Calendar.from_ical(ics)
    assert str(calendar["VERSION"]) == "2.0" and "PRODID" in calendar
    timezones = calendar.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/Berlin"]
    assert {c.name for c in timezones[0].subcomponents} >= {"STANDARD", "DAYLIGHT"}
    (event,) = calendar.walk("VEVENT")
    for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
        assert prop in event
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert str(event["SUMMARY"]) == "Panel; with, commas"
    assert "Zoë Ångström" in str(event["DESCRIPTION"])
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))  # folded as RFC 5545 asks


def test_utc_meeting_gives_utc_instants(client, db, make_meeting, organiser):
    meeting = make_meeting(timezone="UTC")
    save(meeting, organiser, "Noon", meeting.starts_on, time(12), time(13))
    db.session.commit()
    event = events(client.get(f"/meetings/{meeting.id}/programme.ics").data)["Noon"]
    assert event.decoded("DTSTART") == datetime.combine(meeting.starts_on, time(12), UTC)


def test_public_calendar_holds_published_sessions_and_public_names_only(client, db, meeting, make_agenda_session,
                                                                        make_registration):
    shy = make_registration(meeting, given_name="Private", family_name="Person", status=RegistrationStatus.approved,
                            public_listing_consent=False)
    make_agenda_session(meeting, "Published", speakers=[shy])
    make_agenda_session(meeting, "Draft", published=False)
    ics = client.get(f"/meetings/{meeting.id}/programme.ics").data
    assert list(events(ics)) == ["Published"]
    assert b"Private Person" not in ics and b"a speaker" in ics


def test_own_calendar_holds_plenaries_and_signups(client, auth, db, meeting, participant, make_registration,
                                                  make_agenda_session):
    mine = make_registration(meeting, status=RegistrationStatus.approved, user_id=participant.id)
    make_agenda_session(meeting, "Opening plenary", kind="plenary", start="09:00", end="10:00")
    make_agenda_session(meeting, "Coffee", kind="break", start="10:00", end="10:30")
    chosen = make_agenda_session(meeting, "Chosen", start="10:30", end="12:00", capacity=1)
    make_agenda_session(meeting, "Not chosen", start="10:30", end="12:00", capacity=5)
    services.sign_up(chosen, make_registration(meeting, status=RegistrationStatus.approved), actor=None)
    services.sign_up(chosen, mine, actor=None)  # full: waitlisted
    db.session.commit()
    auth.sign_in(participant)
    found = events(client.get(f"/meetings/{meeting.id}/my-agenda.ics").data)
    assert sorted(found) == ["Opening plenary", "Waitlist: Chosen"]
    assert str(found["Waitlist: Chosen"]["STATUS"]) == "TENTATIVE"
    assert str(found["Opening plenary"]["STATUS"]) == "CONFIRMED"
