"""The desk app in a real headless Chromium with the network cut (context.set_offline): badges scanned by the fake
camera and people found by name are checked in on the device, wait in its queue, and sync once the network is back,
each recorded once at the device's time. A replaced badge is refused offline; sign-out leaves nothing behind.
"""
import secrets
import shutil
import uuid
from datetime import date, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from conftest import BROWSER_ARGS, CHROMIUM, PASSWORD, sign_in_browser
from meeting_manager.accounts.models import MeetingRole, MeetingRoleName
from meeting_manager.accounts.services import create_user
from meeting_manager.badges.render import render_badges_pdf
from meeting_manager.badges.services import badge_data
from meeting_manager.checkin import offline, services
from meeting_manager.checkin.models import Attendance, BadgeCollection, OfflineCheckIn, OfflineOutcome
from meeting_manager.extensions import db
from meeting_manager.meetings.models import MeetingStatus
from meeting_manager.meetings.services import create_meeting
from meeting_manager.models_base import utcnow
from meeting_manager.reference.services import load_reference_data
from meeting_manager.registration.models import Gender, Registration, RegistrationStatus

from .test_browser import FRAME, badge_frame, frame_planes, write_video

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None or shutil.which("pdftoppm") is None,
                                reason="chromium and pdftoppm (poppler-utils) are needed")
WAIT = 20000


def _desk(tmp_path):
    load_reference_data()
    meeting = create_meeting({"title": "Global Meeting", "edition": 5, "starts_on": date.today(),
                              "ends_on": date.today() + timedelta(days=2), "timezone": "UTC", "capacity": 100,
                              "status": MeetingStatus.open}, actor=None)
    staff = create_user(f"{uuid.uuid4().hex[:8]}@example.org", "Door Staff", PASSWORD)
    staff.meeting_roles.append(MeetingRole(meeting=meeting, role=MeetingRoleName.staff))
    category = next(c for c in meeting.categories if c.code == "state")

    def person(given, family, country="KG", latin="", **fields):
        registration = Registration(
            meeting=meeting, given_name=given, family_name=family, badge_name=f"{given} {family}".strip(),
            latin_name=latin, email=f"{uuid.uuid4().hex[:8]}@example.org", gender=Gender.woman, nationality=country,
            residence_country=country, represented_country=country, category=category,
            status=RegistrationStatus.approved, data_consent_at=utcnow(), badge_token=secrets.token_urlsafe(24),
            **fields)
        db.session.add(registration)
        return registration

    people = {
        "lukasz": person("Łukasz", "Wąsowski", "PL"),
        "chingiz": person("Чингиз", "Айтматов"),
        "fang": person("芳", "王", "CN", latin="Wang Fang"),
        "lost": person("Amina", "Odhiambo", "KE"),
        "declined": person("Sipho", "Dlamini", "ZA"),
    }
    db.session.commit()
    return meeting, staff, people


def _frames(meeting, people, names, tmp_path) -> str:
    """A camera that sees each badge in turn for 1.5 s, with a second of empty desk between them."""
    blank = frame_planes(Image.new("RGB", FRAME, "white"))
    frames = []
    for name in names:
        pdf = render_badges_pdf([badge_data(people[name], meeting, None)], "a6", workers=1,
                                cache_dir=tmp_path / "cache")
        frames += [badge_frame(pdf, tmp_path, name)] * 15 + [blank] * 10
    return write_video(tmp_path / "camera.y4m", frames)


def _attendances(registration_ids=None):
    db.session.expire_all()
    query = select(Attendance).order_by(Attendance.id)
    if registration_ids is not None:
        query = query.where(Attendance.registration_id.in_(registration_ids))
    return db.session.scalars(query).all()


def _open_app(context, base, meeting, staff):
    page = context.new_page()
    errors = sign_in_browser(page, base, staff.email)
    page.wait_for_url(lambda url: "sign-in" not in url)
    page.goto(f"{base}/meetings/{meeting.id}/checkin/app/")
    sync_api.expect(page.locator("#app-list-age")).to_contain_text("People in the list", timeout=WAIT)
    sync_api.expect(page.locator("#app-network")).to_have_text("Online")
    return page, errors


