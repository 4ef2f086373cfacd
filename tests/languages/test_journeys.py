"""Journeys in a real headless Chromium, each entirely in one language: a participant registers from an invitation
(Arabic right to left, French, Chinese) on a 390 px phone, and an organiser reviews the queue in Spanish. On every
page: the language and direction, no sideways scrolling, and axe-core finds no serious or critical violation."""
import re
import secrets
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext, ngettext

from conftest import BROWSER_ARGS, CHROMIUM, PASSWORD, new_meeting, registration_form_data, sign_in_browser
from meeting_manager.accounts.models import MeetingRole, MeetingRoleName, User
from meeting_manager.accounts.services import set_password
from meeting_manager.balance.services import save_policy
from meeting_manager.extensions import db
from meeting_manager.invitations.services import issue_invitation
from meeting_manager.mail.models import OutboxMessage
from meeting_manager.models_base import utcnow
from meeting_manager.reference.services import load_reference_data
from meeting_manager.registration.models import Gender, Registration

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe.min.js"
SCRIPT = {"ar": re.compile(r"[\u0600-\u06FF]"), "zh": re.compile(r"[\u4e00-\u9fff]"), "fr": re.compile(r"[éèàêç]"),
          "es": re.compile(r"[áéíóúñ¿]")}
NAMES = {"ar": ("أحمد", "الحسن"), "fr": ("Hélène", "Côté-Ndiaye"), "zh": ("明", "王")}


def _look(page, tag: str, direction: str) -> list[str]:
    """What is wrong with the page as a reader sees it (an empty list when nothing is)."""
    problems = []
    shown = (page.get_attribute("html", "lang"), page.get_attribute("html", "dir"))
    if shown != (tag, direction):
        problems.append(f"{page.url}: lang/dir {shown}")
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width > inner:
        problems.append(f"{page.url}: {width} px wide on a {inner} px screen")
    page.add_script_tag(path=str(AXE))
    serious = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => v.id + ' (' + v.nodes.length + '): ' + v.nodes[0].target.join(' '))""")
    return problems + [f"{page.url}: axe {violation}" for violation in serious]


def _fill(page, data: dict) -> None:
    """Fill the registration form as a person would, field by field."""
    for name, value in data.items():
        field = page.locator(f"main [name='{name}']").first
        if not field.count() or field.get_attribute("type") == "hidden" or field.is_disabled():
            continue
        tag, kind = field.evaluate("e => e.tagName"), field.get_attribute("type")
        if tag == "SELECT":
            field.select_option(value)
        elif kind == "radio":
            page.check(f"main [name='{name}'][value='{value}']")
        elif kind == "checkbox":
            field.check()
        elif field.get_attribute("readonly") is None:
            field.fill(value)


@pytest.mark.parametrize(("language", "tag", "direction"), [("ar", "ar", "rtl"), ("fr", "fr", "ltr"),
                                                             ("zh", "zh-Hans", "ltr")])
def test_a_participant_registers_from_an_invitation_in_their_language(shared_db_app, served, tmp_path,
                                                                       language, tag, direction):
    load_reference_data()
    meeting = new_meeting()
    email = f"invitee-{language}@example.org"
    _invitation, token = issue_invitation(meeting, email=email, actor=None)
    db.session.commit()
    given, family = NAMES[language]
    problems = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        context = browser.new_context(locale=language, viewport={"width": 390, "height": 844}, bypass_csp=True)
        page = context.new_page()
        page.goto(f"{served}/i/{token}")
        problems += _look(page, tag, direction)
        page.click("main a.button.primary")
        page.wait_for_url(re.compile(r"/register$"))
        problems += _look(page, tag, direction)
        _fill(page, registration_form_data(meeting, given_name=given, family_name=family, email=email))
        page.locator("main form:has([name='given_name']) button[type=submit]").last.click()
        page.wait_for_load_state()
        page.screenshot(path=str(tmp_path / f"registered-{language}.png"), full_page=True)
        problems += _look(page, tag, direction)
        text = page.inner_text("main")
        browser.close()
    db.session.expire_all()
    registration = db.session.scalar(db.select(Registration).where(Registration.email == email))
    assert registration is not None, f"not registered; the page said: {text[:400]}"
    assert registration.locale == language and registration.given_name == given
    assert SCRIPT[language].search(text) and "registration" not in text.lower()
    mail = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.recipient == email)
                              .order_by(OutboxMessage.id)).all()[-1]
    assert SCRIPT[language].search(mail.subject) and SCRIPT[language].search(mail.text_body)
    assert not problems, "\n".join(problems)


def test_an_organiser_reviews_the_queue_in_spanish_with_the_findings_in_spanish(shared_db_app, served):
    load_reference_data()
    meeting = new_meeting()
    save_policy(meeting, {"mix_min_size": None}, [{"dimension": "gender", "value": "woman", "unit": "seats",
                                                    "minimum": None, "maximum": 0}], actor=None)
    organiser = User(email="organiser-es@example.org", name="Olu Organiser")
    set_password(organiser, PASSWORD)
    organiser.meeting_roles.append(MeetingRole(meeting=meeting, role=MeetingRoleName.organiser))
    db.session.add(organiser)
    category = next(c for c in meeting.categories if c.code == "civil_society")
    db.session.add(Registration(meeting=meeting, category=category, given_name="Amina",
                                family_name="Diallo",
                                badge_name="Amina", email="amina@example.org", gender=Gender.woman,
                                nationality="SN", residence_country="SN", represented_country="SN",
                                data_consent_at=utcnow(),
                                badge_token=secrets.token_urlsafe(24)))
    db.session.commit()
    with shared_db_app.test_request_context(), force_locale("es"):
        over_cap = ngettext("Approving would put %(name)s at %(after)d of %(num)d seats.",
                            "Approving would put %(name)s at %(after)d of %(num)d seats.", 0,
                            name=gettext("women"), after=1)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_context(locale="en", bypass_csp=True).new_page()
        sign_in_browser(page, served, organiser.email)
        page.wait_for_url(lambda url: "sign-in" not in url)
        page.click("form.language-switcher button[value=es]")  # the switcher, as a person uses it
        page.wait_for_load_state()
        page.goto(f"{served}/meetings/{meeting.id}/registrations")
        problems = _look(page, "es", "ltr")
        text = page.inner_text("main")
        browser.close()
    assert over_cap in text and "Approving" not in text, text
    db.session.expire_all()
    assert db.session.get(User, organiser.id).locale == "es"
    assert not problems, "\n".join(problems)
