"""Benchmark: the review queue's first page at 5,000 registrations (issue 21: under 150 ms server time).

The meeting of bench/balance.py (5,000 registrations in four statuses, region and gender bounds, 150 delegations),
requested in-process through the test client as a signed-in organiser, so the time is the server's: the filters,
the count, one page of 50 rows, every row's rule check and the template. Cases: the default queue (pending), the
approved list, a search (accent- and case-insensitive, matched in Python) and a sort by name. Baseline in the same
run: the meeting's public page through the same client, and a bare `SELECT count(*)`.

Run: .venv/bin/python bench/review_queue.py [postgresql+psycopg://postgres@127.0.0.1/db] [--runs 30]
"""
import argparse
import tempfile

from balance import N, build
from sqlalchemy import func, select
from timing import median_ms

from meeting_manager.accounts.models import MeetingRole, MeetingRoleName, User
from meeting_manager.extensions import db
from meeting_manager.registration.models import Registration

CASES = {"queue, first page (pending)": "", "approved, first page": "?status=approved",
         "approved, page 10": "?status=approved&page=10", "search 'f12'": "?q=f12",
         "pending sorted by name": "?sort=name"}


def run(url: str, runs: int) -> dict:
    app, ctx, meeting = build(url)
    organiser = User(email="bench-organiser@example.org", name="Bench Organiser")
    organiser.meeting_roles.append(MeetingRole(meeting=meeting, role=MeetingRoleName.organiser))
    db.session.add(organiser)
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = organiser.get_id(), True
    base = f"/meetings/{meeting.id}/registrations"

    def get(path):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    results = {"baseline: count(*) ms": median_ms(lambda: db.session.scalar(
        select(func.count()).select_from(Registration).where(Registration.meeting_id == meeting.id)), runs),
        "baseline: the meeting's public page ms": median_ms(lambda: get(f"/meetings/{meeting.id}"), runs)}
    for name, query in CASES.items():
        get(base + query)  # warm: the first request loads templates and caches
        results[f"{name} ms"] = median_ms(lambda q=query: get(base + q), runs)
    db.session.remove()
    ctx.pop()
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("postgres", nargs="?")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    targets = [("SQLite file", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite")]
    if args.postgres:
        targets.append(("PostgreSQL", args.postgres))
    for name, url in targets:
        result = run(url, args.runs)
        page = result["baseline: the meeting's public page ms"]
        print(f"{name}, {N} registrations, median of {args.runs}:")
        for key, value in result.items():
            print(f"  {key:<42} {value:8.2f}   ({value / page:.1f}x the public page)")
