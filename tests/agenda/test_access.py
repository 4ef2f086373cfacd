"""Who may use which agenda page: organisers only for building it, the public for published sessions of meetings
out of draft, participants for their own agenda."""
import pytest

from meeting_manager.access import ORGANISER, PUBLIC, SIGNED_IN
from meeting_manager.meetings.models import MeetingStatus
from meeting_manager.registration.models import RegistrationStatus


def agenda_routes(app, rule):
    for url_rule in app.url_map.iter_rules():
        view = app.view_functions[url_rule.endpoint]
        if url_rule.endpoint.startswith("agenda.") and getattr(view, "access_rule", None) is rule:
            method = "GET" if "GET" in url_rule.methods else "POST"
            yield url_rule, method


def _fill(path, values):
    for name, value in values.items():
        for pattern in (f"<int:{name}>", f"<{name}>", f"<any(csv, xlsx):{name}>"):
            path = path.replace(pattern, str(value))
    return path


@pytest.fixture
def objects(meeting, make_room, make_agenda_session):
    room = make_room(meeting)
    return room, make_agenda_session(meeting, room=room, capacity=5)


def test_every_agenda_route_names_its_rule(app):
    endpoints = [r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("agenda.")]
    assert endpoints and all(getattr(app.view_functions[e], "access_rule", None) for e in endpoints)
    assert len(list(agenda_routes(app, ORGANISER))) >= 15


@pytest.mark.parametrize("who", ["anonymous", "participant", "staff", "other organiser"])
def test_organiser_pages_are_refused_to_others(app, client, auth, meeting, objects, who, participant, staff,
                                               make_user, make_meeting, make_registration):
    room, session = objects
    if who == "participant":
        make_registration(meeting, status=RegistrationStatus.approved, user_id=participant.id)
        auth.sign_in(participant)
    elif who == "staff":
        auth.sign_in(staff)
    elif who == "other organiser":
        auth.sign_in(make_user(roles=[(make_meeting(title="Their own meeting"), "organiser")]))
    for rule, method in agenda_routes(app, ORGANISER):
        path = _fill(rule.rule, {"meeting_id": meeting.id, "room_id": room.id, "session_id": session.id, "fmt": "csv"})
        response = client.open(path, method=method)
        if who == "anonymous":
            assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"], path
        else:
            assert response.status_code == 403, (path, method, response.status_code)


def test_organiser_pages_open_to_their_organiser(app, client, auth, organiser, meeting, objects):
    room, session = objects
    auth.sign_in(organiser)
    for rule, method in agenda_routes(app, ORGANISER):
        if method != "GET":
            continue
        path = _fill(rule.rule, {"meeting_id": meeting.id, "room_id": room.id, "session_id": session.id, "fmt": "csv"})
        assert client.get(path).status_code == 200, path


def test_admin_may_manage_any_agenda(client, auth, admin, meeting):
    auth.sign_in(admin)
    assert client.get(f"/meetings/{meeting.id}/agenda").status_code == 200


def test_signed_in_pages_send_anonymous_users_to_sign_in(app, client, meeting, objects):
    _room, session = objects
    for rule, method in agenda_routes(app, SIGNED_IN):
        path = _fill(rule.rule, {"meeting_id": meeting.id, "session_id": session.id})
        response = client.open(path, method=method)
        assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"], path


def public_paths(meeting, session):
    return [f"/meetings/{meeting.id}/programme", f"/meetings/{meeting.id}/programme/{session.id}",
            f"/meetings/{meeting.id}/programme.ics", f"/meetings/{meeting.id}/programme.pdf"]


def test_published_agenda_is_public(app, client, meeting, objects):
    _room, session = objects
    assert {r.rule for r, _m in agenda_routes(app, PUBLIC)} == {
        "/meetings/<int:meeting_id>/programme", "/meetings/<int:meeting_id>/programme/<int:session_id>",
        "/meetings/<int:meeting_id>/programme.ics", "/meetings/<int:meeting_id>/programme.pdf",
        # a person's calendar feed: no sign-in, but only with the secret in its URL (tests/agenda/test_feed.py)
        "/calendar/<token>.ics"}
    for path in public_paths(meeting, session):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("signed_in_as", [None, "participant"])
def test_drafts_are_not_public(client, auth, db, meeting, objects, participant, make_registration, signed_in_as):
    _room, session = objects
    meeting.status = MeetingStatus.draft
    db.session.commit()
    if signed_in_as:
        make_registration(meeting, status=RegistrationStatus.approved, user_id=participant.id)
        auth.sign_in(participant)
    own = [f"/meetings/{meeting.id}/my-agenda", f"/meetings/{meeting.id}/my-agenda.ics"] if signed_in_as else []
    for path in public_paths(meeting, session) + own:
        assert client.get(path).status_code == 404, path


def test_unpublished_sessions_are_not_public(client, meeting, make_agenda_session):
    draft = make_agenda_session(meeting, "Secret side event", published=False)
    make_agenda_session(meeting, "Public workshop")
    assert client.get(f"/meetings/{meeting.id}/programme/{draft.id}").status_code == 404
    page = client.get(f"/meetings/{meeting.id}/programme").text
    assert "Public workshop" in page and "Secret side event" not in page
    assert b"Secret side event" not in client.get(f"/meetings/{meeting.id}/programme.ics").data


def test_a_session_is_only_found_under_its_own_meeting(client, meeting, make_meeting, make_agenda_session):
    other = make_agenda_session(make_meeting(title="Elsewhere"))
    assert client.get(f"/meetings/{meeting.id}/programme/{other.id}").status_code == 404


def test_public_pages_name_only_people_who_agreed(client, meeting, make_agenda_session, make_registration):
    listed = make_registration(meeting, given_name="Listed", family_name="Speaker",
                               status=RegistrationStatus.approved, public_listing_consent=True)
    unlisted = make_registration(meeting, given_name="Unlisted", family_name="Speaker",
                                 status=RegistrationStatus.approved, public_listing_consent=False)
    session = make_agenda_session(meeting, speakers=[listed, unlisted])
    for path in (f"/meetings/{meeting.id}/programme", f"/meetings/{meeting.id}/programme/{session.id}"):
        page = client.get(path).text
        assert "Listed Speaker" in page and "Unlisted" not in page and "a speaker" in page
        assert unlisted.email not in page


def test_typed_html_shows_as_text(client, meeting, make_agenda_session):
    session = make_agenda_session(meeting, "<script>alert(1)</script>", description="<b>bold</b>")
    page = client.get(f"/meetings/{meeting.id}/programme/{session.id}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;bold" in page


def test_meeting_page_links_to_its_agenda(client, db, meeting):
    assert f'href="/meetings/{meeting.id}/programme"' in client.get(f"/meetings/{meeting.id}").text
