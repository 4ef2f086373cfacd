"""Benchmark of the bulk invitation upload: check and import 200 and 2,000 rows (the issue's "200 from a spreadsheet").

A generated XLSX (names in several scripts, countries as ISO2, ISO3 and names, every category) is uploaded through
the Flask test client as a signed-in organiser, in a fresh SQLite file per run. Timed, as medians of --runs runs
(time.perf_counter):
  baseline  issue_invitation() called directly for every row in one transaction (mail rendered and queued): the
            work the import cannot avoid
  check     POST of the file: read with pandas, every row checked, the preview page rendered
  import    POST of the import step: rows checked again, one invitation and one queued mail per row, one commit
Target chosen here (the issue sets none): 200 rows checked and imported in under 5 s in total on this machine, so
that the organiser waits no longer than for an ordinary page.

Run: .venv/bin/python bench/invitations_import.py [--runs 3] [--sizes 200 2000]
"""
from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GIVEN = ["Amina", "Олена", "秀英", "Nguyễn", "محمد", "Zofia", "José", "Aroha", "प्रिया", "Kwame"]
FAMILY = ["Diallo", "Шевченко", "王", "Trần", "الحربي", "Dąbrowska", "Pérez de la Cruz", "Ngata", "शर्मा", "Mensah"]
COUNTRIES = ["KE", "UKR", "china", " Viet Nam ", "JO", "POL", "Mexico", "NZ", "IND", "gh", "NA", "Türkiye"]
CATEGORIES = ["State", "Civil society", "academia", "Expert / speaker", "international_org"]


def spreadsheet(rows: int) -> bytes:
    import pandas as pd

    frame = pd.DataFrame({
        "E-mail": [f"person{n}@example.org" for n in range(rows)],
        "First name": [GIVEN[n % len(GIVEN)] for n in range(rows)],
        "Surname": [FAMILY[n % len(FAMILY)] for n in range(rows)],
        "Country": [COUNTRIES[n % len(COUNTRIES)] for n in range(rows)],
        "Organisation": [f"Organisation {n % 37}" for n in range(rows)],
        "Category": [CATEGORIES[n % len(CATEGORIES)] for n in range(rows)],
        "Seats": [1 + n % 3 for n in range(rows)],
    })
    out = io.BytesIO()
    frame.to_excel(out, index=False)
    return out.getvalue()


def fresh_app(folder: str):
    os.environ["MEETING_MANAGER_VAR"] = folder
    from config import Config
    from meeting_manager import create_app

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder}/bench.sqlite"
        STORAGE_DIR = Path(folder) / "storage"
        WTF_CSRF_ENABLED = False
        MAIL_SERVER = None

    return create_app(BenchConfig)


def setup(app):
    from datetime import date, timedelta

    from meeting_manager.accounts.services import create_user, set_password
    from meeting_manager.extensions import db
    from meeting_manager.meetings.services import create_meeting
    from meeting_manager.reference.services import load_reference_data

    db.create_all()
    load_reference_data()
    organiser = create_user("org@example.org", "Organiser")
    set_password(organiser, "bench password 1")
    start = date.today() + timedelta(days=60)
    meeting = create_meeting(dict(title="Bench", starts_on=start, ends_on=start, capacity=5000), actor=organiser)
    db.session.commit()
    return meeting.id


def run_once(size: int, content: bytes) -> dict[str, float]:
    from meeting_manager.extensions import db
    from meeting_manager.invitations.services import issue_invitation
    from meeting_manager.meetings.models import Meeting

    times = {}
    with tempfile.TemporaryDirectory() as folder:
        app = fresh_app(folder)
        with app.app_context():
            meeting_id = setup(app)
            meeting = db.session.get(Meeting, meeting_id)
            start = time.perf_counter()
            for n in range(size):
                issue_invitation(meeting, email=f"direct{n}@example.org", actor=None, given_name=GIVEN[n % 10])
            db.session.rollback()  # measured, then thrown away so that the HTTP import starts from the same state
            times["baseline"] = time.perf_counter() - start
            client = app.test_client()
            client.post("/account/sign-in", data={"email": "org@example.org", "password": "bench password 1"})
            start = time.perf_counter()
            page = client.post(f"/meetings/{meeting_id}/invitations/upload",
                               data={"file": (io.BytesIO(content), "people.xlsx")},
                               content_type="multipart/form-data").get_data(as_text=True)
            times["check"] = time.perf_counter() - start
            assert f"{size} rows are ready" in page, "the generated file should be clean"
            upload_id = re.search(r'name="upload_id" type="hidden" value="([^"]+)"', page).group(1)
            start = time.perf_counter()
            response = client.post(f"/meetings/{meeting_id}/invitations/upload/import",
                                   data={"upload_id": upload_id, "lock_email": "y"})
            times["import"] = time.perf_counter() - start
            assert response.status_code == 303
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000])
    args = parser.parse_args()
    print(f"nproc={os.cpu_count()} runs={args.runs}")
    for size in args.sizes:
        content = spreadsheet(size)
        results = [run_once(size, content) for _ in range(args.runs)]
        med = {k: statistics.median(r[k] for r in results) for k in results[0]}
        total = med["check"] + med["import"]
        print(f"{size:>5} rows  baseline {med['baseline']:.2f} s  check {med['check']:.2f} s  "
              f"import {med['import']:.2f} s  check+import {total:.2f} s  "
              f"import/baseline {med['import'] / med['baseline']:.2f}x  per row {1000 * total / size:.1f} ms")


if __name__ == "__main__":
    main()
