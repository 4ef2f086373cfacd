"""Demo data for check-in: badges handed over at the desk and attendance over a held meeting's days and sessions."""
import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ..checkin.models import Attendance, AttendanceKind, BadgeCollection, CheckInMethod
from ..checkin.services import list_sessions, meeting_days
from ..extensions import db
from ..meetings.models import Meeting
from ..registration.models import Registration, RegistrationStatus

#: share of the badge holders who come on each day (fewer on the last day, as at real meetings)
TURNOUT = (0.92, 0.84, 0.71, 0.65)


def _local(meeting: Meeting, day: date, minutes_after_eight: int) -> datetime:
    start = datetime.combine(day, time(8), tzinfo=meeting.tz)
    return start + timedelta(minutes=minutes_after_eight)


def _row(meeting, registration, kind, day, at, staff, *, session=None, method=None, **extra) -> Attendance:
    return Attendance(meeting_id=meeting.id, registration_id=registration.id, kind=kind, day=day,
                      session_id=session.id if session else None, at=at, by_id=getattr(staff, "id", None),
                      method=method or CheckInMethod.scan, **extra)


def _collections(meeting, people, rng, staff) -> dict[int, datetime]:
    """Most approved people collect their badge the afternoon before or on the first morning."""
    first = meeting_days(meeting)[0]
    collected = {}
    for person in people:
        if rng.random() > 0.94:
            continue  # never came
        if rng.random() < 0.4:
            # 16:00-19:00 the day before
            at = _local(meeting, first - timedelta(days=1), rng.randrange(8 * 60, 11 * 60))
        else:
            at = _local(meeting, first, rng.randrange(-30, 90))
        collected[person.id] = at
        db.session.add(BadgeCollection(registration_id=person.id, collected_at=at, id_checked=True,
                                       handed_over_by_id=getattr(staff, "id", None)))
    return collected


def _sessions(meeting, day, present, rng, staff) -> int:
    """A share of those in that day attend each session; some workshops count heads (out and back in)."""
    added = 0
    for session in list_sessions(meeting, day):
        seats = session.capacity or (session.room.capacity if session.room else None) or len(present)
        share = 0.8 if getattr(session.kind, "for_everyone", False) else 0.25
        audience = rng.sample(present, min(len(present), seats, max(1, int(len(present) * share))))
        headcount = session.kind.value == "workshop"
        length = max(15, int((session.ends_at - session.starts_at).total_seconds() // 60))
        for person in audience:
            entered = session.starts_at + timedelta(minutes=rng.randrange(-10, 15))
            db.session.add(_row(meeting, person, AttendanceKind.check_in, day, entered, staff, session=session))
            added += 1
            if headcount and rng.random() < 0.25:
                left = entered + timedelta(minutes=rng.randrange(10, length))
                db.session.add(_row(meeting, person, AttendanceKind.check_out, day, left, staff, session=session))
                added += 1
                if rng.random() < 0.4:  # back after a call: a new entry, counted again
                    back = left + timedelta(minutes=rng.randrange(3, 12))
                    db.session.add(_row(meeting, person, AttendanceKind.check_in, day, back, staff, session=session))
                    added += 1
    return added


def add_demo_attendance(meeting: Meeting, rng: random.Random, staff_user) -> dict[str, int]:
    """Badge collections and attendance over the meeting's days (and sessions, if the agenda has any)."""
    people = list(db.session.scalars(
        select(Registration).where(Registration.meeting_id == meeting.id,
                                   Registration.status == RegistrationStatus.approved).order_by(Registration.id)
    ))
    collected = _collections(meeting, people, rng, staff_user)
    holders = [p for p in people if p.id in collected]
    rows = 0
    for index, day in enumerate(meeting_days(meeting)):
        turnout = TURNOUT[min(index, len(TURNOUT) - 1)]
        present = [p for p in holders if rng.random() < turnout]
        for person in present:
            at = max(_local(meeting, day, rng.randrange(0, 150)), collected[person.id] + timedelta(minutes=2))
            method = CheckInMethod.scan if rng.random() < 0.88 else CheckInMethod.search
            db.session.add(_row(meeting, person, AttendanceKind.check_in, day, at, staff_user, method=method))
            rows += 1
        rows += _sessions(meeting, day, present, rng, staff_user)
    db.session.flush()
    rows += _demo_correction(meeting, holders, rng, staff_user)
    return {"badges_collected": len(collected), "attendance_rows": rows}


def _demo_correction(meeting, holders, rng, staff) -> int:
    """One mistaken tap at the desk, voided by a correction row (the original row stays)."""
    day = meeting_days(meeting)[-1]
    checked = set(db.session.scalars(select(Attendance.registration_id).where(
        Attendance.meeting_id == meeting.id, Attendance.day == day, Attendance.session_id.is_(None))))
    absent = [p for p in holders if p.id not in checked]
    if not absent:
        return 0
    person = rng.choice(absent)
    wrong = _row(meeting, person, AttendanceKind.check_in, day, _local(meeting, day, 75), staff,
                 method=CheckInMethod.search)
    db.session.add(wrong)
    db.session.flush()
    db.session.add(_row(meeting, person, AttendanceKind.correction, day, _local(meeting, day, 78), staff,
                        method=CheckInMethod.manual, voids_id=wrong.id,
                        reason="Wrong person tapped in the search results"))
    return 2
