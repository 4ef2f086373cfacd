"""Benchmark of the attendance report: a 2,000-person, three-day meeting with 20,000 check-ins, as PDF and XLSX.

The data set is built in a SQLite file (the default set-up) with bulk inserts: 2,000 approved people (the demo's
generator), 18 sessions (9 with 300 sign-ups each), about 5,400 day-list check-ins and session check-ins up to
20,000 attendance rows, a few
voided by corrections. Timed, as medians of 3 runs (time.perf_counter), each in a fresh session:
  baseline    one grouped SQL query of the first check-ins (what every variant pays at least)
  frames      attendance_frames(): the report's tables
  xlsx        frames + the XLSX workbook (a sheet per table)
  pdf         frames + the PDF as shipped: rates and totals, per day who did not come (~600 lines in pages of
              three text columns), and the register: a line per person with each day's first check-in time and
              a mark per session (2,000 lines in monospaced blocks of 68)
Each also with its CPU time (time.process_time), which a loaded machine inflates less than wall time.
The earlier variants (pandas+openpyxl XLSX; a paragraph per name in CSS columns incl. every session list; a table
row per name) took 18 s, 124 s and 265 s: see bench/RESULTS.md.
Targets (issue 7): PDF under 10 s, XLSX under 2 s.

Run: .venv/bin/python bench/reports.py [--people 2000] [--checkins 20000] [--runs 3] [--save DIR]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from timing import sqlite_app


def median_s(fn, runs: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of `runs` calls."""
    times, cpu = [], []
    for _ in range(runs):
        from meeting_manager.extensions import db

        db.session.remove()
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), statistics.median(cpu)


def build(people_n: int, checkins: int):
    from sqlalchemy import insert

    from meeting_manager.agenda.models import Session, SessionKind
    from meeting_manager.checkin.models import Attendance
    from meeting_manager.demo.services import add_registrations
    from meeting_manager.extensions import db
    from meeting_manager.meetings.models import MeetingStatus
    from meeting_manager.meetings.services import create_meeting
    from meeting_manager.registration.models import RegistrationStatus

    start = date.today() - timedelta(days=10)
    meeting = create_meeting(dict(title="Bench reports", starts_on=start, ends_on=start + timedelta(days=2),
                                  timezone="Europe/Zurich", capacity=people_n, status=MeetingStatus.open), actor=None)
    db.session.flush()
    rng = random.Random(7)
    opened = datetime.now(UTC) - timedelta(days=60)
    from meeting_manager.accounts.services import create_user

    organiser = create_user("bench-reports@example.org", "Bench Organiser")
    db.session.flush()
    people = add_registrations(meeting, rng, people_n, {RegistrationStatus.approved: 1}, organiser, opened)
    db.session.flush()
    ids = [p.id for p in people]
    days = [start + timedelta(days=n) for n in range(3)]
    sessions = []
    for day in days:
        for hour in (9, 10, 11, 14, 15, 16):
            at = datetime.combine(day, clock(hour), tzinfo=meeting.tz)
            s = Session(meeting_id=meeting.id, title=f"Session {day.day}/{hour}", kind=SessionKind.workshop,
                        starts_at=at, ends_at=at + timedelta(minutes=50))
            db.session.add(s)
            sessions.append((day, s))
    db.session.flush()
    rows = []
    for day in days:
        for rid in ids:
            if rng.random() < 0.9:
                rows.append(dict(meeting_id=meeting.id, registration_id=rid, kind="check_in", day=day,
                                 session_id=None, at=datetime.combine(day, clock(8), tzinfo=meeting.tz)
                                 + timedelta(minutes=rng.randrange(120)), method="scan"))
    while len(rows) < checkins:
        day, s = rng.choice(sessions)
        rows.append(dict(meeting_id=meeting.id, registration_id=rng.choice(ids), kind="check_in", day=day,
                         session_id=s.id, at=s.starts_at + timedelta(minutes=rng.randrange(-10, 15)),
                         method="scan"))
    from meeting_manager.checkin.models import AttendanceKind, CheckInMethod

    for row in rows:
        row["kind"], row["method"] = AttendanceKind(row["kind"]), CheckInMethod(row["method"])
    db.session.execute(insert(Attendance), rows)
    # Half the sessions take sign-ups: 300 places each, so that some of those who signed up do not come.
    from meeting_manager.agenda.models import SessionSignup

    db.session.execute(insert(SessionSignup), [
        dict(session_id=s.id, registration_id=rid, status="signed_up", requested_at=opened, created_at=opened,
             updated_at=opened)
        for _day, s in sessions[::2] for rid in rng.sample(ids, min(300, len(ids)))])
    db.session.commit()
    return meeting.id, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--checkins", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--save", type=Path, help="a folder to keep the last PDF and XLSX in, to look at them")
    args = parser.parse_args()
    from meeting_manager.extensions import db
    from meeting_manager.meetings.models import Meeting
    from meeting_manager.reports import queries
    from meeting_manager.reports.frames import Filters, attendance_frames
    from meeting_manager.reports.registry import BY_KEY, render_report

    with sqlite_app("bench-reports-"):
        meeting_id, n_rows = build(args.people, args.checkins)
        report = BY_KEY["attendance"]

        def meeting():
            return db.session.get(Meeting, meeting_id)

        sizes = {}

        def keep(fmt):
            def run():
                body = render_report(report, meeting(), Filters(), fmt)[0]
                sizes[fmt] = len(body)
                if args.save:
                    args.save.mkdir(parents=True, exist_ok=True)
                    (args.save / f"attendance.{fmt}").write_bytes(body)
            return run

        load_before = os.getloadavg()
        results = {
            "baseline": median_s(lambda: queries.first_check_ins(meeting()), args.runs),
            "frames": median_s(lambda: attendance_frames(meeting(), Filters()), args.runs),
            "xlsx": median_s(keep("xlsx"), args.runs),
            "pdf": median_s(keep("pdf"), args.runs),
        }
        load_after = os.getloadavg()
    print(f"{args.people} people, {n_rows} attendance rows, median of {args.runs}; "
          f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after, on {os.cpu_count()} CPUs")
    for name, (seconds, cpu) in results.items():
        times = seconds / results['baseline'][0]
        print(f"  {name:10s} {seconds:7.2f} s wall  {cpu:7.2f} s CPU  ({times:.0f}x baseline)")
    print(f"  sizes: pdf {sizes['pdf'] // 1024} KiB, xlsx {sizes['xlsx'] // 1024} KiB")


if __name__ == "__main__":
    main()
