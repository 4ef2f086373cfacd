"""Defect 10: a private, revocable calendar feed URL that a calendar app subscribes to, reading only that person's
agenda (no session cookie needed)."""
import re

from icalendar import Calendar


def feed_url(page_text: str) -> str:
    return re.search(r'value="(http[^"]+/calendar/[^"]+\.ics)"', page_text)[1]


def test_a_feed_url_reads_my_agenda_without_a_cookie_and_stops_when_revoked(app, register, approve, meeting,
                                                                            make_agenda_session, db):
    make_agenda_session(meeting, "Opening plenary", kind="plenary")
    owner, registration = register()
    approve(registration)
    page = owner.post(f"/meetings/{meeting.id}/my-agenda/feed")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    url = feed_url(page.text)
    path = "/" + url.split("/", 3)[3]
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in (registration.calendar_token or "")  # only the hash is kept
    stranger = app.test_client()  # a calendar app: no cookie
    response = stranger.get(path)
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    events = list(Calendar.from_ical(response.data).walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["Opening plenary"]
    # a new address replaces the old one
    newer = feed_url(owner.post(f"/meetings/{meeting.id}/my-agenda/feed").text)
    assert stranger.get(path).status_code == 404
    newer_path = "/" + newer.split("/", 3)[3]
    assert stranger.get(newer_path).status_code == 200
    assert owner.post(f"/meetings/{meeting.id}/my-agenda/feed/revoke").status_code == 303
    assert stranger.get(newer_path).status_code == 404
    assert stranger.get("/calendar/not-a-token.ics").status_code == 404


def test_someone_without_a_registration_gets_no_feed(client, auth, participant, meeting):
    auth.sign_in(participant)
    assert client.post(f"/meetings/{meeting.id}/my-agenda/feed").status_code == 403
