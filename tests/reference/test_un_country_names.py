"""Country and territory names follow UN terminology in the six UN languages, and the country list is a
searchable combobox on a phone, served by the app (issue 18, item 8)."""
import csv
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import BROWSER_ARGS, CHROMIUM
from meeting_manager.reference.country_names import country_names
from meeting_manager.reference.services import COUNTRIES_CSV

BARE = {"en": ("Taiwan", "Hong Kong", "Macao", "Macau", "South Korea", "Palestinian Territories"),
        "fr": ("Taïwan", "Hong Kong", "Macao", "Corée du Sud", "Territoires palestiniens"),
        "es": ("Taiwán", "Hong Kong", "Macao", "Corea del Sur", "Territorios Palestinos"),
        "ar": ("تايوان", "الأراضي الفلسطينية", "كوريا الجنوبية"),
        "zh": ("台湾", "韩国", "巴勒斯坦领土"),
        "ru": ("Тайвань", "Гонконг", "Макао", "Южная Корея", "Палестинские территории")}
HONG_KONG = {"en": "China, Hong Kong Special Administrative Region",
             "fr": "Chine, région administrative spéciale de Hong Kong",
             "es": "China, Región Administrativa Especial de Hong Kong",
             "ar": "الصين، منطقة هونغ كونغ الإدارية الخاصة", "zh": "中国香港特别行政区",
             "ru": "Китай, специальный административный район Гонконг"}


def test_the_195_states_carry_their_un_names_in_english():
    with Path(COUNTRIES_CSV).open(encoding="utf-8") as file:
        states = {row["iso2"]: row["name"] for row in csv.DictReader(file)}
    names = country_names("en")
    assert len(states) == 195 and all(names[code] == name for code, name in states.items())
    assert names["TW"] == "Taiwan, Province of China" and names["MO"] == "China, Macao Special Administrative Region"
    assert len(names) == 249


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar", "zh", "ru"])
def test_no_bare_names_in_any_un_language(language):
    names = country_names(language)
    assert names["HK"] == HONG_KONG[language]
    assert not set(BARE[language]) & set(names.values())
    assert names["PS"] != country_names("en")["PS"] or language == "en"


@pytest.mark.parametrize("language, header", [("fr", "fr"), ("zh", "zh-CN,zh;q=0.9"), ("ar", "ar")])
def test_the_registration_form_lists_un_names_in_the_readers_language(app, client, meeting, language, header):
    app.config["LANGUAGES"] = ("en", "fr", "es", "ar", "zh", "ru")
    page = client.get(f"/meetings/{meeting.id}/apply", headers={"Accept-Language": header}).text
    assert f'value="HK">{HONG_KONG[language]}</option>' in page
    assert f'value="TW">{country_names(language)["TW"]}</option>' in page


def test_the_combobox_script_is_served_by_the_app(client, meeting):
    page = client.get(f"/meetings/{meeting.id}/apply").text
    assert re.search(r'<script src="/static/js/combobox.js[^"]*" defer', page)
    assert "https://" not in "".join(re.findall(r'<script[^>]*src="([^"]+)"', page))
    with client.get("/static/js/combobox.js") as script:  # closed: the file is streamed
        assert script.status_code == 200 and b"role" in script.data


# --- in a browser, on a phone ------------------------------------------------------------------------------------

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is needed")
def test_a_country_is_found_by_typing_on_a_phone(shared_db_app, served):
    from meeting_manager.extensions import db
    from meeting_manager.meetings.models import MeetingStatus, RegistrationMode
    from meeting_manager.meetings.services import create_meeting
    from meeting_manager.models_base import utcnow
    from meeting_manager.reference.services import load_reference_data

    shared_db_app.config["LANGUAGES"] = ("en", "fr", "es", "ar", "zh", "ru")
    load_reference_data()
    start = date.today() + timedelta(days=60)
    meeting = create_meeting(dict(title="Global Meeting", edition=5, starts_on=start, ends_on=start + timedelta(days=2),
                                  timezone="Europe/Zurich", capacity=100, status=MeetingStatus.open,
                                  registration_mode=RegistrationMode.open), actor=None)
    meeting.registration_opens_at = utcnow() - timedelta(days=1)
    db.session.commit()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                    locale="fr-FR", extra_http_headers={"Accept-Language": "fr"})
        page = phone.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{served}/meetings/{meeting.id}/apply")
        box = page.locator("#nationality-combobox")
        assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "false"
        label_for = page.locator("label[for='nationality-combobox']")
        assert label_for.count() == 1
        box.tap()
        box.fill("hong kong")
        options = page.locator("#nationality-combobox-list [role=option]")
        assert box.get_attribute("aria-expanded") == "true"
        assert options.all_inner_texts() == ["Chine, région administrative spéciale de Hong Kong"]
        box.press("Enter")
        assert page.locator("select[name=nationality]").input_value() == "HK"
        assert box.input_value() == "Chine, région administrative spéciale de Hong Kong"
        # accents and case do not matter, and the keyboard moves through the list
        residence = page.locator("#residence_country-combobox")
        residence.fill("cote d")
        assert page.locator("#residence_country-combobox-list [role=option]").first.inner_text() == "Côte d'Ivoire"
        residence.press("ArrowDown")
        residence.press("Enter")
        assert page.locator("select[name=residence_country]").input_value() in ("CI",)
        page.locator("#nationality-combobox").fill("taï")
        page.screenshot(path=str(Path(__file__).resolve().parents[2] / "shots" / "country-combobox-390.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e]
        browser.close()
