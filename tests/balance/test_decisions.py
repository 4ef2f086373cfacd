"""Decisions against the balance policy on the database: one, many, concurrent, auto mode, waitlist, suggestions."""
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from config import TestingConfig
from conftest import ON_POSTGRES
from meeting_manager import create_app
from meeting_manager.audit.models import AuditEvent
from meeting_manager.balance import services
from meeting_manager.balance.models import DecisionMode
from meeting_manager.extensions import db as _db
from meeting_manager.meetings.services import create_meeting
from meeting_manager.registration.models import Gender, Registration, RegistrationStatus

S = RegistrationStatus


def set_policy(meeting, organiser=None, *, bounds=(), mode=DecisionMode.manual, mix=None, mix_violation=False):
    services.save_policy(meeting, {"decision_mode": mode, "mix_min_size": mix, "mix_is_violation": mix_violation},
                         [dict(unit="seats", **b) for b in bounds], actor=organiser)
    _db.session.commit()


def approved(meeting):
    return _db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.meeting_id == meeting.id, Registration.status == S.approved))


def test_an_approval_within_the_cap_is_recorded_with_its_findings(meeting, organiser, make_registration):
    set_policy(meeting, bounds=[{"dimension": "gender", "value": "man", "maximum": 2}])
    person = make_registration(meeting, gender=Gender.man)
    check = services.decide(person, S.approved, actor=organiser)
    _db.session.commit()
    assert check.allowed and person.status == S.approved
    assert any(f["rule"] == "cap" for f in person.history[-1].findings)


def test_an_approval_over_a_cap_is_refused_and_changes_nothing(meeting, organiser, make_registration):
    set_policy(meeting, bounds=[{"dimension": "gender", "value": "man", "maximum": 1}])
    first, second = (make_registration(meeting, gender=Gender.man) for _ in range(2))
    services.decide(first, S.approved, actor=organiser)
    _db.session.commit()
    with pytest.raises(services.RuleViolation) as refused:
        services.decide(second, S.approved, actor=organiser)
    _db.session.rollback()
    assert "2 of 1" in str(refused.value.message)
    assert _db.session.get(Registration, second.id).status == S.pending


def test_an_override_needs_a_reason_and_is_audited(meeting, organiser, make_registration):
    set_policy(meeting, bounds=[{"dimension": "gender", "value": "woman", "maximum": 0}])
    person = make_registration(meeting, gender=Gender.woman)
    services.decide(person, S.approved, actor=organiser, override_reason="Keynote speaker")
    _db.session.commit()
    assert person.status == S.approved and person.history[-1].override_reason == "Keynote speaker"
    assert _db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "registration.override")) == 1


def test_bulk_approval_stops_at_the_cap_and_the_transaction_is_rolled_back(meeting, organiser, make_registration):
    set_policy(meeting, bounds=[{"dimension": "region", "value": "African States", "maximum": 2}])
    people = [make_registration(meeting, country="KE") for _ in range(3)]
    with pytest.raises(services.RuleViolation):
        services.decide_many(people, S.approved, actor=organiser)
    _db.session.rollback()
    assert approved(meeting) == 0


def test_a_reservation_keeps_seats_for_other_regions(make_meeting, organiser, make_registration):
    meeting = make_meeting(capacity=3)
    set_policy(meeting, bounds=[{"dimension": "region", "value": "Latin American and Caribbean States", "minimum": 2}])
    first, second = make_registration(meeting, country="KE"), make_registration(meeting, country="KE")
    services.decide(first, S.approved, actor=organiser)
    with pytest.raises(services.RuleViolation, match="Latin American"):
        services.decide(second, S.approved, actor=organiser)


def test_auto_mode_approves_while_rules_hold_then_waitlists(meeting, make_registration):
    set_policy(meeting, bounds=[{"dimension": "gender", "value": "man", "maximum": 1}], mode=DecisionMode.auto)
    first, second = make_registration(meeting, gender=Gender.man), make_registration(meeting, gender=Gender.man)
    services.on_registration_submitted(first)
    services.on_registration_submitted(second)
    _db.session.commit()
    assert (first.status, second.status) == (S.approved, S.waitlisted)


def test_a_freed_seat_promotes_the_earliest_waitlisted_that_keeps_every_rule(meeting, organiser, make_registration):
    set_policy(meeting, bounds=[{"dimension": "gender", "value": "man", "maximum": 1}], mode=DecisionMode.auto)
    holder = make_registration(meeting, gender=Gender.man, status=S.approved)
    waiting = make_registration(meeting, gender=Gender.man, status=S.waitlisted)
    services.decide(holder, S.declined, actor=organiser)
    _db.session.commit()
    assert waiting.status == S.approved


def test_manual_mode_offers_the_next_from_the_waitlist(meeting, organiser, make_registration):
    set_policy(meeting, bounds=[{"dimension": "gender", "value": "man", "maximum": 1}])
    make_registration(meeting, gender=Gender.man, status=S.approved)
    man = make_registration(meeting, gender=Gender.man, status=S.waitlisted)
    woman = make_registration(meeting, gender=Gender.woman, status=S.waitlisted)
    assert services.next_from_waitlist(meeting) == woman
    assert man.status == S.waitlisted


