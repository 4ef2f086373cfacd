"""The meeting form: every field's validation, through HTTP (nothing is saved when a field is wrong)."""
import pytest

from meeting_manager.meetings.models import Meeting
from meeting_manager.reference.services import default_scheme

UNICODE_TITLE = "Réunion mondiale — 第五届 — Глобальная встреча"


def meeting_data(**overrides) -> dict:
    """A complete, valid submission of the meeting form."""
    data = {
        "title": "Global Meeting 2028", "edition": "6", "description": "Three days on prevention.",
        "starts_on": "2028-05-10", "ends_on": "2028-05-12", "timezone": "Africa/Nairobi",
        "venue": "UN Gigiri", "city": "Nairobi", "country_code": "KE", "capacity": "350",
        "registration_opens_at": "2028-01-01T09:00", "registration_closes_at": "2028-03-31T17:00",
        "edit_deadline": "", "status": "open", "registration_mode": "open",
        "region_scheme_id": str(default_scheme().id), "previous_id": "0",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def count_meetings(db) -> int:
    return db.session.scalar(db.select(db.func.count(Meeting.id)))


@pytest.fixture
def as_admin(client, auth, admin, reference):
    auth.sign_in(admin)
    return client


def test_a_valid_form_creates_the_meeting(as_admin, db):
    response = as_admin.post("/meetings/new", data=meeting_data())
    assert response.status_code == 302
    meeting = db.session.scalar(db.select(Meeting))
    assert (meeting.title, meeting.edition, meeting.capacity, meeting.city) == (
        "Global Meeting 2028", 6, 350, "Nairobi")


@pytest.mark.parametrize("overrides, field, message", [
    ({"title": ""}, "title", "English (the default language) is required."),
    ({"title": "   "}, "title", "English (the default language) is required."),
    ({"title": None}, "title", "English (the default language) is required."),
    ({"title": "x" * 201}, "title", "200"),
    ({"starts_on": ""}, "starts_on", None),
    ({"ends_on": None}, "ends_on", None),
    ({"starts_on": "10/05/2028"}, "starts_on", "Not a valid date value."),
    ({"starts_on": "2028-02-30"}, "starts_on", "Not a valid date value."),
    ({"ends_on": "2028-05-09"}, "ends_on", "The last day cannot be before the first day."),
    ({"capacity": ""}, "capacity", None),
    ({"capacity": "abc"}, "capacity", "Not a valid integer value."),
    ({"capacity": "-5"}, "capacity", "Number must be between 1 and 100000."),
    ({"capacity": "0"}, "capacity", "Number must be between 1 and 100000."),
    ({"capacity": "12.5"}, "capacity", "Not a valid integer value."),
    ({"capacity": "100001"}, "capacity", "Number must be between 1 and 100000."),
    ({"edition": "abc"}, "edition", "Not a valid integer value."),
    ({"edition": "0"}, "edition", "Number must be between 1 and 1000."),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Not a valid choice."),
    ({"timezone": ""}, "timezone", "Not a valid choice."),
    ({"country_code": "XX"}, "country_code", "Not a valid choice."),
    ({"status": "deleted"}, "status", "Invalid Choice"),
    ({"registration_mode": "lottery"}, "registration_mode", "Invalid Choice"),
    ({"region_scheme_id": "987654"}, "region_scheme_id", "Not a valid choice."),
    ({"region_scheme_id": "abc"}, "region_scheme_id", None),
    ({"registration_opens_at": "tomorrow"}, "registration_opens_at", "Not a valid datetime value."),
    ({"registration_closes_at": "2027-12-31T23:59"}, "registration_closes_at",
     "Registration must close after it opens."),
    ({"registration_closes_at": "2028-01-01T09:00"}, "registration_closes_at",
     "Registration must close after it opens."),
    ({"venue": "v" * 201}, "venue", "200"),
    ({"city": "c" * 121}, "city", "120"),
    ({"description": "d" * 20001}, "description", "20000"),
])
def test_bad_field_is_reported_and_nothing_is_saved(as_admin, db, overrides, field, message):
    response = as_admin.post("/meetings/new", data=meeting_data(**overrides))
    assert response.status_code in (200, 422)
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html, f"no error shown for {field}"
    if message:
        error = html.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
        assert message in error
    assert "Please correct the marked fields." in html
    assert count_meetings(db) == 0


def test_the_wrong_values_are_shown_back(as_admin):
    html = as_admin.post("/meetings/new", data=meeting_data(title="Kept title", capacity="abc")).get_data(True)
    assert 'value="Kept title"' in html


def test_title_of_200_characters_is_accepted(as_admin, db):
    assert as_admin.post("/meetings/new", data=meeting_data(title="x" * 200)).status_code == 302
    assert db.session.scalar(db.select(Meeting.title)) == "x" * 200


def test_territory_as_host_country_is_accepted(as_admin, db):
    assert as_admin.post("/meetings/new", data=meeting_data(country_code="PR")).status_code == 302
    assert db.session.scalar(db.select(Meeting.country_code)) == "PR"


def test_optional_fields_may_stay_empty(as_admin, db):
    response = as_admin.post("/meetings/new", data=meeting_data(
        edition="", description="", venue="", city="", country_code="", registration_opens_at="",
        registration_closes_at="", edit_deadline=""))
    assert response.status_code == 302
    meeting = db.session.scalar(db.select(Meeting))
    assert meeting.edition is None and meeting.country_code is None and meeting.registration_opens_at is None


def test_unicode_title_is_kept_exactly(as_admin, client, db):
    as_admin.post("/meetings/new", data=meeting_data(title=UNICODE_TITLE, city="Genève"))
    meeting = db.session.scalar(db.select(Meeting))
    assert meeting.title == UNICODE_TITLE and meeting.city == "Genève"
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert UNICODE_TITLE in page


def test_html_in_the_title_is_shown_as_text(as_admin, client, db):
    title = '<script>alert("x")</script><b>Bold</b>'
    as_admin.post("/meetings/new", data=meeting_data(title=title, description="<img src=x onerror=alert(1)>"))
    meeting = db.session.scalar(db.select(Meeting))
    assert meeting.title == title
    anonymous = client.application.test_client()
    for path in (f"/meetings/{meeting.id}", "/"):
        html = anonymous.get(path).get_data(as_text=True)
        assert "&lt;script&gt;alert(" in html
        assert '<script>alert("x")' not in html and "<b>Bold</b>" not in html and "<img src=x" not in html
