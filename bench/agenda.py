"""Benchmark of the agenda: conflict and balance checks, the public page, the calendar file and the printed PDF.

An agenda of N sessions over three days (3 people on each panel, drawn from 400 approved participants; rooms as
many as needed for 8 slots a day) in a SQLite file. Times are medians of several runs (time.perf_counter):
  baseline   list_sessions: load the agenda with rooms and people (what every page starts with)
  findings   agenda_findings on the loaded agenda: every conflict, balance warning and notice (the health
             page's work on top of the baseline, and what every save of a session adds)
  public     GET /meetings/<id>/programme through the Flask test client
  ics        the whole agenda as iCalendar
  pdf list   the print-ready PDF, list layout (WeasyPrint)
  pdf rooms  the room-columns layout
Target chosen here (the issue sets none): the health page's checks stay under 0.5 s at 400 sessions (ten times a
Global Meeting), so that checking on every save is never what makes saving slow.

Run: .venv/bin/python bench/agenda.py [--sizes 40 400 2000] [--runs 5]
"""
from __future__ import annotations

import argparse
import os
import random
from datetime import date, datetime, timedelta
from functools import partial

from timing import median_ms, sqlite_app


def build(size: int, people: list, meeting_factory):
    from meeting_manager.agenda.models import PersonRole, Room, Session, SessionKind, SessionPerson
    from meeting_manager.extensions import db

    meeting = meeting_factory(size)
    rng = random.Random(size)
    per_room = 3 * 8
    rooms = [Room(meeting_id=meeting.id, name=f"Room {n + 1}", capacity=60, position=n)
             for n in range(-(-size // per_room))]
    db.session.add_all(rooms)
    db.session.flush()
    mine = [p for p in people if p.meeting_id == meeting.id]
    for i in range(size):
        day, slot, room = meeting.starts_on + timedelta(days=i % 3), (i // 3) % 8, rooms[i // per_room]
        start = datetime.combine(day, datetime.min.time(), tzinfo=meeting.tz) + timedelta(hours=8 + slot * 1.25)
        session = Session(meeting_id=meeting.id, kind=SessionKind.workshop, title=f"Session {i}",
                          starts_at=start, ends_at=start + timedelta(minutes=70), room=room, capacity=50,
                          published=True, track=rng.choice(["A", "B", "C"]))
        session.people = [SessionPerson(role=PersonRole.speaker, registration=p, position=k)
                          for k, p in enumerate(rng.sample(mine, 3))]
        db.session.add(session)
    db.session.commit()
    return meeting


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[40, 400, 2000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from meeting_manager.agenda import checks, exports, services
    from meeting_manager.demo.services import add_registrations
    from meeting_manager.extensions import db
    from meeting_manager.meetings.models import MeetingStatus
    from meeting_manager.meetings.services import create_meeting
    from meeting_manager.models_base import utcnow
    from meeting_manager.registration.models import RegistrationStatus

    with sqlite_app("bench-agenda-") as app:
        people = []

        def new_meeting(size):
            start = date.today() + timedelta(days=90)
            meeting = create_meeting(dict(title=f"Bench {size}", starts_on=start, ends_on=start + timedelta(days=2),
                                          timezone="Europe/Zurich", capacity=400, status=MeetingStatus.open),
                                     actor=None)
            db.session.flush()
            people.extend(add_registrations(meeting, random.Random(size), 400, {RegistrationStatus.approved: 1},
                                            _Nobody(), utcnow() - timedelta(days=30)))
            for n, person in enumerate(people[-400:]):
                person.email = f"bench{size}.{n}@example.org"
            db.session.flush()
            return meeting

        client = app.test_client()
        print(f"# agenda bench, {os.cpu_count()} CPUs, runs={args.runs}")
        print(f"{'sessions':>8} {'baseline':>9} {'findings':>9} {'public':>9} {'ics':>9} {'pdf list':>9} "
              f"{'pdf rooms':>9} {'findings/baseline':>17}")
        for size in args.sizes:
            meeting = build(size, people, new_meeting)
            sessions = services.list_sessions(meeting)
            rooms = services.list_rooms(meeting)

            def fresh_load(meeting=meeting):  # bound now: a closure would see the loop's later meeting
                db.session.expire_all()
                return services.list_sessions(meeting)

            baseline = median_ms(fresh_load, args.runs)
            sessions = fresh_load()
            findings = median_ms(partial(checks.agenda_findings, meeting, sessions), args.runs)
            public = median_ms(partial(client.get, f"/meetings/{meeting.id}/programme"), args.runs)
            with app.test_request_context():
                ics = median_ms(partial(exports.agenda_ics, meeting, sessions), args.runs)
                # WeasyPrint takes tens of seconds beyond a few hundred sessions: the PDFs are timed up to 400.
                pdf_runs = 1 if size > 40 else args.runs
                pdf_list, pdf_rooms = (
                    median_ms(partial(exports.agenda_pdf, meeting, sessions, layout=layout, rooms=rooms), pdf_runs)
                    if size <= 400 else float("nan") for layout in ("list", "rooms"))
            n_findings = len(checks.agenda_findings(meeting, sessions))
            print(f"{size:>8} {baseline:>8.1f}ms {findings:>8.1f}ms {public:>8.1f}ms {ics:>8.1f}ms "
                  f"{pdf_list:>8.0f}ms {pdf_rooms:>8.0f}ms {findings / baseline:>16.2f}x  ({n_findings} findings)")


class _Nobody:
    """add_registrations records an organiser id on status changes; the bench has none."""

    id = None


if __name__ == "__main__":
    main()
