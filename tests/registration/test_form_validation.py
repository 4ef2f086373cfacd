"""Every field of the registration form: missing, too long, wrong type, unicode kept exactly, HTML shown as text."""
import html
import re
from datetime import timedelta

import pytest

from conftest import use_emailed_link
from meeting_manager.registration.models import Gender


def field_error(page: str, name: str) -> str | None:
    match = re.search(rf'<p class="error" id="{name}-error">(.*?)</p>', page, re.S)
    return html.unescape(match.group(1)) if match else None


def refused(client, meeting, data, registrations, field, message):
    response = client.post(f"/meetings/{meeting.id}/apply", data=data)
    assert response.status_code == 422, response.text[:500]
    assert registrations() == []
    error = field_error(response.text, field)
    assert error is not None and message in error, error
    return response


def test_a_name_is_required_but_one_part_is_enough(client, meeting, form_data, registrations):
    refused(client, meeting, form_data(given_name="", family_name=""), registrations, "given_name",
            "Enter your name")
    for given, family, email in (("", "Sukarnoputri", "m@example.org"), ("Suharto", "", "s@example.org")):
        assert client.post(f"/meetings/{meeting.id}/apply",
                           data=form_data(given_name=given, family_name=family, email=email)).status_code == 303
        client.post("/account/sign-out")
    assert [r.badge_name for r in registrations()] == ["Sukarnoputri", "Suharto"]


@pytest.mark.parametrize("field", ["email", "gender", "nationality", "residence_country",
                                   "category_id", "relation"])
def test_required_field_missing(client, meeting, form_data, registrations, field):
    refused(client, meeting, form_data(**{field: ""}), registrations, field, "This field is required.")


@pytest.mark.parametrize("field, limit", [
    ("given_name", 120), ("family_name", 120), ("badge_name", 100), ("organisation", 200), ("position", 200),
    ("dietary", 500), ("accessibility", 500),
])
def test_text_field_too_long(client, meeting, form_data, registrations, field, limit):
    assert client.post(f"/meetings/{meeting.id}/apply", data=form_data(**{field: "é" * limit})).status_code == 303
    client.post("/account/sign-out")
    registrations()[0]  # the longest allowed value was accepted
    refused(client, meeting, form_data(email="other@example.org", **{field: "é" * (limit + 1)}),
            lambda: registrations()[1:], field, f"longer than {limit}")


def test_email_too_long_or_malformed(client, meeting, form_data, registrations):
    refused(client, meeting, form_data(email="a" * 250 + "@example.org"), registrations, "email", "longer than 254")
    refused(client, meeting, form_data(email="not-an-email"), registrations, "email", "Invalid email address")


@pytest.mark.parametrize("field, value, message", [
    ("gender", "robot", "Not a valid choice"),
    ("nationality", "XX", "Not a valid choice"),
    ("residence_country", "stateless", "Not a valid choice"),  # stateless is a nationality, not a residence
    ("organisation_country", "ZZ", "Not a valid choice"),
    ("category_id", "abc", "This field is required"),
    ("relation", "boss", "Not a valid choice"),
    ("interpretation_language", "de", "Not a valid choice"),
])
def test_wrong_value(client, meeting, form_data, registrations, field, value, message):
    refused(client, meeting, form_data(**{field: value}), registrations, field, message)


def test_category_of_another_meeting_is_refused(client, meeting, make_meeting, form_data, registrations):
    other = make_meeting(title="Regional meeting")
    refused(client, meeting, form_data(category_id=str(other.categories[0].id)), registrations, "category_id",
            "Not a valid choice")


@pytest.mark.parametrize("field", ["given_name", "family_name", "organisation", "position"])
def test_control_characters_are_refused(client, meeting, form_data, registrations, field):
    refused(client, meeting, form_data(**{field: "Ami\x00na"}), registrations, field, "control characters")


def test_optional_choices_may_be_left_out_of_the_post(client, meeting, form_data, registrations):
    data = form_data()
    del data["interpretation_language"], data["organisation_country"]
    assert client.post(f"/meetings/{meeting.id}/apply", data=data).status_code == 303
    assert registrations()[0].interpretation_language is None


def test_line_breaks_are_kept_in_needs(client, meeting, form_data, registrations):
    client.post(f"/meetings/{meeting.id}/apply", data=form_data(dietary="no nuts\r\nno shellfish"))
    assert registrations()[0].dietary == "no nuts\r\nno shellfish"


@pytest.mark.parametrize("given, family", [
    ("فاطمة", "الزهراء"),
    ("秀英", "王"),
    ("Ольга", "Петрова-Сидоренко"),
    ("Siobhán", "O'Brien-Łukasiewicz"),
    ("Nguyễn", "Thị Minh Khai"),
])
def test_names_in_any_script_are_kept_exactly(client, meeting, form_data, registrations, given, family):
    response = client.post(f"/meetings/{meeting.id}/apply", data=form_data(given_name=given, family_name=family))
    assert response.status_code == 303
    [registration] = registrations()
    assert (registration.given_name, registration.family_name) == (given, family)
    written = "王秀英" if family == "王" else f"{given} {family}"  # Chinese: family name first, no space
    assert registration.badge_name == written
    use_emailed_link(client, registration.email)
    page = client.get(f"/my/registrations/{registration.id}").text
    assert written in html.unescape(page)


