"""Benchmark of the registration path: the form, a submission, the participant's page and the two PDFs.

A SQLite file with the reference data, one open meeting with five custom questions and N registrations already in
it. Times are medians of several runs (time.perf_counter), through the Flask test client:
  baseline   GET /meetings/<id>: the public meeting page (the cheapest page a participant opens first)
  form       GET /meetings/<id>/apply: the form (three country lists of ~250 entries, the questions)
  submit     POST /meetings/<id>/apply: validate, register, answers, account, confirmation mail (each a new person)
  page       GET /my/registrations/<id>: the participant's page
  e-ticket   GET .../e-ticket.pdf (WeasyPrint + segno QR)
  visa       GET .../visa-letter.pdf
Target chosen here (the issue sets none): a submission under 250 ms and either PDF under 1 s on this machine, so
that the opening hour of a Global Meeting (a few hundred submissions) is never waiting on the server.

Run: .venv/bin/python bench/registration.py [--existing 0 2000] [--runs 15]
"""
from __future__ import annotations

import argparse
import os
import tempfile
from datetime import date, timedelta
from pathlib import Path

from timing import median_ms, numbered


def build(existing: int):
    from flask import g

    from config import Config
    from meeting_manager import create_app
    from meeting_manager.extensions import db
    from meeting_manager.meetings.models import MeetingStatus, RegistrationMode
    from meeting_manager.meetings.services import create_meeting
    from meeting_manager.models_base import utcnow
    from meeting_manager.reference.services import load_reference_data
    from meeting_manager.registration import questions, services

    tmp = Path(tempfile.mkdtemp())

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp / 'bench.sqlite'}"
        STORAGE_DIR = tmp / "storage"
        WTF_CSRF_ENABLED = False
        TESTING = True

    app = create_app(BenchConfig)
    # Requests reuse this script's app context and so its `g`, where Flask-Login caches the user: forget it first.
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: g.pop("_login_user", None) and None)
    ctx = app.app_context()
    ctx.push()
    db.create_all()
    load_reference_data()
    start = date.today() + timedelta(days=60)
    meeting = create_meeting(dict(title="Bench meeting", starts_on=start, ends_on=start + timedelta(days=2),
                                  timezone="Europe/Zurich", venue="Centre", city="Geneva", country_code="CH",
                                  capacity=5000, status=MeetingStatus.open, registration_mode=RegistrationMode.open),
                             actor=None)
    meeting.registration_opens_at = utcnow() - timedelta(days=1)
    db.session.flush()
    asked = [questions.create_question(meeting, {"label": f"Question {i}", "kind": kind, "options": options,
                                                 "position": i}, actor=None)
             for i, (kind, options) in enumerate([("short_text", []), ("long_text", []), ("yes_no", []),
                                                  ("single_choice", ["A", "B", "C"]),
                                                  ("multiple_choice", ["x", "y", "z"])])]
    category = meeting.categories[1].id
    for n in range(existing):
        services.register_participant(meeting, dict(
            given_name="Existing", family_name=f"Person {n}", email=f"existing{n}@example.org", gender="woman",
            nationality="KE", residence_country="KE", category_id=category, relation="member", data_consent=True,
            answers={asked[0].id: "text", asked[2].id: "yes"}))
    db.session.commit()
    return app, meeting, asked, category


def run(existing: int, runs: int) -> dict[str, float]:
    from meeting_manager.extensions import db
    from meeting_manager.registration.models import Registration, RegistrationStatus
    from meeting_manager.registration.services import change_status

    app, meeting, asked, category = build(existing)
    client = app.test_client()

    def form(n, **extra):
        return {"given_name": "Ольга", "family_name": f"O'Brien-Łukasiewicz {n}", "email": f"bench{n}@example.org",
                "gender": "woman", "nationality": "UA", "residence_country": "PL", "category_id": str(category),
                "relation": "member", "data_consent": "y", "submission_key": f"bench-{n}",
                f"q_{asked[0].id}": "an answer", f"q_{asked[2].id}": "no", f"q_{asked[4].id}": ["x", "z"],
                "visa_letter": "y", "passport_number": "P1234567", "place_of_birth": "Lviv",
                "passport_expiry": (meeting.ends_on + timedelta(days=300)).isoformat(),
                "date_of_birth": "1980-01-02", **extra}

    results = {
        "baseline": median_ms(lambda: client.get(f"/meetings/{meeting.id}"), runs),
        "form": median_ms(lambda: client.get(f"/meetings/{meeting.id}/apply"), runs),
    }

    def submit(n):
        fresh = app.test_client()
        assert fresh.post(f"/meetings/{meeting.id}/apply", data=form(n)).status_code == 303

    results["submit"] = median_ms(numbered(submit), runs)
    participant = app.test_client()
    assert participant.post(f"/meetings/{meeting.id}/apply", data=form(10**6)).status_code == 303
    registration = db.session.scalar(db.select(Registration).where(Registration.email == "bench1000000@example.org"))
    change_status(registration, RegistrationStatus.approved, actor=None)
    db.session.commit()
    base = f"/my/registrations/{registration.id}"
    results["page"] = median_ms(lambda: participant.get(base), runs)
    results["e-ticket"] = median_ms(lambda: participant.get(base + "/e-ticket.pdf"), max(3, runs // 3))
    results["visa"] = median_ms(lambda: participant.get(base + "/visa-letter.pdf"), max(3, runs // 3))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--existing", type=int, nargs="+", default=[0, 2000])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"nproc {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")
    print("| existing | baseline | form | submit | page | e-ticket | visa letter | submit / baseline |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for existing in args.existing:
        r = run(existing, args.runs)
        print(f"| {existing:,} | {r['baseline']:.0f} ms | {r['form']:.0f} ms | {r['submit']:.0f} ms | "
              f"{r['page']:.0f} ms | {r['e-ticket']:.0f} ms | {r['visa']:.0f} ms | "
              f"{r['submit'] / r['baseline']:.1f}× |", flush=True)


if __name__ == "__main__":
    main()
