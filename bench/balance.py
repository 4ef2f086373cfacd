"""Benchmark: the balance dashboard and one rule check on a meeting with 5,000 registrations.

Targets (issue 4): the dashboard renders in under 150 ms on the server, one rule check takes under 5 ms; counts come
from SQL aggregation. Run by hand:  .venv/bin/python bench/balance.py [postgresql+psycopg://postgres@127.0.0.1/db]
Baseline in the same run: a bare `SELECT count(*)` of the meeting's registrations, so that ratios survive noise.
"""
import random
import secrets
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text
from timing import median_ms

from config import TestingConfig
from meeting_manager import create_app
from meeting_manager.balance import services
from meeting_manager.balance.dashboard import build_dashboard
from meeting_manager.delegations.models import Delegation
from meeting_manager.extensions import db
from meeting_manager.meetings.services import create_meeting
from meeting_manager.models_base import utcnow
from meeting_manager.reference.models import Country
from meeting_manager.reference.services import load_reference_data
from meeting_manager.registration.models import Registration

N = 5000


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
    meeting = create_meeting(dict(title="Bench", starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 3), capacity=2500),
                             actor=None)
    db.session.flush()
    services.save_policy(meeting, {"mix_min_size": 3}, [
        {"dimension": "region", "value": g, "unit": "seats", "minimum": 200, "maximum": 700}
        for g in ("African States", "Asia-Pacific States", "Eastern European States",
                  "Latin American and Caribbean States", "Western European and Others States")
    ] + [{"dimension": "gender", "value": g, "unit": "percent", "maximum": 60} for g in ("woman", "man")], actor=None)
    countries = list(db.session.scalars(select(Country.iso2)))
    rng, categories = random.Random(1), [c.id for c in meeting.categories]
    # 150 State delegations of 8 seats; a quarter of the registrations belong to one
    db.session.execute(insert(Delegation), [
        dict(meeting_id=meeting.id, name=f"Delegation {i}", kind="state", country_code=countries[i], seats=8,
             focal_point_name=f"Focal {i}", focal_point_email=f"fp{i}@example.org", created_at=utcnow(),
             updated_at=utcnow()) for i in range(150)])
    delegations = list(db.session.scalars(select(Delegation.id).where(Delegation.meeting_id == meeting.id)))
    rows = [dict(meeting_id=meeting.id, given_name=f"G{i}", family_name=f"F{i}", badge_name=f"G{i} F{i}",
                 email=f"b{i}@example.org", gender=rng.choice(["woman", "man", "another", "undisclosed"]),
                 nationality=(c := rng.choice(countries)), residence_country=c, represented_country=c,
                 category_id=rng.choice(categories), delegation_id=rng.choice(delegations) if i % 4 == 0 else None,
                 status=rng.choice(["approved", "pending", "waitlisted", "declined"]),
                 data_consent_at=utcnow(), submitted_at=utcnow() - timedelta(minutes=i),
                 badge_token=secrets.token_hex(16),
                 created_at=utcnow(), updated_at=utcnow()) for i in range(N)]
    db.session.execute(insert(Registration), rows)
    db.session.commit()
    if url.startswith("postgresql"):  # as autovacuum would after a bulk load: statistics, and a visibility map for
        # index-only scans
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    return app, ctx, meeting


def run(url: str) -> dict:
    app, ctx, meeting = build(url)
    pending = select(Registration).where(Registration.status == "pending").limit(1)
    one = db.session.scalar(pending.where(Registration.delegation_id.is_(None)))
    member = db.session.scalar(pending.where(Registration.delegation_id.is_not(None)))
    baseline = median_ms(lambda: db.session.scalar(select(func.count()).select_from(Registration)
                                                   .where(Registration.meeting_id == meeting.id)), 50)
    check = median_ms(lambda: services.check(one), 50)
    member_check = median_ms(lambda: services.check(member), 50)
    # Inside a decision and in the review queue, counts are read once and each person's check is the pure engine.
    from meeting_manager.balance import engine
    policy, counts = services.build_policy(meeting), services.current_counts(meeting)
    candidate = services.candidate_for(
        one, {one.represented_country: services.region_for(meeting, one.represented_country)})
    pure = median_ms(lambda: engine.check_approval(policy, counts, candidate), 200)
    figures = median_ms(lambda: build_dashboard(meeting), 20)
    with app.test_request_context():
        from flask import render_template

        from meeting_manager.balance.dashboard import GENDERS
        page = median_ms(lambda: render_template("balance/dashboard.html", meeting=meeting,
                                                 board=build_dashboard(meeting), genders=GENDERS,
                                                 refreshed=utcnow()), 20)
    db.session.remove()
    ctx.pop()
    return {"baseline count(*) ms": baseline, "rule check, counts read from the database ms": check,
            "same, for a delegation member ms": member_check,
            "rule check, engine only (counts already read) ms": pure, "dashboard figures ms": figures,
            "dashboard page (figures + template) ms": page}


if __name__ == "__main__":
    targets = [("SQLite file", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite")]
    if len(sys.argv) > 1:
        targets.append(("PostgreSQL", sys.argv[1]))
    for name, url in targets:
        result = run(url)
        print(f"{name}, {N} registrations:")
        for key, value in result.items():
            print(f"  {key:<42} {value:8.2f}   ({value / result['baseline count(*) ms']:.1f}x baseline)")