def _desk_storage(page) -> dict:
    return page.evaluate("() => Object.fromEntries(Object.keys(localStorage).filter(k => k.startsWith('mm-desk:'))"
                         ".map(k => [k, localStorage.getItem(k)]))")


def _queue(page, meeting) -> list:
    return page.evaluate(f"() => JSON.parse(localStorage.getItem('mm-desk:{meeting.id}:queue') || '[]')")


def _search_and_check_in(page, query, name):
    page.fill("#app-search", query)
    row = page.locator("#app-results li", has_text=name)
    row.get_by_role("button", name="Check in").click()


def test_three_check_ins_offline_sync_once_at_the_device_times_and_sign_out_wipes(shared_db_app, offline_served,
                                                                                  tmp_path):
    meeting, staff, people = _desk(tmp_path)
    video = _frames(meeting, people, ["lukasz", "chingiz", "lost"], tmp_path)  # badges printed before the loss
    services.replace_badge(meeting, people["lost"], actor=None)  # reported lost before the doors open
    db.session.commit()
    camera = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={video}"]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS + camera)
        context = browser.new_context(viewport={"width": 800, "height": 1000})
        page, errors = _open_app(context, offline_served, meeting, staff)
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        storage = _desk_storage(page)
        list_json = storage[f"mm-desk:{meeting.id}:list"]
        assert "Чингиз" in list_json and people["lukasz"].badge_token not in list_json  # hashes, never tokens
        assert shared_db_app.config["BADGE_KEY"] not in list_json

        context.set_offline(True)
        sync_api.expect(page.locator("#app-network")).to_contain_text("Offline")
        page.reload()  # the app opens with no network: the service worker keeps it
        sync_api.expect(page.locator("#app-network")).to_contain_text("Offline", timeout=WAIT)
        sync_api.expect(page.locator("#app-list-age")).to_contain_text("People in the list: 5,")

        page.click("#scan-start")
        log = page.locator("#app-log")
        sync_api.expect(log.locator("li", has_text="Łukasz Wąsowski")).to_contain_text("will sync", timeout=WAIT)
        sync_api.expect(log.locator("li", has_text="Чингиз Айтматов")).to_contain_text("will sync", timeout=WAIT)
        sync_api.expect(log.locator("li.log-refused", has_text="replaced").first).to_be_visible(timeout=WAIT)
        page.click("#scan-stop")
        _search_and_check_in(page, "王芳", "Wang Fang")  # family name first, as typed in Chinese
        sync_api.expect(page.locator("#app-waiting")).to_have_text("Waiting to sync: 3")
        page.screenshot(path=str(tmp_path / "offline.png"), full_page=True)
        queued = _queue(page, meeting)
        assert sorted(item["registration"] for item in queued) == sorted(
            people[name].id for name in ("lukasz", "chingiz", "fang"))
        page.locator("#app-results li", has_text="Wang Fang").get_by_role("button", name="hand over the badge").click()
        sync_api.expect(page.locator("#app-waiting")).to_have_text("Waiting to sync: 4")
        handed = _queue(page, meeting)[-1]
        assert handed["kind"] == "hand_over" and handed["registration"] == people["fang"].id
        assert _attendances() == []  # nothing reached the server

        context.set_offline(False)
        sync_api.expect(page.locator("#app-waiting")).to_have_text("Nothing waiting to sync", timeout=WAIT)
        sync_api.expect(page.locator("#app-last-sync")).to_contain_text("Last sync")
        rows = _attendances()
        assert len(rows) == 3
        device_times = {item["registration"]: datetime.fromisoformat(item["at"])
                        for item in queued}
        assert {row.registration_id: row.at for row in rows} == device_times
        assert {row.method.value for row in rows} == {"scan", "search"}
        assert people["lost"].id not in device_times
        db.session.expire_all()
        collections = db.session.scalars(select(BadgeCollection)).all()
        assert [(c.registration_id, c.collected_at, c.handed_over_by_id) for c in collections] == [
            (people["fang"].id, datetime.fromisoformat(handed["at"]), staff.id)]

        # sign-out: the list, the queue and the device id are gone, and so are the cached app and its worker
        page.locator("header .account button[type=submit]").click()
        page.wait_for_url(lambda url: "/checkin/" not in url)
        assert _desk_storage(page) == {}
        assert page.evaluate("() => caches.keys()") == []
        assert page.evaluate("() => navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
        browser.close()
    assert not [error for error in errors if "Content Security Policy" in error]


def test_two_desks_offline_give_one_attendance_and_a_declined_person_comes_back_as_a_conflict(
        shared_db_app, offline_served, tmp_path):
    meeting, staff, people = _desk(tmp_path)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
        first, second = browser.new_context(**phone), browser.new_context()
        page_a, _errors = _open_app(first, offline_served, meeting, staff)
        page_b, _errors = _open_app(second, offline_served, meeting, staff)
        for context in (first, second):
            context.set_offline(True)
        _search_and_check_in(page_a, "lukasz", "Łukasz Wąsowski")  # accents ignored, as online
        page_a.wait_for_timeout(50)
        _search_and_check_in(page_b, "WASOW", "Łukasz Wąsowski")
        _search_and_check_in(page_a, "sipho", "Sipho Dlamini")
        times = [item["at"] for item in _queue(page_a, meeting) + _queue(page_b, meeting)
                 if item["registration"] == people["lukasz"].id]
        assert len(times) == 2 and times[0] != times[1]

        people["declined"].status = RegistrationStatus.declined  # an organiser declines while the desks are offline
        db.session.commit()
        first.set_offline(False)
        sync_api.expect(page_a.locator("#app-waiting")).to_have_text("Nothing waiting to sync", timeout=WAIT)
        second.set_offline(False)
        sync_api.expect(page_b.locator("#app-waiting")).to_have_text("Nothing waiting to sync", timeout=WAIT)

        sync_api.expect(page_a.locator("#app-conflicts")).to_contain_text("Sipho Dlamini")
        sync_api.expect(page_a.locator("#app-conflicts")).to_contain_text("declined")
        sync_api.expect(page_a.locator("#scan-result")).to_contain_text("not recorded")  # no longer "will sync"
        sync_api.expect(page_b.locator("#app-log")).to_contain_text("already in since")
        page_a.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
        assert len(_attendances([people["lukasz"].id])) == 1
        assert _attendances([people["declined"].id]) == []
        db.session.expire_all()
        log = db.session.scalars(select(OfflineCheckIn).where(OfflineCheckIn.registration_id == people["lukasz"].id)
                                 .order_by(OfflineCheckIn.id)).all()
        assert [row.outcome for row in log] == [OfflineOutcome.recorded, OfflineOutcome.already_in]
        assert sorted(row.happened_at for row in log) == sorted(
            datetime.fromisoformat(at) for at in times)
        assert len({row.device_id for row in log}) == 2

        page_a.goto(f"{offline_served}/meetings/{meeting.id}/checkin/app/conflicts")
        sync_api.expect(page_a.locator("main")).to_contain_text("Sipho Dlamini")
        sync_api.expect(page_a.locator("main")).to_contain_text("Łukasz Wąsowski")
        page_a.screenshot(path=str(tmp_path / "conflicts.png"), full_page=True)
        browser.close()


def test_a_device_offline_wipes_the_list_after_the_meetings_last_day(shared_db_app, offline_served, tmp_path):
    meeting, staff, _people = _desk(tmp_path)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        context = browser.new_context()
        page, _errors = _open_app(context, offline_served, meeting, staff)
        assert f"mm-desk:{meeting.id}:list" in _desk_storage(page)
        # The service worker keeps the page only once it is active and controls it (slow on a loaded machine).
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=WAIT)
        context.set_offline(True)  # the server cannot tell it: the device's own clock decides
        page.clock.install()
        page.reload()
        sync_api.expect(page.locator("#app-list-age")).to_contain_text("People in the list: 5,", timeout=WAIT)
        page.clock.set_system_time(offline.wipe_after(meeting) + timedelta(minutes=1))
        page.clock.run_for(20000)  # the app looks again every 15 s
        sync_api.expect(page.locator("#app-notice")).to_contain_text("The meeting is over")
        sync_api.expect(page.locator("#app-list-age")).to_contain_text("No list on this device")
        assert f"mm-desk:{meeting.id}:list" not in _desk_storage(page)
        browser.close()
