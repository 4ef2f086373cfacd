"""Live counts at the door, checked against counts computed independently from what the test did."""
import csv
from collections import Counter
from datetime import timedelta

import pytest

from meeting_manager.checkin.services import check_in, check_out, correct, live_counts
from meeting_manager.reference.services import COUNTRIES_CSV
from meeting_manager.registration.models import RegistrationStatus

PEOPLE = [  # country, category
    ("KE", "civil_society"), ("NG", "state"), ("DE", "state"), ("PL", "academia"), ("BR", "civil_society"),
    ("CN", "expert"), ("IN", "state"), ("US", "press"), ("FR", "civil_society"), ("PR", "academia"),
    ("KE", "state"), ("AR", "international_org"),
]


def un_groups() -> dict[str, str]:
    with open(COUNTRIES_CSV, newline="", encoding="utf-8") as handle:
        return {row["iso2"]: row["un_regional_group"] for row in csv.DictReader(handle)}


@pytest.fixture
def scene(db, meeting, make_meeting, make_attendee, make_registration, staff, make_checkin_session):
    """Who was checked in where: only the day list of the first day should count."""
    day = meeting.starts_on
    people = [make_attendee(meeting, country=c, category_code=k) for c, k in PEOPLE]
    present = people[:9]
    for person in present:
        check_in(meeting, person, day=day, actor=staff, method="scan")
        check_in(meeting, person, day=day, actor=staff, method="scan")  # scanned twice: still once
    # voided: the check-in of people[8] was a mistake
    from meeting_manager.checkin.services import last_move
    correct(meeting, last_move(people[8], day), actor=staff, reason="wrong person")
    present = present[:8]
    # only in a session, or on another day: not on today's day list
    room = make_checkin_session(meeting, day).id
    check_in(meeting, people[9], day=day, session_id=room, actor=staff, method="scan")
    check_in(meeting, people[0], day=day, session_id=room, actor=staff, method="scan")
    check_out(meeting, people[0], day=day, session_id=room, actor=staff, method="scan")
    check_in(meeting, people[0], day=day, session_id=room, actor=staff, method="scan")
    check_in(meeting, people[10], day=day + timedelta(days=1), actor=staff, method="scan")
    # another meeting's attendance never leaks in
    other = make_meeting(title="Other", starts_on=day, ends_on=day)
    check_in(other, make_attendee(other, country="KE"), day=day, actor=staff, method="scan")
    make_registration(meeting, country="KE", status=RegistrationStatus.cancelled)
    db.session.commit()
    return {"day": day, "people": people, "present": present, "room": room}


def test_live_counts_equal_independent_counts(meeting, scene):
    counts = live_counts(meeting, scene["day"])
    groups = un_groups()
    names = {c.code: c.name for c in meeting.categories}
    expected_categories = Counter(names[k] for _c, k in PEOPLE[:8])
    expected_regions = Counter(groups.get(c, "none") for c, _k in PEOPLE[:8])
    approved_categories = Counter(names[k] for _c, k in PEOPLE)

    assert counts.total == 8
    assert counts.expected == len(PEOPLE)
    assert {r.label: r.count for r in counts.by_category if r.count} == dict(expected_categories)
    assert {r.label: r.expected for r in counts.by_category if r.expected} == dict(approved_categories)
    assert sum(r.count for r in counts.by_region) == 8
    by_region = {r.label: r.count for r in counts.by_region if r.count}
    assert by_region == {("Not in a region" if g == "none" else g): n for g, n in expected_regions.items()}


def test_session_counts(meeting, scene):
    [room] = live_counts(meeting, scene["day"]).sessions
    assert (room.session_id, room.present, room.attended, room.entries) == (scene["room"], 2, 2, 3)


def test_every_category_is_listed_even_at_zero(meeting, scene):
    counts = live_counts(meeting, scene["day"] + timedelta(days=2))
    assert counts.total == 0 and [r.label for r in counts.by_category] == [c.name for c in meeting.categories]


def test_live_json_matches_the_service(client, auth, meeting, scene, staff):
    auth.sign_in(staff)
    data = client.get(f"/meetings/{meeting.id}/checkin/live.json?day={scene['day'].isoformat()}").get_json()
    assert data == live_counts(meeting, scene["day"]).as_dict()
    assert data["total"] == 8


def test_live_page_has_tables_for_screen_readers(client, auth, meeting, scene, staff):
    auth.sign_in(staff)
    page = client.get(f"/meetings/{meeting.id}/checkin/live?day={scene['day'].isoformat()}").text
    assert "<caption>By category</caption>" in page and "<caption>By region</caption>" in page
    assert 'id="live-total">8<' in page
    assert "js/checkin.js" in page and "<script>" not in page
