"""On a phone (320 and 390 px wide) the focal point's page fits the screen: no sideways scrolling, and each
member's registration status is visible (a real headless Chromium)."""
import secrets
import uuid

import pytest

from conftest import BROWSER_ARGS, CHROMIUM, PASSWORD, new_meeting, sign_in_browser
from meeting_manager.accounts.services import create_user
from meeting_manager.delegations.models import Delegation, DelegationKind
from meeting_manager.extensions import db
from meeting_manager.models_base import utcnow
from meeting_manager.reference.services import load_reference_data
from meeting_manager.registration.models import Gender, Registration, RegistrationStatus

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def _delegation_with_members():
    load_reference_data()
    meeting = new_meeting()
    focal = create_user(f"{uuid.uuid4().hex[:8]}@example.org", "Akosua Mensah", PASSWORD)
    db.session.flush()
    delegation = Delegation(meeting=meeting, name="Permanent Mission of the Plurinational State of Bolivia",
                            kind=DelegationKind.state, country_code="BO", seats=4, focal_point_name=focal.name,
                            focal_point_email=focal.email, focal_point_user_id=focal.id)
    db.session.add(delegation)
    category = next(c for c in meeting.categories if c.code == "state")
    for n, status in enumerate((RegistrationStatus.approved, RegistrationStatus.waitlisted)):
        db.session.add(Registration(
            meeting=meeting, delegation=delegation, category=category, status=status,
            given_name="Maximiliano Alejandro", family_name=f"Fernández de Córdoba y Villanueva{n}",
            badge_name="Max", email=f"maximiliano.alejandro.fernandez{n}@ministerio-relaciones-exteriores.example.org",
            gender=Gender.man, nationality="BO", residence_country="BO", represented_country="BO",
            data_consent_at=utcnow(), badge_token=secrets.token_urlsafe(24)))
    db.session.commit()
    return focal, delegation


@pytest.mark.parametrize("width", [320, 390])
def test_the_focal_points_page_fits_a_phone(shared_db_app, served, width):
    focal, delegation = _delegation_with_members()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": width, "height": 800})
        sign_in_browser(page, served, focal.email)
        page.wait_for_url(lambda url: "sign-in" not in url)
        page.goto(f"{served}/delegations/{delegation.id}")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        inner_width = page.evaluate("window.innerWidth")
        page.screenshot(path=str(shared_db_app.config["STORAGE_DIR"].parent / f"focal-{width}.png"), full_page=True)
        statuses = page.locator("table.members td[data-label='Registration'] .tag")
        visible = [statuses.nth(i).is_visible() for i in range(statuses.count())]
        boxes = [statuses.nth(i).bounding_box() for i in range(statuses.count())]
        browser.close()
    assert scroll_width <= inner_width, f"the page is {scroll_width} px wide on a {inner_width} px screen"
    assert visible == [True, True]
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= width for box in boxes)
