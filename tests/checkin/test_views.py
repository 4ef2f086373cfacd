"""The desk over HTTP: the JSON scan endpoint with its CSRF header, refusals, and who may use which page."""
import re

import pytest
from sqlalchemy import func, select

from meeting_manager.checkin.models import Attendance
from meeting_manager.checkin.services import badge_payload
from meeting_manager.registration.models import RegistrationStatus

from . import test_offline

#: the desk records only today: its clock is on the first day of the meeting
pytestmark = pytest.mark.usefixtures("desk_on_first_day")


def scan_url(meeting):
    return f"/meetings/{meeting.id}/checkin/scan"


def attendance_count(db):
    return db.session.scalar(select(func.count()).select_from(Attendance))


@pytest.fixture
def signed_in_staff(auth, staff):
    auth.sign_in(staff)
    return staff


def test_desk_page(client, meeting, signed_in_staff):
    page = client.get(f"/meetings/{meeting.id}/checkin").text
    assert '<meta name="csrf-token"' in page
    assert "Scan a badge" in page and "Find a person" in page
    assert "vendor/jsqr/jsQR.js" in page and "js/checkin.js" in page
    assert "<script>" not in page and "style=" not in page
    assert f'data-day="{meeting.starts_on.isoformat()}"' in page  # a future meeting opens on its first day


def test_scan_endpoint_needs_the_csrf_header(app, db, client, meeting, make_attendee, signed_in_staff):
    person = make_attendee(meeting, given_name="Łukasz", family_name="Nowak")
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(f"/meetings/{meeting.id}/checkin").text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    body = {"payload": badge_payload(person), "day": meeting.starts_on.isoformat()}
    headers = {"Accept": "application/json"}

    refused = client.post(scan_url(meeting), json=body, headers=headers)
    assert refused.status_code == 400 and attendance_count(db) == 0

    first = client.post(scan_url(meeting), json=body, headers={**headers, "X-CSRFToken": token})
    assert first.status_code == 200
    data = first.get_json()
    assert data["result"] == "checked_in" and data["name"] == "Łukasz Nowak" and data["category"] == "Civil society"

    second = client.post(scan_url(meeting), json=body, headers={**headers, "X-CSRFToken": token})
    assert second.get_json()["result"] == "already_in" and second.get_json()["since"] == data["since"]
    assert attendance_count(db) == 1


@pytest.mark.parametrize("status, words", [(RegistrationStatus.cancelled, "cancelled"),
                                           (RegistrationStatus.declined, "declined")])
def test_scan_refuses_with_a_plain_message(db, client, meeting, make_registration, signed_in_staff, status, words):
    person = make_registration(meeting, status=status)
    response = client.post(scan_url(meeting), json={"payload": badge_payload(person)})
    data = response.get_json()
    assert response.status_code == 422 and data["result"] == "refused" and words in data["message"]
    assert "name" not in data and attendance_count(db) == 0


def test_scan_refuses_unknown_and_other_meetings(db, client, meeting, make_meeting, make_attendee, signed_in_staff):
    unknown = client.post(scan_url(meeting), json={"payload": "hello"}).get_json()
    assert unknown["reason"] == "unknown" and unknown["message"].startswith("Unknown badge")
    other = make_meeting(title="Other")
    elsewhere = client.post(scan_url(meeting), json={"payload": badge_payload(make_attendee(other))}).get_json()
    assert elsewhere["reason"] == "other_meeting" and elsewhere["message"] == "This badge is not for this meeting."
    assert attendance_count(db) == 0


def test_scan_in_a_session_room_and_out(db, client, meeting, make_attendee, make_checkin_session, signed_in_staff):
    person = make_attendee(meeting)
    room = make_checkin_session(meeting)
    body = {"payload": badge_payload(person), "day": meeting.starts_on.isoformat(), "session": room.id}
    assert client.post(scan_url(meeting), json=body).get_json()["result"] == "checked_in"
    assert client.post(scan_url(meeting), json={**body, "direction": "out"}).get_json()["result"] == "checked_out"
    assert client.post(scan_url(meeting), json=body).get_json()["result"] == "checked_in"
    rows = db.session.scalars(select(Attendance)).all()
    assert [r.session_id for r in rows] == [room.id] * 3


def test_card_page_offers_check_out_in_a_session(db, client, meeting, make_attendee, make_checkin_session,
                                                 signed_in_staff):
    person, room = make_attendee(meeting), make_checkin_session(meeting)
    data = {"day": meeting.starts_on.isoformat(), "session": str(room.id)}
    base = f"/meetings/{meeting.id}/checkin/registrations/{person.id}"
    card = client.get(client.post(base + "/check-in", data=data).headers["Location"]).text
    assert "Check out of this room" in card
    card = client.get(client.post(base + "/check-out", data=data).headers["Location"]).text
    assert "Checked out" in card and attendance_count(db) == 2


def test_correction_over_http(db, client, meeting, make_attendee, signed_in_staff):
    person = make_attendee(meeting)
    base = f"/meetings/{meeting.id}/checkin"
    client.post(f"{base}/registrations/{person.id}/check-in", data={"day": meeting.starts_on.isoformat()})
    row = db.session.scalar(select(Attendance))
    assert client.post(f"{base}/attendance/{row.id}/correct", data={"reason": ""}).status_code == 303
    assert attendance_count(db) == 1
    response = client.post(f"{base}/attendance/{row.id}/correct", data={"reason": "wrong person"},
                           follow_redirects=True)
    assert "Entry corrected." in response.text and "voided" in response.text
    assert attendance_count(db) == 2


