"""Creating and editing meetings, the public list and page, drafts, past editions and time zones."""
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest

from meeting_manager.accounts.models import MeetingRole
from meeting_manager.audit.models import AuditEvent
from meeting_manager.meetings.models import DEFAULT_CATEGORIES, Meeting, MeetingStatus, RegistrationMode
from meeting_manager.meetings.services import form_data, to_local, to_utc, update_meeting
from meeting_manager.reference.services import M49_KEY, UN_GROUPS_KEY, list_schemes

from .test_forms import meeting_data


def test_admin_creates_a_meeting_and_becomes_its_organiser(client, auth, admin, reference, db):
    auth.sign_in(admin)
    assert client.get("/meetings/new").status_code == 200
    response = client.post("/meetings/new", data=meeting_data())
    meeting = db.session.scalar(db.select(Meeting))
    assert response.headers["Location"] == f"/meetings/{meeting.id}/manage"
    roles = db.session.scalars(db.select(MeetingRole).where(MeetingRole.meeting_id == meeting.id)).all()
    assert [(r.user_id, r.role.value) for r in roles] == [(admin.id, "organiser")]
    assert [c.code for c in meeting.categories] == [code for code, *_ in DEFAULT_CATEGORIES]
    assert {c.code for c in meeting.categories if not c.counts_toward_balance} == {"press", "staff"}
    assert meeting.region_scheme.key == UN_GROUPS_KEY
    assert meeting.status == MeetingStatus.open and meeting.registration_mode == RegistrationMode.open
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "meeting.create"))
    assert event.actor_id == admin.id and event.meeting_id == meeting.id


def test_organiser_of_an_earlier_meeting_may_create_the_next_and_runs_it(client, auth, organiser, meeting, db):
    auth.sign_in(organiser)
    client.post("/meetings/new", data=meeting_data(title="Global Meeting 2028", previous_id=str(meeting.id)))
    new = db.session.scalar(db.select(Meeting).where(Meeting.title == "Global Meeting 2028"))
    assert new.previous_id == meeting.id
    assert organiser.has_meeting_role(new.id, ["organiser"])
    assert client.get(f"/meetings/{new.id}/edit").status_code == 200


@pytest.mark.parametrize("who", ["staff", "participant"])
def test_staff_and_participants_cannot_create_meetings(client, auth, request, reference, db, who):
    auth.sign_in(request.getfixturevalue(who))
    count = db.session.scalar(db.select(db.func.count(Meeting.id)))
    assert client.get("/meetings/new").status_code == 403
    assert client.post("/meetings/new", data=meeting_data()).status_code == 403
    assert db.session.scalar(db.select(db.func.count(Meeting.id))) == count


def test_the_scheme_can_be_chosen(client, auth, admin, reference, db):
    m49 = next(s for s in list_schemes() if s.key == M49_KEY)
    auth.sign_in(admin)
    client.post("/meetings/new", data=meeting_data(region_scheme_id=str(m49.id)))
    assert db.session.scalar(db.select(Meeting)).region_scheme_id == m49.id


def test_edit_stores_local_times_as_utc(client, auth, organiser, meeting, db):
    """Nairobi is UTC+3 all year; Berlin is UTC+2 in summer and UTC+1 in winter."""
    auth.sign_in(organiser)
    response = client.post(f"/meetings/{meeting.id}/edit", data=meeting_data(
        timezone="Africa/Nairobi", registration_opens_at="2028-01-10T09:00",
        registration_closes_at="2028-03-31T17:30", edit_deadline="2028-04-15T23:59"))
    assert response.status_code == 302
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.registration_opens_at == datetime(2028, 1, 10, 6, 0, tzinfo=UTC)
    assert meeting.registration_closes_at == datetime(2028, 3, 31, 14, 30, tzinfo=UTC)
    assert meeting.edit_deadline == datetime(2028, 4, 15, 20, 59, tzinfo=UTC)
    assert meeting.registration_opens_at.utcoffset() == timedelta(0)

    client.post(f"/meetings/{meeting.id}/edit", data=meeting_data(
        timezone="Europe/Berlin", registration_opens_at="2028-01-10T09:00", registration_closes_at="2028-07-01T12:00"))
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.registration_opens_at == datetime(2028, 1, 10, 8, 0, tzinfo=UTC)
    assert meeting.registration_closes_at == datetime(2028, 7, 1, 10, 0, tzinfo=UTC)

    # The form shows the times back in the meeting's zone, as they were typed.
    html = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert 'value="2028-01-10T09:00"' in html and 'value="2028-07-01T12:00"' in html
    assert "Europe/Berlin" in html


