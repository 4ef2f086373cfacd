"""The demo agenda: three days in six rooms, ~40 sessions, mixed panels from every region, one deliberate conflict."""
import itertools
import random
from datetime import timedelta

import pytest

from meeting_manager.agenda import checks, services
from meeting_manager.agenda.models import SessionKind, SessionSignup, SignupStatus
from meeting_manager.demo.agenda import add_demo_agenda
from meeting_manager.registration.models import Gender, RegistrationStatus

#: two countries of each UN Regional Group
COUNTRIES = ["KE", "GH", "JP", "ID", "PL", "UA", "BR", "MX", "DE", "CA"]


@pytest.fixture
def people(meeting, make_registration):
    genders = itertools.cycle([Gender.woman, Gender.man, Gender.woman, Gender.man, Gender.another])
    return [make_registration(meeting, country=COUNTRIES[n % len(COUNTRIES)], gender=next(genders),
                              status=RegistrationStatus.approved, public_listing_consent=True) for n in range(70)]


def test_demo_agenda(db, meeting, people):
    counts = add_demo_agenda(meeting, random.Random(7))
    db.session.commit()
    sessions = services.list_sessions(meeting)
    assert counts == {"rooms": 6, "sessions": len(sessions)} and 38 <= len(sessions) <= 45
    assert len(services.list_rooms(meeting)) == 6
    assert {s.local_day(meeting.tz) for s in sessions} == {meeting.starts_on + timedelta(d) for d in range(3)}
    kinds = {k: sum(s.kind == k for s in sessions) for k in SessionKind}
    assert kinds[SessionKind.plenary] >= 3 and kinds[SessionKind.workshop] >= 15
    assert kinds[SessionKind.side_event] >= 2 and kinds[SessionKind.break_] >= 6
    findings = [f for f in checks.agenda_findings(meeting, sessions) if f.severity == "warning"]
    assert [f.kind for f in findings] == ["speaker_double_booked"]  # the one deliberate conflict, nothing else
    places = services.places([s.id for s in sessions])
    full = [s for s in sessions if s.capacity and places.get(s.id, (0, 0))[0] == s.capacity
            and places[s.id][1] > 0]
    assert len(full) == 1  # one workshop full, with a waitlist


def test_demo_sign_ups_never_overlap_for_one_person(db, meeting, people):
    add_demo_agenda(meeting, random.Random(3))
    db.session.commit()
    for person in people[:20]:
        mine = [s for s in services.own_agenda(meeting, person) if not s.kind.for_everyone]
        assert services.overlapping_pairs(mine) == []
    assert all(s.status != SignupStatus.cancelled for s in db.session.scalars(db.select(SessionSignup)))


def test_demo_agenda_is_added_once(db, meeting, people):
    add_demo_agenda(meeting, random.Random(1))
    assert add_demo_agenda(meeting, random.Random(1)) == {"rooms": 0, "sessions": 0}


def test_demo_agenda_without_participants(db, meeting):
    assert add_demo_agenda(meeting, random.Random(1))["sessions"] >= 38
    findings = checks.agenda_findings(meeting, services.list_sessions(meeting))
    # only the outside keynote speaks (South Africa): the other four regions have no speaker, and nothing clashes
    assert [f.kind for f in findings] == ["region_without_speaker"] * 4
