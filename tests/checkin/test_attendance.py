"""The attendance log: counted once per list, sessions apart, check-out and back in, append-only corrections."""
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

from meeting_manager.checkin.models import Attendance, AttendanceIsAppendOnly, AttendanceKind, CheckInMethod
from meeting_manager.checkin.services import (
    BadgeOfAnotherMeeting,
    RegistrationNotAdmitted,
    badge_payload,
    check_in,
    check_out,
    correct,
    default_day,
    is_in,
    scan_badge,
)
from meeting_manager.errors import DomainError, ValidationFailed
from meeting_manager.registration.models import RegistrationStatus

#: the desk records only today: its clock is on the first day of the meeting
pytestmark = pytest.mark.usefixtures("desk_on_first_day")


def rows(db, **where):
    query = select(Attendance).order_by(Attendance.id)
    for name, value in where.items():
        query = query.where(getattr(Attendance, name) == value)
    return list(db.session.scalars(query))


def snapshot(db):
    return [(a.id, a.kind, a.day, a.session_id, a.at, a.by_id, a.method, a.voids_id, a.reason) for a in rows(db)]


@pytest.fixture
def person(meeting, make_attendee):
    return make_attendee(meeting, given_name="Amina")


def test_check_in_counts_once(db, meeting, person, staff):
    day = meeting.starts_on
    first = check_in(meeting, person, day=day, actor=staff, method="search")
    db.session.commit()
    again = check_in(meeting, person, day=day, actor=staff, method="scan")
    db.session.commit()
    assert first.created and not again.created
    assert again.since == first.since and again.attendance.id == first.attendance.id
    assert len(rows(db)) == 1
    assert is_in(person, day)


def test_scanning_twice_says_since_when_and_records_nothing(db, meeting, person, staff):
    day = meeting.starts_on
    first = scan_badge(meeting, badge_payload(person), day=day, actor=staff)
    db.session.commit()
    before = snapshot(db)
    second = scan_badge(meeting, badge_payload(person), day=day, actor=staff)
    db.session.commit()
    assert second.created is False and second.since == first.attendance.at
    assert snapshot(db) == before


def test_each_day_is_its_own_list(db, meeting, person, staff):
    check_in(meeting, person, day=meeting.starts_on, actor=staff, method="scan")
    assert not is_in(person, meeting.starts_on + timedelta(days=1))
    second_day = check_in(meeting, person, day=meeting.starts_on + timedelta(days=1), actor=staff, method="scan")
    assert second_day.created and len(rows(db)) == 2


def test_session_list_is_separate_from_the_day_list(db, meeting, person, staff, make_checkin_session):
    day = meeting.starts_on
    session = make_checkin_session(meeting, day)
    in_session = check_in(meeting, person, day=day, session_id=session.id, actor=staff, method="scan")
    assert in_session.created
    assert is_in(person, day, session.id) and not is_in(person, day)
    at_door = check_in(meeting, person, day=day, actor=staff, method="scan")
    assert at_door.created, "a session check-in does not count on the day list, nor the reverse"
    assert len(rows(db, session_id=session.id)) == 1 and len(rows(db, session_id=None)) == 1


def test_check_out_then_in_again_is_a_new_entry(db, meeting, person, staff, make_checkin_session):
    day = meeting.starts_on
    room = make_checkin_session(meeting, day).id
    check_in(meeting, person, day=day, session_id=room, actor=staff, method="scan")
    out = check_out(meeting, person, day=day, session_id=room, actor=staff, method="scan")
    assert out.kind == AttendanceKind.check_out and not is_in(person, day, room)
    back = check_in(meeting, person, day=day, session_id=room, actor=staff, method="scan")
    assert back.created and is_in(person, day, room)
    assert [a.kind for a in rows(db)] == [AttendanceKind.check_in, AttendanceKind.check_out, AttendanceKind.check_in]


def test_check_out_needs_a_session_and_someone_in(db, meeting, person, staff, make_checkin_session):
    day = meeting.starts_on
    with pytest.raises(DomainError, match="session rooms"):
        check_out(meeting, person, day=day, session_id=None, actor=staff, method="scan")
    room = make_checkin_session(meeting, day).id
    with pytest.raises(DomainError, match="not checked in"):
        check_out(meeting, person, day=day, session_id=room, actor=staff, method="scan")
    assert rows(db) == []


def test_rows_are_never_updated(db, meeting, person, staff):
    row = check_in(meeting, person, day=meeting.starts_on, actor=staff, method="scan").attendance
    db.session.commit()
    row.method = CheckInMethod.search
    with pytest.raises(AttendanceIsAppendOnly):
        db.session.flush()
    db.session.rollback()


