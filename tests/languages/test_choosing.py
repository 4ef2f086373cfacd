"""Which language a person reads: the switcher, the account's choice, the cookie, Accept-Language; the page's
direction; WTForms' own messages; values isolated in a right-to-left sentence."""
import re

import pytest

from meeting_manager.languages.bidi import FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE
from meeting_manager.languages.catalog import LANGUAGES, NATIVE_NAMES


def _html_tag(page: str) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="(ltr|rtl)">', page)
    return match.group(1), match.group(2)


@pytest.mark.parametrize(("header", "tag", "direction", "sign_in"), [
    ("fr-CH, fr;q=0.9, en;q=0.8", "fr", "ltr", "Se connecter"),
    ("ar", "ar", "rtl", "تسجيل الدخول"),
    ("zh-CN,zh;q=0.9", "zh-Hans", "ltr", "登录"),
    ("ru", "ru", "ltr", "Войти"),
    ("es-419", "es", "ltr", "Iniciar sesión"),
    ("de, xx", "en", "ltr", "Sign in"),
])
def test_a_first_visit_reads_the_browser_s_language(client, header, tag, direction, sign_in):
    page = client.get("/account/sign-in", headers={"Accept-Language": header}).text
    assert _html_tag(page) == (tag, direction)
    assert sign_in in page


def test_the_switcher_names_every_language_in_itself_on_every_page(client):
    page = client.get("/account/sign-in", headers={"Accept-Language": "ru"}).text
    for code in LANGUAGES:
        assert f'value="{code}"' in page and NATIVE_NAMES[code] in page
    assert re.search(r'value="ru"[^>]*aria-current="true"', page.replace("\n", " "))


def test_a_visitor_s_choice_is_kept_in_a_cookie_and_beats_the_browser(client):
    response = client.post("/language", data={"language": "ar"},
                           headers={"Referer": "http://localhost/account/sign-in?x=1"})
    assert response.status_code == 303 and response.headers["Location"] == "/account/sign-in?x=1"
    assert "lang=ar" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    page = client.get("/account/sign-in", headers={"Accept-Language": "fr"}).text
    assert _html_tag(page) == ("ar", "rtl")
    again = client.post("/language", data={"language": "ar"})  # the same choice twice is fine
    assert again.status_code == 303


@pytest.mark.parametrize("bad", ["xx", "", "en'><script>", "EN"])
def test_a_language_not_offered_is_refused_and_changes_nothing(client, bad):
    client.post("/language", data={"language": "fr"})
    response = client.post("/language", data={"language": bad})
    assert response.status_code == 400
    assert "lang=" not in response.headers.get("Set-Cookie", "")
    assert _html_tag(client.get("/account/sign-in").text) == ("fr", "ltr")


@pytest.mark.parametrize("elsewhere", ["https://evil.example/account", "http://localhost.evil.example/x",
                                       "http://localhost/\\evil.example", "account", ""])
def test_the_switcher_only_returns_to_a_page_of_this_site(client, elsewhere):
    response = client.post("/language", data={"language": "es"}, headers={"Referer": elsewhere})
    assert response.headers["Location"] == "/"


def test_a_signed_in_person_s_choice_follows_their_account(app, client, participant, auth, db):
    auth.sign_in(participant)
    client.post("/language", data={"language": "zh"})
    db.session.refresh(participant)
    assert participant.locale == "zh"
    other_device = app.test_client()
    other_device.post("/account/sign-in", data={"email": participant.email, "password": "correct horse battery"})
    assert _html_tag(other_device.get("/", headers={"Accept-Language": "fr"}).text) == ("zh-Hans", "ltr")


def test_an_account_that_never_chose_reads_its_browser_s_language(client, participant, auth):
    assert participant.locale is None
    auth.sign_in(participant)
    assert _html_tag(client.get("/", headers={"Accept-Language": "es"}).text) == ("es", "ltr")


def test_wtforms_own_messages_speak_the_reader_s_language(client):
    page = client.post("/account/sign-in", data={"email": "", "password": ""},
                       headers={"Accept-Language": "fr"}).text
    assert "Ce champ est requis." in page
    assert "This field is required." not in page


def test_an_email_address_in_an_arabic_sentence_keeps_its_own_direction(client, participant, auth):
    auth.sign_in(participant)
    page = client.get("/account/privacy", headers={"Accept-Language": "ar"}).text
    assert f"{FIRST_STRONG_ISOLATE}{participant.email}{POP_DIRECTIONAL_ISOLATE}" in page
    english = client.get("/account/privacy", headers={"Accept-Language": "en"}).text
    assert f"Signed in as {participant.email}." in english  # left to right: nothing added


def test_html_in_an_isolated_value_is_still_shown_as_text(client, make_user, auth):
    user = make_user(email="x@example.org", name="<b>Ali</b>")
    auth.sign_in(user)
    page = client.get("/account/privacy", headers={"Accept-Language": "ar"}).text
    assert "<b>Ali</b>" not in page and "&lt;b&gt;Ali&lt;/b&gt;" in page


def test_text_inputs_take_the_direction_of_what_is_typed(client, meeting):
    page = client.get(f"/meetings/{meeting.id}/apply", headers={"Accept-Language": "ar"}).text
    given = re.search(r'<input[^>]*name="given_name"[^>]*>', page).group(0)
    assert 'dir="auto"' in given
    consent = re.search(r'<input[^>]*name="data_consent"[^>]*>', page).group(0)
    assert "dir=" not in consent


def test_a_meeting_s_dates_are_written_in_the_reader_s_language(client, meeting):
    from babel.dates import format_date
    page = client.get(f"/meetings/{meeting.id}", headers={"Accept-Language": "fr"}).text
    assert format_date(meeting.starts_on, "full", locale="fr") in page
    assert format_date(meeting.starts_on, "MMMM", locale="en") not in page  # no English month name left