def test_an_impossible_policy_is_refused_with_the_reason(make_meeting):
    meeting = make_meeting(capacity=10)
    with pytest.raises(services.PolicyInvalid) as refused:
        set_policy(meeting, bounds=[{"dimension": "gender", "value": "woman", "minimum": 6},
                                    {"dimension": "gender", "value": "man", "minimum": 6}])
    assert "10" in str(refused.value.message)
    assert services.get_policy_row(meeting) is None


def test_accepting_suggestions_approves_the_largest_set_that_keeps_the_rules(make_meeting, organiser,
                                                                             make_registration):
    meeting = make_meeting(capacity=4)
    set_policy(meeting, bounds=[{"dimension": "gender", "value": "man", "maximum": 2}])
    people = [make_registration(meeting, gender=g) for g in (Gender.man,) * 4 + (Gender.woman,)]
    chosen, suggestion = services.suggest(meeting)
    assert len(chosen) == 3 and suggestion.status == "optimal"
    services.accept_suggestion(meeting, [r.id for r in chosen], actor=organiser)
    _db.session.commit()
    assert approved(meeting) == 3
    assert [p.status for p in people[:2]] == [S.approved, S.approved] and people[4].status == S.approved


@pytest.fixture
def concurrent_app(app, tmp_path):
    """An app whose database many threads can really share: PostgreSQL in CI, else a SQLite file."""
    if ON_POSTGRES:
        yield app
        return

    class FileConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'concurrent.sqlite'}"
        STORAGE_DIR = tmp_path / "storage"

    file_app = create_app(FileConfig)
    with file_app.app_context():
        _db.create_all()
    yield file_app


def test_concurrent_approvals_never_exceed_a_cap(concurrent_app, make_registration):
    from meeting_manager.reference.services import load_reference_data

    cap, attempts = 5, 24
    with concurrent_app.app_context():
        if not ON_POSTGRES:
            load_reference_data()
        meeting = create_meeting(dict(title="Cap test", starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 2),
                                      capacity=100), actor=None)
        _db.session.commit()
        set_policy(meeting, bounds=[{"dimension": "gender", "value": "woman", "maximum": cap}])
        ids = [make_registration(meeting).id for _ in range(attempts)]
        meeting_id = meeting.id
    barrier, outcomes = threading.Barrier(attempts), []

    def approve(registration_id):
        with concurrent_app.app_context():
            barrier.wait()
            try:
                services.decide(_db.session.get(Registration, registration_id), S.approved, actor=None)
                _db.session.commit()
                outcomes.append("approved")
            except services.RuleViolation:
                _db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with concurrent_app.app_context():
        count = _db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.meeting_id == meeting_id, Registration.status == S.approved))
    assert count == cap and outcomes.count("approved") == cap and outcomes.count("refused") == attempts - cap


def test_raising_the_capacity_promotes_from_the_waitlist_in_auto_mode(make_meeting, organiser, make_registration):
    from meeting_manager.meetings.services import update_meeting

    meeting = make_meeting(capacity=1)
    set_policy(meeting, mode=DecisionMode.auto)
    make_registration(meeting, status=S.approved)
    waiting = make_registration(meeting, status=S.waitlisted)
    update_meeting(meeting, {"capacity": 2}, actor=organiser)
    _db.session.commit()
    assert waiting.status == S.approved


def test_counts_read_in_sql_equal_a_recount_of_every_row(meeting, make_registration, make_delegation):
    """The marginals the engine gets from one grouped query equal the engine's own tally of the rows, one by one:
    non-counting categories count only toward the total, a country outside the scheme is 'unassigned', every
    status but approved is left out, and a delegation's members count whatever their category."""
    from meeting_manager.balance import engine
    from meeting_manager.reference.services import region_map

    delegations = [make_delegation(meeting, seats=4), make_delegation(meeting, seats=2, country="FR")]
    people = [
        dict(gender=Gender.woman, country="KE", category_code="state", delegation=delegations[0]),
        dict(gender=Gender.man, country="KE", category_code="state", delegation=delegations[0]),
        dict(gender=Gender.undisclosed, country="FR", category_code="press", delegation=delegations[1]),
        dict(gender=Gender.another, country="BR", category_code="academia"),
        dict(gender=Gender.woman, country="XK", category_code="expert"),  # Kosovo: in no UN Regional Group
        dict(gender=Gender.man, country="JP", category_code="staff"),
    ]
    for person in people:
        make_registration(meeting, status=S.approved, **person)
    make_registration(meeting, status=S.pending, country="CN", category_code="state", delegation=delegations[1])
    make_registration(meeting, status=S.waitlisted, gender=Gender.man, country="US")
    _db.session.commit()

    rows = _db.session.scalars(select(Registration).where(Registration.meeting_id == meeting.id,
                                                          Registration.status == S.approved)).all()
    regions = region_map(meeting.region_scheme_id)
    expected = engine.tally([services.candidate_for(r, regions) for r in rows],
                            {str(d.id): d.seats for d in delegations})
    counts = services.current_counts(meeting)
    assert counts.total == expected.total == 6
    assert dict(counts.groups) == dict(expected.groups)
    assert counts.group("region", "unassigned") == 1 and counts.group("gender", "man") == 1
    assert dict(counts.delegations) == dict(expected.delegations)

    # One person's check reads only their own delegation, or none.
    member = rows[0]
    assert set(services.current_counts(meeting, member).delegations) == {str(delegations[0].id)}
    assert services.current_counts(meeting, rows[3]).delegations == {}
    assert services.current_counts(meeting, member).groups == counts.groups
