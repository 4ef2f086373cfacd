"""Suggestions and auto-approval serve the waiting list first: a later pending application never takes the place
of a waitlisted registration that fits, unless the organiser asks for it in that step."""
from datetime import timedelta

import pytest

from meeting_manager.balance import services as balance
from meeting_manager.balance.models import DecisionMode
from meeting_manager.extensions import db as _db
from meeting_manager.models_base import utcnow
from meeting_manager.registration.models import Gender, RegistrationStatus

S = RegistrationStatus


@pytest.fixture
def jump_case(meeting, make_registration):
    """One waitlisted man in academia, earliest; two later pending people who each share one of his two capped
    groups: the largest set is the two of them, which would pass over him."""
    balance.save_policy(meeting, {"decision_mode": DecisionMode.manual, "mix_min_size": None,
                                  "mix_is_violation": False},
                        [{"unit": "seats", "dimension": "gender", "value": "man", "maximum": 1},
                         {"unit": "seats", "dimension": "category", "value": "academia", "maximum": 1}], actor=None)
    start = utcnow() - timedelta(days=5)
    waiting = make_registration(meeting, given_name="Waiting", gender=Gender.man, category_code="academia",
                                status=S.waitlisted, submitted_at=start)
    later = [make_registration(meeting, given_name="Later", gender=Gender.man, submitted_at=start + timedelta(days=1)),
             make_registration(meeting, given_name="Latest", gender=Gender.woman, category_code="academia",
                               submitted_at=start + timedelta(days=2))]
    _db.session.commit()
    return waiting, later


def test_suggestions_never_pass_over_a_waitlisted_registration_that_fits(meeting, jump_case, organiser, auth, client):
    waiting, _later = jump_case
    chosen, _suggestion = balance.suggest(meeting)
    assert [r.id for r in chosen] == [waiting.id]
    auth.sign_in(organiser)
    page = client.get(f"/meetings/{meeting.id}/suggestions")
    assert page.status_code == 200
    assert "Waiting" in page.text and "The waiting list is served first" in page.text


def test_the_organiser_may_pass_over_the_waiting_list_explicitly(meeting, jump_case, organiser, auth, client):
    _waiting, later = jump_case
    chosen, _suggestion = balance.suggest(meeting, pass_over_waitlist=True)
    assert sorted(r.id for r in chosen) == sorted(r.id for r in later)
    auth.sign_in(organiser)
    page = client.get(f"/meetings/{meeting.id}/suggestions?pass_over_waitlist=1")
    assert "may leave out someone on the waiting list" in page.text


def test_auto_approval_serves_a_fitting_waitlisted_registration_before_a_new_one(meeting, make_registration):
    balance.save_policy(meeting, {"decision_mode": DecisionMode.auto, "mix_min_size": None,
                                  "mix_is_violation": False},
                        [{"unit": "seats", "dimension": "gender", "value": "man", "maximum": 1}], actor=None)
    # waitlisted while the cap was 0 for men, say; the cap now has room for one
    waiting = make_registration(meeting, gender=Gender.man, status=S.waitlisted,
                                submitted_at=utcnow() - timedelta(days=1))
    newcomer = make_registration(meeting, gender=Gender.man)
    balance.on_registration_submitted(newcomer)
    _db.session.commit()
    assert (waiting.status, newcomer.status) == (S.approved, S.waitlisted)
