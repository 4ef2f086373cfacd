"""Desk search: names in any script, case and accents ignored, by delegation too; one tap checks in."""
import pytest
from sqlalchemy import select

from meeting_manager.checkin.models import Attendance, CheckInMethod
from meeting_manager.checkin.services import check_in, normalise, search_desk
from meeting_manager.delegations.models import Delegation, DelegationKind
from meeting_manager.registration.models import RegistrationStatus

#: the desk records only today: its clock is on the first day of the meeting
pytestmark = pytest.mark.usefixtures("desk_on_first_day")


@pytest.fixture
def crowd(db, meeting, make_attendee, make_registration):
    mission = Delegation(meeting_id=meeting.id, name="Permanent Mission of Côte d’Ivoire", kind=DelegationKind.state,
                         country_code="CI", seats=3, focal_point_name="F", focal_point_email="f@example.org")
    db.session.add(mission)
    db.session.commit()
    return {
        "lukasz": make_attendee(meeting, given_name="Łukasz", family_name="Wiśniewski", country="PL"),
        "lucas": make_attendee(meeting, given_name="Lucas", family_name="Moreau", country="FR"),
        "mohammed": make_attendee(meeting, given_name="محمد", family_name="العلي", country="JO"),
        "wang": make_attendee(meeting, given_name="芳", family_name="王", country="CN"),
        "hyphen": make_attendee(meeting, given_name="Ayesha", family_name="Tanaka-Reyes", country="PH"),
        "awa": make_attendee(meeting, given_name="Awa", family_name="Koné", country="CI", delegation_id=mission.id),
        "cancelled": make_registration(meeting, given_name="Łucja", family_name="Nowak",
                                       status=RegistrationStatus.cancelled),
    }


def found(meeting, query):
    return [row.registration for row in search_desk(meeting, query, day=meeting.starts_on).rows]


@pytest.mark.parametrize("query, who", [
    ("Łukasz", "lukasz"), ("łukasz", "lukasz"), ("LUKASZ", "lukasz"), ("lukasz wisniewski", "lukasz"),
    ("wiśn", "lukasz"),
    ("محمد", "mohammed"), ("مُحَمَّد", "mohammed"), ("العلي", "mohammed"),
    ("王", "wang"), ("王芳", "wang"),
    ("علي", "mohammed"),
    ("cote d’ivoire", "awa"), ("ivoire", "awa"), ("Koné", "awa"), ("kone", "awa"), ("tanaka", "hyphen"),
    ("reyes", "hyphen"),
])
def test_search_finds_names_in_any_script(meeting, crowd, query, who):
    assert crowd[who] in found(meeting, query)


def test_search_does_not_find_others(meeting, crowd):
    assert found(meeting, "Łukasz") == [crowd["lukasz"]]
    assert found(meeting, "王") == [crowd["wang"]]
    assert found(meeting, "nobody-like-this") == []
    # a typed word must begin a word: "ana" is not found inside Tanaka
    assert found(meeting, "ana") == []


def test_search_lists_approved_people_first_and_shows_the_rest(meeting, crowd):
    assert found(meeting, "nowak") == [crowd["cancelled"]]
    assert found(meeting, "łu") == [crowd["lucas"], crowd["lukasz"], crowd["cancelled"]]


def test_search_says_who_is_in_already(meeting, crowd, staff):
    first = check_in(meeting, crowd["lukasz"], day=meeting.starts_on, actor=staff, method="scan")
    [row] = search_desk(meeting, "Łukasz", day=meeting.starts_on).rows
    assert row.since == first.since and row.collected is False


def test_normalise_folds_case_accents_and_arabic_marks():
    assert normalise("ŁÓDŹ") == normalise("lodz") == "lodz"
    assert normalise("مُحَمَّد") == "محمد"
    assert normalise("Ærø") == "aero"


def test_desk_search_and_one_tap_check_in_over_http(db, client, auth, meeting, crowd, staff):
    auth.sign_in(staff)
    day = meeting.starts_on.isoformat()
    response = client.post(f"/meetings/{meeting.id}/checkin/search", data={"q": "lukasz", "day": day, "session": ""})
    assert response.status_code == 200
    page = response.text
    assert "Łukasz Wiśniewski" in page and "Civil society" in page and "approved" in page and "Not in yet" in page
    tap = f"/meetings/{meeting.id}/checkin/registrations/{crowd['lukasz'].id}/check-in"
    assert f'action="{tap}"' in page
    response = client.post(tap, data={"day": day, "session": ""})
    assert response.status_code == 303 and "lukasz" not in response.headers["Location"].lower()
    card = client.get(response.headers["Location"]).text
    assert "Checked in" in card and "Łukasz Wiśniewski" in card
    [row] = db.session.scalars(select(Attendance)).all()
    assert row.method == CheckInMethod.search and row.by_id == staff.id
    again = client.post(tap, data={"day": day, "session": ""})
    assert "Already in since" in client.get(again.headers["Location"]).text
    assert len(db.session.scalars(select(Attendance)).all()) == 1


def test_search_results_say_in_since(client, auth, meeting, crowd, staff):
    check_in(meeting, crowd["wang"], day=meeting.starts_on, actor=staff, method="scan")
    from meeting_manager.extensions import db
    db.session.commit()
    auth.sign_in(staff)
    page = client.post(f"/meetings/{meeting.id}/checkin/search",
                       data={"q": "王", "day": meeting.starts_on.isoformat(), "session": ""}).text
    assert "In since" in page and "/check-in" not in page


def test_empty_search_is_refused_with_a_message(client, auth, meeting, staff):
    auth.sign_in(staff)
    response = client.post(f"/meetings/{meeting.id}/checkin/search",
                           data={"q": "  ", "day": meeting.starts_on.isoformat(), "session": ""})
    assert response.status_code == 422 and "This field is required" in response.text
