"""The desk on a phone (390 x 844): the search box is focused and near the top, results appear where the eye is,
after a check-in the next search is one tap away, and tap targets are at least 44 px. Three people are checked in
by name in a row, each visible on screen when found and when checked in."""
import secrets
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from conftest import BROWSER_ARGS, CHROMIUM, PASSWORD, sign_in_browser
from meeting_manager.accounts.models import MeetingRole, MeetingRoleName
from meeting_manager.accounts.services import create_user
from meeting_manager.checkin.models import Attendance
from meeting_manager.extensions import db
from meeting_manager.meetings.models import MeetingStatus
from meeting_manager.meetings.services import create_meeting
from meeting_manager.models_base import utcnow
from meeting_manager.reference.services import load_reference_data
from meeting_manager.registration.models import Gender, Registration, RegistrationStatus

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is needed")

PEOPLE = [("Thị Minh Khai", "Nguyễn", "family_first", "VN"), ("فاطمة الزهراء", "العلوي", "given_first", "MA"),
          ("Megawati", "Sukarnoputri", "given_first", "ID")]


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"] and box["x"] >= 0 \
        and box["x"] + box["width"] <= size["width"]


def test_three_check_ins_by_name_in_a_row_on_a_phone(shared_db_app, served, tmp_path):
    load_reference_data()
    meeting = create_meeting(dict(title="Global Meeting", edition=5, starts_on=date.today(),
                                  ends_on=date.today() + timedelta(days=2), timezone="UTC", capacity=100,
                                  status=MeetingStatus.open), actor=None)
    staff = create_user(f"{uuid.uuid4().hex[:8]}@example.org", "Door Staff", PASSWORD)
    staff.meeting_roles.append(MeetingRole(meeting=meeting, role=MeetingRoleName.staff))
    category = next(c for c in meeting.categories if c.code == "civil_society")
    people = []
    for given, family, order, country in PEOPLE:
        person = Registration(meeting=meeting, given_name=given, family_name=family, name_order=order,
                              email=f"{uuid.uuid4().hex[:8]}@example.org", gender=Gender.woman, nationality=country,
                              residence_country=country, represented_country=country, category=category,
                              organisation="Coalition for Justice & Memory", status=RegistrationStatus.approved,
                              data_consent_at=utcnow(), badge_token=secrets.token_urlsafe(24), badge_name="")
        person.badge_name = person.name_for("salutation")
        people.append(person)
    db.session.add_all(people)
    db.session.commit()

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                    device_scale_factor=2)
        page = phone.new_page()
        errors = sign_in_browser(page, served, staff.email)
        page.goto(f"{served}/meetings/{meeting.id}/checkin")
        for n, person in enumerate(people):
            search = page.locator("#q")
            assert page.evaluate("document.activeElement && document.activeElement.id") == "q"  # focused
            assert in_viewport(page, search) and search.bounding_box()["y"] < 844 / 2  # near the top
            search.fill(person.family_name)
            search.press("Enter")
            found = page.locator(".desk-person", has_text=person.badge_name)
            sync_api.expect(found).to_be_visible()
            button = found.locator("button", has_text="Check in")
            assert in_viewport(page, button), f"person {n}: the result is off screen"
            box = button.bounding_box()
            assert box["height"] >= 44 and box["width"] >= 44
            button.tap()
            done = page.locator("#desk-outcome")
            sync_api.expect(done).to_contain_text("Checked in")
            sync_api.expect(done).to_contain_text(person.badge_name)
            assert in_viewport(page, done)
            page.screenshot(path=str(tmp_path / f"phone-{n}.png"))
        browser.close()
    db.session.expire_all()
    came = db.session.scalars(select(Attendance.registration_id).where(Attendance.meeting_id == meeting.id)).all()
    assert sorted(came) == sorted(p.id for p in people)
    assert not [error for error in errors if "Content Security Policy" in error]