def form_fields(html: str) -> dict:
    """What a browser would submit for the form as rendered: inputs, checked boxes, selected options, textareas."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and ('type="checkbox"' not in tag or " checked" in tag):
            value = unescape(value.group(1)) if value else ""
            if name.group(1) in fields:  # several checked boxes of one name (the languages offered)
                previous = fields[name.group(1)]
                value = [*(previous if isinstance(previous, list) else [previous]), value]
            fields[name.group(1)] = value
    for name, body in re.findall(r'<select[^>]*name="([^"]*)"[^>]*>(.*?)</select>', html, re.DOTALL):
        chosen = re.search(r'<option selected value="([^"]*)"', body) or re.search(r'<option value="([^"]*)"', body)
        fields[name] = unescape(chosen.group(1))
    for name, body in re.findall(r'<textarea[^>]*name="([^"]*)"[^>]*>(.*?)</textarea>', html, re.DOTALL):
        fields[name] = unescape(body.removeprefix("\r\n").removeprefix("\n"))
    return fields


def test_saving_the_edit_form_unchanged_changes_nothing(client, auth, organiser, meeting, db):
    """The form as a browser shows it (datetime-local needs "2028-01-10T09:00") must save back to the same values."""
    auth.sign_in(organiser)
    client.post(f"/meetings/{meeting.id}/edit", data=meeting_data(
        timezone="Asia/Kolkata", registration_opens_at="2028-01-10T09:30", registration_closes_at="2028-03-01T18:00",
        edit_deadline="2028-04-01T12:00", description="Line one.\n\nLine two."))
    db.session.expire_all()
    before = form_data(db.session.get(Meeting, meeting.id))
    fields = form_fields(client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True))
    assert fields["registration_opens_at"] == "2028-01-10T09:30"
    assert client.post(f"/meetings/{meeting.id}/edit", data=fields).status_code == 302
    db.session.expire_all()
    assert form_data(db.session.get(Meeting, meeting.id)) == before


def test_edit_changes_the_details_and_keeps_the_rest(client, auth, organiser, meeting, db):
    categories = [c.id for c in meeting.categories]
    auth.sign_in(organiser)
    client.post(f"/meetings/{meeting.id}/edit", data=meeting_data(
        title="Global Meeting 2026 (moved)", status="closed", registration_mode="invitation_only", capacity="120"))
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert (meeting.title, meeting.status, meeting.registration_mode, meeting.capacity) == (
        "Global Meeting 2026 (moved)", MeetingStatus.closed, RegistrationMode.invitation_only, 120)
    assert [c.id for c in meeting.categories] == categories
    assert organiser.has_meeting_role(meeting.id, ["organiser"])
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "meeting.update"))
    assert event.actor_id == organiser.id and "title" in event.details["fields"]


def test_an_invalid_edit_changes_nothing(client, auth, organiser, meeting, db):
    auth.sign_in(organiser)
    response = client.post(f"/meetings/{meeting.id}/edit", data=meeting_data(title="Changed", ends_on="2020-01-01"))
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).title == "Global Meeting 2026"


def test_a_meeting_cannot_follow_itself(client, auth, organiser, meeting, db):
    auth.sign_in(organiser)
    html = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    previous = html.split('name="previous_id"', 1)[1].split("</select>", 1)[0]
    assert f'value="{meeting.id}"' not in previous
    client.post(f"/meetings/{meeting.id}/edit", data=meeting_data(previous_id=str(meeting.id)))
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).previous_id is None


def test_edit_form_is_prefilled(client, auth, organiser, meeting):
    auth.sign_in(organiser)
    html = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert f'value="{meeting.title}"' in html and 'value="300"' in html
    assert f'value="{meeting.starts_on.isoformat()}"' in html
    assert '<option selected value="Europe/Berlin">' in html or 'value="Europe/Berlin" selected' in html


def test_past_editions_stay_listed(client, make_meeting):
    past = make_meeting(title="Global Meeting 2022", edition=3, starts_on=date(2022, 6, 1), ends_on=date(2022, 6, 3),
                        status=MeetingStatus.archived)
    closed = make_meeting(title="Global Meeting 2024", edition=4, starts_on=date(2024, 6, 1),
                          ends_on=date(2024, 6, 3), status=MeetingStatus.closed)
    current = make_meeting(title="Global Meeting 2026")
    html = client.get("/").get_data(as_text=True)
    positions = [html.index(m.title) for m in (current, closed, past)]
    assert positions == sorted(positions), "newest first"
    assert html.count("past edition") == 2
    assert client.get(f"/meetings/{past.id}").status_code == 200


def test_drafts_are_not_public(client, auth, make_meeting, make_user, participant):
    draft = make_meeting(title="Secret planning", status=MeetingStatus.draft)
    organiser = make_user("Draft Organiser", roles=[(draft, "organiser")])
    other = make_user("Other Organiser", roles=[(make_meeting(title="Other"), "organiser")])
    assert client.get(f"/meetings/{draft.id}").status_code == 404
    assert "Secret planning" not in client.get("/").get_data(as_text=True)
    for user in (participant, other):
        auth.sign_in(user)
        assert client.get(f"/meetings/{draft.id}").status_code == 404
        assert "Secret planning" not in client.get("/").get_data(as_text=True)
        auth.sign_out()
    auth.sign_in(organiser)
    assert client.get(f"/meetings/{draft.id}").status_code == 200
    assert "Secret planning" in client.get("/").get_data(as_text=True)  # under "Meetings you work on"


def test_public_page_shows_what_a_participant_needs(client, make_meeting, db):
    meeting = make_meeting(
        title="Global Meeting 2026", edition=5, starts_on=date(2026, 12, 7), ends_on=date(2026, 12, 9),
        venue="Palais des Nations", city="Genève", country_code="CH", timezone="Europe/Zurich",
        registration_mode=RegistrationMode.invitation_only, description="First paragraph.\n\nSecond paragraph.",
    )
    meeting.registration_closes_at = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    db.session.commit()
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    for text in ("Global Meeting 2026", "Edition 5", "Monday, December 7, 2026", "Wednesday, December 9, 2026",
                 "Palais des Nations, Genève, Switzerland", "Europe/Zurich", "By invitation only",
                 "Closes 30 November 2026, 17:00 (Europe/Zurich)", "<p>First paragraph.</p>",
                 "<p>Second paragraph.</p>"):
        assert text in html, text


def test_public_page_of_an_open_meeting(client, meeting):
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Open to all" in html
    assert "Opens " not in html  # it opened yesterday


def test_public_page_says_when_registration_opens(client, meeting, db):
    meeting.timezone = "Asia/Tokyo"
    meeting.registration_opens_at = datetime(2099, 1, 4, 0, 30, tzinfo=UTC)
    db.session.commit()
    assert "Opens 04 January 2099, 09:30 (Asia/Tokyo)" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)


def test_unknown_meeting_is_404(client, reference):
    assert client.get("/meetings/987654").status_code == 404


def test_manage_page_lists_the_categories(client, auth, staff, meeting):
    auth.sign_in(staff)
    html = client.get(f"/meetings/{meeting.id}/manage").get_data(as_text=True)
    assert "State representative" in html and "Press (not counted)" in html


# --- services --------------------------------------------------------------------------------------------------


def test_to_utc_and_back():
    local = datetime(2028, 3, 26, 12, 0)
    moment = to_utc(local, "America/Sao_Paulo")
    assert moment == datetime(2028, 3, 26, 15, 0, tzinfo=UTC)
    assert to_local(moment, "America/Sao_Paulo") == local
    assert to_utc(None, "UTC") is None and to_local(None, "UTC") is None


def test_form_data_shows_local_times(meeting, db):
    update_meeting(meeting, {"timezone": "Asia/Tokyo", "registration_opens_at": datetime(2027, 1, 5, 9, 0)},
                   actor=None)
    db.session.commit()
    assert meeting.registration_opens_at == datetime(2027, 1, 5, 0, 0, tzinfo=UTC)
    data = form_data(meeting)
    assert data["registration_opens_at"] == datetime(2027, 1, 5, 9, 0)
    assert data["status"] == "open" and data["timezone"] == "Asia/Tokyo"


def test_registration_window(meeting, db):
    now = datetime(2027, 1, 1, tzinfo=UTC)
    meeting.registration_opens_at = now - timedelta(days=1)
    meeting.registration_closes_at = now + timedelta(days=1)
    assert meeting.registration_is_open(now)
    assert not meeting.registration_is_open(now + timedelta(days=1))
    assert not meeting.registration_is_open(now - timedelta(days=2))
    meeting.status = MeetingStatus.closed
    assert not meeting.registration_is_open(now)
