"""Benchmark of the offline desk: the day's list a device downloads, and the sync of its queue, at meeting sizes.

A meeting of N approved people (the demo's generator, as bench/checkin.py) in a SQLite file (or DATABASE_URL).
For each size it measures:
  list      offline.day_list (every approved person, badge hashes, search words), median of 5, ms
  bytes     the list as JSON (what the device keeps in localStorage), and gzipped (what travels)
  sync      one sync request of 200 new check-ins through the Flask test client (the device's batch), median ms
  resync    the same 200 again (each id already recorded: the idempotent answer), median ms
Target chosen here (the issue sets none): the list of a 5,000-person meeting downloads in under 2 s of server
time and fits in localStorage (5 MB in Chromium) with room to spare; a batch of 200 syncs in under 2 s.

Run: .venv/bin/python bench/offline_checkin.py [--sizes 1000 5000]
"""
from __future__ import annotations

import argparse
import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta

from checkin import build
from timing import median_ms, sqlite_app


def run(size: int) -> dict[str, float]:
    from flask import current_app

    from meeting_manager.accounts.models import User
    from meeting_manager.checkin import offline
    from meeting_manager.extensions import db
    from meeting_manager.meetings.models import Meeting

    meeting, staff, people = build(size)
    ids = [p.id for p in people]
    meeting_id, staff_id = meeting.id, staff.id
    db.session.remove()
    meeting, staff = db.session.get(Meeting, meeting_id), db.session.get(User, staff_id)
    results = {"list": median_ms(lambda: offline.day_list(meeting, actor=staff), 5)}
    body = json.dumps(offline.day_list(meeting, actor=staff), ensure_ascii=False).encode()
    results["bytes"], results["gzip"] = len(body), len(gzip.compress(body))

    client = current_app.test_client()
    client.post("/account/sign-in", data={"email": staff.email, "password": "bench-password-123"})
    url = f"/meetings/{meeting.id}/checkin/app/sync"
    at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    batches = [[{"id": str(uuid.uuid4()), "registration": ids[(b * 200 + n) % size], "at": at, "method": "search"}
                for n in range(200)] for b in range(5)]
    order, again = iter(batches), iter(batches)

    def sync(items):
        response = client.post(url, json={"device": str(uuid.uuid4()), "items": items})
        assert response.status_code == 200, response.text

    results["sync"] = median_ms(lambda: sync(next(order)), 5)
    results["resync"] = median_ms(lambda: sync(next(again)), 5)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    args = parser.parse_args()
    with sqlite_app("bench-offline-") as app:
        app.config.update(WTF_CSRF_ENABLED=False)
        print(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
        print(f"{'people':>7} {'list ms':>8} {'JSON KB':>8} {'gzip KB':>8} {'sync 200':>9} {'resync':>8}")
        for size in args.sizes:
            r = run(size)
            print(f"{size:>7} {r['list']:>8.0f} {r['bytes'] / 1024:>8.0f} {r['gzip'] / 1024:>8.0f} "
                  f"{r['sync']:>9.0f} {r['resync']:>8.0f}")


if __name__ == "__main__":
    main()