# --- who may do what -----------------------------------------------------------------------------------------------

@pytest.fixture
def routes(meeting, make_attendee):
    """Every check-in route of the meeting, with a method and body."""
    person = make_attendee(meeting)
    day = {"day": meeting.starts_on.isoformat()}
    base = f"/meetings/{meeting.id}/checkin"
    return [
        ("get", base, None), ("get", f"{base}/live", None), ("get", f"{base}/live.json", None),
        ("get", f"{base}/registrations/{person.id}", None),
        ("post", f"{base}/search", {"q": "Amina", **day}),
        ("post", f"{base}/registrations/{person.id}/check-in", day),
        ("post", f"{base}/registrations/{person.id}/badge", {"id_checked": "y"}),
        ("post", f"{base}/scan", "json"),
    ], person


def call(client, method, url, data, person):
    if data == "json":
        return client.post(url, json={"payload": badge_payload(person)})
    return getattr(client, method)(url, data=data)


def test_checkin_routes_are_all_covered(app, routes):
    checkin_rules = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("checkin.")}
    # two routes act on an earlier row (check-out, correction) and are exercised above; recording another day is
    # the organisers' (tests/checkin/test_today.py); replacing a lost badge changes the badge (test_tokens.py);
    # the offline desk app's routes have their own (tests/checkin/test_offline.py)
    assert len(checkin_rules) == len(routes[0]) + 4 + len(test_offline.ROUTES)


@pytest.mark.parametrize("who", ["staff", "organiser", "admin"])
def test_staff_organisers_and_admins_may_use_the_desk(request, db, client, auth, routes, who):
    auth.sign_in(request.getfixturevalue(who))
    for method, url, data in routes[0]:
        assert call(client, method, url, data, routes[1]).status_code in (200, 303), url
    assert attendance_count(db) == 1


def test_participant_gets_403(db, client, auth, participant, routes):
    auth.sign_in(participant)
    for method, url, data in routes[0]:
        assert call(client, method, url, data, routes[1]).status_code == 403, url
    assert attendance_count(db) == 0


def test_anonymous_is_sent_to_sign_in(db, client, routes):
    for method, url, data in routes[0]:
        response = call(client, method, url, data, routes[1])
        assert response.status_code in (302, 401) and attendance_count(db) == 0, url


def test_staff_of_another_meeting_cannot_check_in_here(db, client, auth, make_user, make_meeting, routes):
    other = make_meeting(title="Regional meeting")
    auth.sign_in(make_user("Other Staff", roles=[(other, "staff")]))
    for method, url, data in routes[0]:
        assert call(client, method, url, data, routes[1]).status_code == 403, url
    # nor by naming this meeting's person under their own meeting
    person = routes[1]
    response = client.post(f"/meetings/{other.id}/checkin/registrations/{person.id}/check-in",
                           data={"day": other.starts_on.isoformat()})
    assert response.status_code == 404
    scanned = client.post(f"/meetings/{other.id}/checkin/scan", json={"payload": badge_payload(person)})
    assert scanned.get_json()["reason"] == "other_meeting"
    assert attendance_count(db) == 0


def test_scan_errors_come_back_as_json_with_a_message(db, client, meeting, make_attendee, make_checkin_session,
                                                      signed_in_staff):
    person, room = make_attendee(meeting), make_checkin_session(meeting)
    body = {"payload": badge_payload(person), "day": meeting.starts_on.isoformat()}
    leaving = client.post(scan_url(meeting), json={**body, "session": room.id, "direction": "out"})
    assert leaving.status_code == 400 and leaving.get_json() == {
        "result": "error",
        "message": "This person is not checked in to this session, so there is nothing to check out."}
    wrong_day = client.post(scan_url(meeting), json={**body, "day": "2001-01-01"}).get_json()
    assert wrong_day["result"] == "refused" and "only today" in wrong_day["message"]
    garbled = client.post(scan_url(meeting), json={**body, "session": "x"})
    assert garbled.status_code == 400 and garbled.get_json()["result"] == "error"
    assert attendance_count(db) == 0


def test_refused_one_tap_check_in_flashes_and_records_nothing(db, client, meeting, make_registration,
                                                              signed_in_staff):
    person = make_registration(meeting, status=RegistrationStatus.cancelled)
    desk = f"/meetings/{meeting.id}/checkin"
    response = client.post(f"{desk}/registrations/{person.id}/check-in", data={"day": meeting.starts_on.isoformat()},
                           headers={"Referer": f"http://localhost{desk}"}, follow_redirects=True)
    assert "This badge is cancelled" in response.text and attendance_count(db) == 0


def test_a_tampered_list_is_refused_not_replaced(db, client, meeting, make_attendee, signed_in_staff):
    person = make_attendee(meeting)
    url = f"/meetings/{meeting.id}/checkin/registrations/{person.id}/check-in"
    assert client.post(url, data={"day": "soon"}).status_code == 400
    assert client.post(url, data={"day": meeting.starts_on.isoformat(), "session": "x"}).status_code == 400
    assert attendance_count(db) == 0
    assert client.get(f"/meetings/{meeting.id}/checkin?day=garbage&session=nope").status_code == 200