def test_rows_are_never_deleted(db, meeting, person, staff):
    row = check_in(meeting, person, day=meeting.starts_on, actor=staff, method="scan").attendance
    db.session.commit()
    db.session.delete(row)
    with pytest.raises(AttendanceIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert len(rows(db)) == 1


def test_correction_is_a_new_row_and_leaves_the_earlier_one_as_it_was(db, meeting, person, staff, organiser):
    day = meeting.starts_on
    wrong = check_in(meeting, person, day=day, actor=staff, method="search").attendance
    db.session.commit()
    before = snapshot(db)
    fix = correct(meeting, wrong, actor=organiser, reason="Tapped the wrong Amina")
    db.session.commit()
    after = snapshot(db)
    assert after[:1] == before, "the corrected row is unchanged"
    assert len(after) == 2 and fix.kind == AttendanceKind.correction and fix.voids_id == wrong.id
    assert fix.by_id == organiser.id and fix.reason == "Tapped the wrong Amina"
    assert not is_in(person, day)
    again = check_in(meeting, person, day=day, actor=staff, method="scan")
    assert again.created and len(rows(db)) == 3


def test_a_row_is_corrected_once_and_a_correction_is_not_corrected(db, meeting, person, staff):
    wrong = check_in(meeting, person, day=meeting.starts_on, actor=staff, method="search").attendance
    fix = correct(meeting, wrong, actor=staff, reason="wrong person")
    with pytest.raises(DomainError, match="already been corrected"):
        correct(meeting, wrong, actor=staff, reason="again")
    with pytest.raises(DomainError, match="cannot be voided"):
        correct(meeting, fix, actor=staff, reason="undo")
    with pytest.raises(ValidationFailed):
        correct(meeting, check_in(meeting, person, day=meeting.starts_on, actor=staff, method="scan").attendance,
                actor=staff, reason="  ")
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 3


def test_voiding_a_check_out_puts_the_person_back_in(db, meeting, person, staff, make_checkin_session):
    day = meeting.starts_on
    room = make_checkin_session(meeting, day).id
    check_in(meeting, person, day=day, session_id=room, actor=staff, method="scan")
    out = check_out(meeting, person, day=day, session_id=room, actor=staff, method="scan").attendance
    correct(meeting, out, actor=staff, reason="scanned at the wrong door")
    assert is_in(person, day, room)


@pytest.mark.parametrize("status", [s for s in RegistrationStatus if s != RegistrationStatus.approved])
def test_only_approved_people_are_checked_in(db, meeting, make_registration, staff, status):
    person = make_registration(meeting, status=status)
    with pytest.raises(RegistrationNotAdmitted):
        check_in(meeting, person, day=meeting.starts_on, actor=staff, method="search")
    assert rows(db) == []


def test_lists_outside_the_meeting_are_refused(db, meeting, make_meeting, person, staff, make_checkin_session):
    with pytest.raises(ValidationFailed, match="not a day of this meeting"):
        check_in(meeting, person, day=meeting.ends_on + timedelta(days=1), actor=staff, method="scan")
    elsewhere = make_checkin_session(make_meeting(title="Other"))
    with pytest.raises(DomainError, match="not part of this meeting"):
        check_in(meeting, person, day=meeting.starts_on, session_id=elsewhere.id, actor=staff, method="scan")
    second_day = make_checkin_session(meeting, meeting.starts_on + timedelta(days=1))
    with pytest.raises(ValidationFailed, match="not on"):
        check_in(meeting, person, day=meeting.starts_on, session_id=second_day.id, actor=staff, method="scan")
    assert rows(db) == []


def test_registration_of_another_meeting_is_refused(db, meeting, make_meeting, make_attendee, staff):
    stranger = make_attendee(make_meeting(title="Other"))
    with pytest.raises(BadgeOfAnotherMeeting):
        check_in(meeting, stranger, day=meeting.starts_on, actor=staff, method="search")


def test_default_day_is_today_at_the_venue_clamped_to_the_meeting(meeting):
    from datetime import datetime

    assert default_day(meeting) == meeting.starts_on  # the fixture's meeting lies in the future
    late_evening_utc = datetime.combine(meeting.starts_on, datetime.min.time(), tzinfo=UTC) \
        + timedelta(days=1, hours=23, minutes=30)
    # 23:30 UTC is already the next day in Berlin
    assert default_day(meeting, late_evening_utc) == meeting.starts_on + timedelta(days=2)
    assert default_day(meeting, late_evening_utc + timedelta(days=30)) == meeting.ends_on
