"""Defect 6: the desk records only today at the venue; another day is an organiser's explicit, reasoned correction."""
from datetime import timedelta

from meeting_manager.audit.models import AuditEvent
from meeting_manager.checkin.models import Attendance
from meeting_manager.checkin.services import badge_payload
from meeting_manager.reports.frames import Filters, attendance_frames


def rows(db):
    return list(db.session.scalars(db.select(Attendance)))


def test_before_the_meeting_the_desk_checks_nobody_in(db, client, auth, staff, meeting, make_attendee, desk_clock):
    desk_clock(meeting, meeting.starts_on - timedelta(days=75))  # "1 December", the meeting is in February
    person = make_attendee(meeting)
    auth.sign_in(staff)
    page = client.get(f"/meetings/{meeting.id}/checkin")
    assert page.status_code == 200 and "is not a day of this meeting" in page.text
    scanned = client.post(f"/meetings/{meeting.id}/checkin/scan", json={"payload": badge_payload(person)})
    assert scanned.status_code == 422 and scanned.get_json()["reason"] == "not_today"
    tapped = client.post(f"/meetings/{meeting.id}/checkin/registrations/{person.id}/check-in",
                         data={"day": meeting.starts_on.isoformat()})
    assert tapped.status_code == 303
    found = client.post(f"/meetings/{meeting.id}/checkin/search", data={"q": "Amina", "day": ""})
    assert f"/registrations/{person.id}/check-in" not in found.text  # no check-in button on a day that is not one
    assert rows(db) == []
    assert attendance_frames(meeting, Filters())["Attended"].empty


def test_on_a_meeting_day_the_desk_refuses_another_day(db, client, auth, staff, meeting, make_attendee, desk_clock):
    desk_clock(meeting, meeting.starts_on)
    person = make_attendee(meeting)
    auth.sign_in(staff)
    tomorrow = (meeting.starts_on + timedelta(days=1)).isoformat()
    scanned = client.post(f"/meetings/{meeting.id}/checkin/scan",
                          json={"payload": badge_payload(person), "day": tomorrow})
    assert scanned.status_code == 422 and scanned.get_json()["reason"] == "not_today"
    client.post(f"/meetings/{meeting.id}/checkin/registrations/{person.id}/check-in", data={"day": tomorrow})
    assert rows(db) == []
    ok = client.post(f"/meetings/{meeting.id}/checkin/scan", json={"payload": badge_payload(person)})
    assert ok.status_code == 200 and [r.day for r in rows(db)] == [meeting.starts_on]


def test_an_organiser_records_a_past_day_with_a_reason(db, client, auth, staff, organiser, meeting, make_attendee,
                                                       desk_clock):
    desk_clock(meeting, meeting.starts_on + timedelta(days=1), hour=15)
    person = make_attendee(meeting)
    url = f"/meetings/{meeting.id}/checkin/registrations/{person.id}/record-day"
    first_day = meeting.starts_on.isoformat()
    auth.sign_in(staff)
    assert client.post(url, data={"day": first_day, "reason": "paper list"}).status_code == 403
    auth.sign_in(organiser)
    card = client.get(f"/meetings/{meeting.id}/checkin/registrations/{person.id}").text
    assert "Record attendance on another day" in card
    client.post(url, data={"day": first_day, "reason": ""})  # no reason: nothing
    client.post(url, data={"day": (meeting.starts_on + timedelta(days=2)).isoformat(), "reason": "x"})  # not come
    assert rows(db) == []
    assert client.post(url, data={"day": first_day, "reason": "Signed the paper list at the side door"}
                       ).status_code == 303
    [row] = rows(db)
    assert row.day == meeting.starts_on and row.reason == "Signed the paper list at the side door"
    assert row.method.value == "manual"
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "attendance.record_other_day")).one()
    assert event.details["reason"] == "Signed the paper list at the side door"