def test_html_in_a_field_is_shown_as_text(client, meeting, form_data, registrations, organiser, auth, app):
    attack = '<script>alert("x")</script><b>bold</b>'
    client.post(f"/meetings/{meeting.id}/apply", data=form_data(given_name=attack, organisation=attack,
                                                                  dietary=attack))
    [registration] = registrations()
    assert registration.given_name == attack  # kept exactly ...
    use_emailed_link(client, registration.email)
    own = client.get(f"/my/registrations/{registration.id}").text
    staff_client = app.test_client()
    staff_client.post("/account/sign-in", data={"email": organiser.email, "password": "correct horse battery"})
    detail = staff_client.get(f"/meetings/{meeting.id}/registrations/{registration.id}").text
    for page in (own, detail):  # ... and shown as text, never as markup
        assert "<script>alert" not in page and "<b>bold</b>" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_badge_name_given_is_kept(client, meeting, form_data, registrations):
    client.post(f"/meetings/{meeting.id}/apply", data=form_data(badge_name="Dr. Amina D."))
    assert registrations()[0].badge_name == "Dr. Amina D."


def test_gender_values(client, app, meeting, form_data, registrations):
    for n, gender in enumerate(Gender):
        app.test_client().post(f"/meetings/{meeting.id}/apply", data=form_data(gender=gender.value,
                                                                                 email=f"g{n}@example.org"))
    assert [r.gender for r in registrations()] == list(Gender)


def test_stateless_nationality_is_accepted(client, meeting, form_data, registrations):
    client.post(f"/meetings/{meeting.id}/apply", data=form_data(nationality="stateless", residence_country="TH"))
    [registration] = registrations()
    assert registration.nationality == "stateless" and registration.represented_country == "TH"


def test_territory_outside_the_195_states_is_accepted(client, meeting, form_data, registrations):
    client.post(f"/meetings/{meeting.id}/apply", data=form_data(nationality="PR", residence_country="PR"))
    assert registrations()[0].residence_country == "PR"


def test_organisation_country_decides_the_represented_country(client, meeting, form_data, registrations):
    client.post(f"/meetings/{meeting.id}/apply", data=form_data(residence_country="FR", organisation_country="KE"))
    assert registrations()[0].represented_country == "KE"


# --- visa letter ---------------------------------------------------------------------------------------------------


def test_visa_request_is_stored_apart(client, meeting, form_data, visa_data, registrations):
    client.post(f"/meetings/{meeting.id}/apply", data=form_data(**visa_data | {"passport_number": "p 1234 567x"}))
    visa = registrations()[0].visa_request
    assert visa.passport_number == "P1234567X" and visa.place_of_birth == "Dakar"
    assert visa.date_of_birth.isoformat() == "1985-04-12"


@pytest.mark.parametrize("field", ["passport_number", "passport_expiry", "date_of_birth", "place_of_birth"])
def test_visa_fields_are_required_when_a_letter_is_asked_for(client, meeting, form_data, visa_data, registrations,
                                                             field):
    refused(client, meeting, form_data(**visa_data | {field: ""}), registrations, field, "")


def test_passport_must_be_valid_after_the_meetings_last_day(client, meeting, form_data, visa_data, registrations):
    expiry = meeting.ends_on.isoformat()
    refused(client, meeting, form_data(**visa_data | {"passport_expiry": expiry}), registrations, "passport_expiry",
            "valid after the meeting's last day")
    ok = (meeting.ends_on + timedelta(days=1)).isoformat()
    assert client.post(f"/meetings/{meeting.id}/apply",
                       data=form_data(**visa_data | {"passport_expiry": ok})).status_code == 303


@pytest.mark.parametrize("field, value, message", [
    ("passport_number", "AB1", "5 to 20 letters and digits"),
    ("passport_number", "P12345<<<", "5 to 20 letters and digits"),
    ("passport_number", "P" * 41, "longer than 40"),
    ("passport_expiry", "31/12/2099", "Not a valid date"),
    ("date_of_birth", "yesterday", "Not a valid date"),
    ("date_of_birth", "2999-01-01", "not plausible"),
    ("place_of_birth", "D" * 121, "longer than 120"),
])
def test_visa_field_wrong_value(client, meeting, form_data, visa_data, registrations, field, value, message):
    refused(client, meeting, form_data(**visa_data | {field: value}), registrations, field, message)


def test_passport_data_typed_without_asking_for_a_letter_is_not_kept(client, meeting, form_data, visa_data,
                                                                   registrations):
    data = form_data(**visa_data)
    del data["visa_letter"]
    client.post(f"/meetings/{meeting.id}/apply", data=data)
    assert registrations()[0].visa_request is None
