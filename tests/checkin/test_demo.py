"""The demo hook: badges handed over and attendance over a held meeting's days and sessions."""
import itertools
import random
from datetime import date, timedelta

from sqlalchemy import func, select

from meeting_manager.checkin.models import Attendance, AttendanceKind, BadgeCollection
from meeting_manager.checkin.services import is_in, live_counts, meeting_days
from meeting_manager.demo.checkin import add_demo_attendance
from meeting_manager.registration.models import RegistrationStatus


def test_demo_attendance(db, make_meeting, make_attendee, make_registration, make_checkin_session, make_user):
    held = make_meeting(title="Held", starts_on=date.today() - timedelta(days=400),
                        ends_on=date.today() - timedelta(days=398))
    staff = make_user("Desk", roles=[(held, "staff")])
    people = [make_attendee(held) for _ in range(40)]
    make_registration(held, status=RegistrationStatus.declined)
    make_checkin_session(held, held.starts_on, title="Opening plenary", kind="plenary")
    make_checkin_session(held, held.starts_on + timedelta(days=1), title="Early warning", kind="workshop")

    summary = add_demo_attendance(held, random.Random(7), staff)
    db.session.commit()

    collected = db.session.scalar(select(func.count()).select_from(BadgeCollection))
    assert 30 <= summary["badges_collected"] == collected <= 40
    for day in meeting_days(held):
        assert live_counts(held, day).total > 0
    rows = db.session.scalars(select(Attendance).order_by(Attendance.at, Attendance.id)).all()
    assert len(rows) == summary["attendance_rows"]
    assert {r.session_id for r in rows if r.session_id} and any(r.kind == AttendanceKind.check_out for r in rows)
    assert any(r.kind == AttendanceKind.correction for r in rows)
    # every list alternates in/out, starting with a check-in (as the services would have recorded it)
    lists: dict[tuple, list] = {}
    voided = {r.voids_id for r in rows if r.voids_id}
    for r in rows:
        if r.kind != AttendanceKind.correction and r.id not in voided:
            lists.setdefault((r.registration_id, r.day, r.session_id), []).append(r.kind)
    for kinds in lists.values():
        assert kinds[0] == AttendanceKind.check_in
        assert all(a != b for a, b in itertools.pairwise(kinds))
    # nobody entered before collecting the badge, and every check-in lies on its day at the venue
    handed = {c.registration_id: c.collected_at for c in db.session.scalars(select(BadgeCollection))}
    for r in rows:
        assert r.registration_id in handed and r.at >= handed[r.registration_id]
        assert r.at.astimezone(held.tz).date() == r.day
    assert not is_in(people[0], held.ends_on + timedelta(days=1))
