"""Benchmark: accepting 5,000 suggested approvals as a job (issue 21: under 15 s; was 53 s in one request).

A meeting of 5,000 pending registrations (random countries, genders, categories; a quarter in 150 delegations of
40 seats), capacity 6,000, region caps and minimums and 60 % gender caps that all hold, so the suggestion takes
everyone. Timed: the suggestion (solver, with the pool read from the database), and the job that approves the set
(`run_job`: each approval checked under the meeting's lock, its history, audit record and mail queued, one commit).
Baseline in the same run: one bulk UPDATE of the same 5,000 rows' status (rolled back) — what the database alone
needs to write them.

Run: .venv/bin/python bench/accept_suggestions.py [postgresql+psycopg://postgres@127.0.0.1/db]
"""
import random
import secrets
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import timing  # noqa: F401 - puts the repository on sys.path
from sqlalchemy import func, insert, select, text, update

from config import TestingConfig
from meeting_manager import create_app
from meeting_manager.accounts.models import User
from meeting_manager.balance import services
from meeting_manager.delegations.models import Delegation
from meeting_manager.extensions import db
from meeting_manager.jobs.services import run_job, start_job
from meeting_manager.meetings.services import create_meeting
from meeting_manager.models_base import utcnow
from meeting_manager.reference.models import Country
from meeting_manager.reference.services import load_reference_data
from meeting_manager.registration.models import Registration

N = 5000
REGIONS = ("African States", "Asia-Pacific States", "Eastern European States", "Latin American and Caribbean States",
           "Western European and Others States")


def build(url: str):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        STORAGE_DIR = Path(tempfile.mkdtemp())

    app = create_app(Config)
    ctx = app.app_context()
    ctx.push()
    db.drop_all()
    db.create_all()
    load_reference_data()
    meeting = create_meeting(dict(title="Bench", starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 3), capacity=6000),
                             actor=None)
    organiser = User(email="bench@example.org", name="Bench Organiser")
    db.session.add(organiser)
    db.session.flush()
    services.save_policy(meeting, {"mix_min_size": None}, [
        {"dimension": "region", "value": g, "unit": "seats", "minimum": 100, "maximum": 3000} for g in REGIONS
    ] + [{"dimension": "gender", "value": g, "unit": "percent", "maximum": 60} for g in ("woman", "man")], actor=None)
    countries = list(db.session.scalars(select(Country.iso2)))
    rng, categories = random.Random(1), [c.id for c in meeting.categories]
    db.session.execute(insert(Delegation), [
        dict(meeting_id=meeting.id, name=f"Delegation {i}", kind="ngo", country_code=countries[i], seats=40,
             focal_point_name=f"Focal {i}", focal_point_email=f"fp{i}@example.org", created_at=utcnow(),
             updated_at=utcnow()) for i in range(150)])
    delegations = list(db.session.scalars(select(Delegation.id).where(Delegation.meeting_id == meeting.id)))
    db.session.execute(insert(Registration), [
        dict(meeting_id=meeting.id, given_name=f"G{i}", family_name=f"F{i}", badge_name=f"G{i} F{i}",
             email=f"b{i}@example.org", gender=rng.choice(["woman", "man", "another", "undisclosed"]),
             nationality=(c := rng.choice(countries)), residence_country=c, represented_country=c,
             category_id=rng.choice(categories), delegation_id=rng.choice(delegations) if i % 4 == 0 else None,
             status="pending", data_consent_at=utcnow(), submitted_at=utcnow() - timedelta(minutes=i),
             badge_token=secrets.token_hex(16), created_at=utcnow(), updated_at=utcnow()) for i in range(N)])
    db.session.commit()
    if url.startswith("postgresql"):
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    return ctx, meeting, organiser


def run(url: str) -> dict:
    ctx, meeting, organiser = build(url)
    start = time.perf_counter()
    db.session.execute(update(Registration).where(Registration.meeting_id == meeting.id)
                       .values(status="approved").execution_options(synchronize_session=False))
    db.session.flush()
    baseline = time.perf_counter() - start
    db.session.rollback()
    start = time.perf_counter()
    chosen, _suggestion = services.suggest(meeting)
    suggested = time.perf_counter() - start
    job = start_job("balance.accept_suggestion", meeting=meeting, actor=organiser,
                    params={"registration_ids": [r.id for r in chosen]})
    db.session.commit()
    start = time.perf_counter()
    job = run_job(job.id)
    accepted = time.perf_counter() - start
    approved = db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.meeting_id == meeting.id, Registration.status == "approved"))
    assert job.status.value == "done" and approved == len(chosen) == N, (job.status, job.error, approved, len(chosen))
    db.session.remove()
    ctx.pop()
    return {"baseline: bulk UPDATE of the rows s": baseline, "suggestion (solver, pool read) s": suggested,
            "accept job, 5,000 approvals s": accepted}


if __name__ == "__main__":
    targets = [("SQLite file", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite")]
    if len(sys.argv) > 1:
        targets.append(("PostgreSQL", sys.argv[1]))
    for name, url in targets:
        result = run(url)
        print(f"{name}, {N} pending registrations:")
        for key, value in result.items():
            print(f"  {key:<40} {value:8.2f}")
