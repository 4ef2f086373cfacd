"""Benchmark of the check-in desk: a scan, a repeated scan, a name search and the live count, at meeting sizes.

A meeting of N approved people (the demo's generator: names in many scripts, delegations, every region) in a
SQLite file (the default set-up) or the database in DATABASE_URL. For each size it times, as medians of many runs
(time.perf_counter):
  baseline  one registration loaded by primary key in a fresh session (the cheapest database round trip)
  scan      resolve a signed badge payload + check in + commit (service level), each person once
  rescan    the same badge again ("already in since ..."; nothing written)
  http      the JSON scan endpoint through the Flask test client (CSRF off, signed in), new people
  search    the desk search for a common prefix, a full name and a CJK name
  live      live_counts for the day, with 80 % of the meeting checked in and session attendance present
Target chosen here (the issue sets none): a scan answers in under 100 ms at 5,000 people, so the desk is never
what makes a queue.

Run: .venv/bin/python bench/checkin.py [--sizes 1000 5000] [--scans 200]
"""
from __future__ import annotations

import argparse
import random
from datetime import UTC, date, datetime, timedelta

from timing import median_ms, sqlite_app


def build(size: int):
    from meeting_manager.accounts.models import MeetingRole, MeetingRoleName
    from meeting_manager.accounts.services import create_user, set_password
    from meeting_manager.demo.services import add_registrations
    from meeting_manager.extensions import db
    from meeting_manager.meetings.models import MeetingStatus
    from meeting_manager.meetings.services import create_meeting
    from meeting_manager.registration.models import RegistrationStatus

    start = date.today()
    meeting = create_meeting(dict(title=f"Bench {size}", starts_on=start, ends_on=start + timedelta(days=2),
                                  timezone="Europe/Zurich", capacity=size, status=MeetingStatus.open), actor=None)
    db.session.flush()
    staff = create_user(f"bench-staff-{size}@example.org", "Bench Staff")
    set_password(staff, "bench-password-123")
    db.session.add(MeetingRole(user=staff, meeting=meeting, role=MeetingRoleName.staff))
    opened = datetime.now(UTC) - timedelta(days=30)
    people = add_registrations(meeting, random.Random(size), size, {RegistrationStatus.approved: 1}, staff, opened)
    for n, person in enumerate(people):
        person.email = f"bench{size}.{n}@example.org"
    db.session.commit()
    return meeting, staff, people


def run(size: int, scans: int) -> dict[str, float]:
    from sqlalchemy import select

    from meeting_manager.accounts.models import User
    from meeting_manager.checkin.services import badge_payload, default_day, live_counts, scan_badge, search_desk
    from meeting_manager.extensions import db
    from meeting_manager.meetings.models import Meeting
    from meeting_manager.registration.models import Registration

    meeting, staff, people = build(size)
    payloads = [badge_payload(p) for p in people]
    ids = [p.id for p in people]
    # As in a request: a fresh session holding only what the desk loads (not the 5,000 objects just built).
    meeting_id, staff_id = meeting.id, staff.id
    db.session.remove()
    meeting, staff = db.session.get(Meeting, meeting_id), db.session.get(User, staff_id)
    day = default_day(meeting)
    rng = random.Random(1)

    def baseline():
        db.session.expire_all()
        db.session.get(Registration, rng.choice(ids))

    results = {"baseline": median_ms(baseline, scans)}
    order = iter(range(size))

    def scan():
        scan_badge(meeting, payloads[next(order)], day=day, actor=staff)
        db.session.commit()

    results["scan"] = median_ms(scan, scans)
    results["rescan"] = median_ms(lambda: scan_badge(meeting, payloads[rng.randrange(scans)], day=day, actor=staff),
                                  scans)

    from flask import current_app
    client = current_app.test_client()
    client.post("/account/sign-in", data={"email": staff.email, "password": "bench-password-123"})
    url = f"/meetings/{meeting.id}/checkin/scan"

    def http():
        response = client.post(url, json={"payload": payloads[next(order)], "day": day.isoformat()})
        assert response.status_code == 200, response.text

    results["http"] = median_ms(http, scans)

    sample = db.session.scalars(select(Registration).where(Registration.meeting_id == meeting.id).limit(50)).all()
    cjk = next((p.family_name for p in sample if not p.family_name.isascii()), sample[0].family_name)
    queries = ["ma", f"{sample[0].given_name} {sample[0].family_name}", cjk]
    results["search"] = median_ms(lambda: search_desk(meeting, rng.choice(queries), day=day), 30)

    for index in range(2 * scans + 1, int(size * 0.8)):  # fill to 80 % checked in
        scan_badge(meeting, payloads[index], day=day, actor=staff)
    db.session.commit()
    results["live"] = median_ms(lambda: live_counts(meeting, day), 20)
    results["live_total"] = live_counts(meeting, day).total
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--scans", type=int, default=200)
    args = parser.parse_args()
    with sqlite_app("bench-checkin-") as app:
        app.config.update(WTF_CSRF_ENABLED=False)
        print(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
        print(f"{'people':>7} {'baseline':>9} {'scan':>7} {'rescan':>7} {'http':>7} {'search':>7} {'live':>7}"
              "  (ms, medians)")
        for size in args.sizes:
            r = run(size, args.scans)
            print(f"{size:>7} {r['baseline']:>9.2f} {r['scan']:>7.2f} {r['rescan']:>7.2f} {r['http']:>7.2f} "
                  f"{r['search']:>7.2f} {r['live']:>7.2f}  scan/baseline {r['scan'] / r['baseline']:.1f}x, "
                  f"live over {r['live_total']} checked in")


if __name__ == "__main__":
    main()
