"""Fixtures of the registration tests: a valid form as the browser sends it, and helpers to send it."""
import importlib
import importlib.machinery
import secrets
import sys
import types
from datetime import date, timedelta

import pytest

from meeting_manager.registration.models import Registration


@pytest.fixture
def form_data(meeting):
    """A complete, valid registration form for `meeting` (override any field by keyword)."""

    def make(meeting=meeting, **overrides):
        category = next(c for c in meeting.categories if c.code == "civil_society")
        data = {
            "submission_key": secrets.token_hex(12),
            "given_name": "Amina", "family_name": "Diallo", "badge_name": "", "email": "amina@example.org",
            "gender": "woman", "nationality": "SN", "residence_country": "SN", "organisation": "Centre for Peace",
            "organisation_country": "", "position": "Researcher", "category_id": str(category.id),
            "relation": "member", "dietary": "", "accessibility": "", "interpretation_language": "fr",
            "data_consent": "y",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    return make


@pytest.fixture
def visa_data(meeting):
    """The passport fields of a visa request that passes every check."""
    return {"visa_letter": "y", "passport_number": "P1234567X",
            "passport_expiry": (meeting.ends_on + timedelta(days=400)).isoformat(),
            "date_of_birth": "1985-04-12", "place_of_birth": "Dakar"}


@pytest.fixture
def registrations(db):
    """All registrations, oldest first."""
    return lambda: list(db.session.scalars(db.select(Registration).order_by(Registration.id)))


@pytest.fixture
def seat_freed_calls(monkeypatch):
    """Record calls of balance.services.on_seat_freed (a stand-in module if balance has none yet)."""
    calls = []
    name = "meeting_manager.balance.services"
    if importlib.util.find_spec(name) is None:
        module = types.ModuleType(name)
        module.__spec__ = importlib.machinery.ModuleSpec(name, None)
        monkeypatch.setitem(sys.modules, name, module)
    module = importlib.import_module(name)
    monkeypatch.setattr(module, "on_seat_freed", lambda meeting, actor=None: calls.append((meeting.id, actor)),
                        raising=False)
    return calls


def past(days=1):
    from meeting_manager.models_base import utcnow

    return utcnow() - timedelta(days=days)


def today_plus(days):
    return date.today() + timedelta(days=days)


@pytest.fixture
def register(app, meeting, form_data, db):
    """Register through the form with a fresh browser; returns (client signed in as the participant, registration)."""

    def do(meeting=meeting, client=None, **overrides):
        client = client or app.test_client()
        response = client.post(f"/meetings/{meeting.id}/apply", data=form_data(meeting, **overrides))
        assert response.status_code == 303, response.text[:2000]
        registration = db.session.scalar(db.select(Registration).order_by(Registration.id.desc()))
        return client, registration

    return do


@pytest.fixture
def approve(db, organiser):
    """Approve a registration as the organiser would (no rule checks: that is balance's part)."""
    from meeting_manager.registration.services import change_status
    from meeting_manager.registration.models import RegistrationStatus

    def do(registration):
        change_status(registration, RegistrationStatus.approved, actor=organiser)
        db.session.commit()
        return registration

    return do
