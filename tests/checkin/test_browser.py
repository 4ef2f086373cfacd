"""At the door, in a real browser on a phone-sized screen: the camera reads a printed badge and the person is checked
in; held up again, the desk says since when, and nothing new is recorded.

Chromium's fake camera plays a video made from the badge as printed: the real PDF (badges.render), rasterised by
pdftoppm, its QR code filling the frame as when a phone is held up to it. The page decodes it with the vendored jsQR
(headless Chromium has no BarcodeDetector) and posts it to the scan endpoint, as on a phone.
"""
import secrets
import shutil
import subprocess
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from conftest import BROWSER_ARGS, CHROMIUM, PASSWORD, sign_in_browser
from meeting_manager.accounts.models import MeetingRole, MeetingRoleName
from meeting_manager.accounts.services import create_user
from meeting_manager.badges.formats import FORMATS, PT_PER_MM
from meeting_manager.badges.render import render_badges_pdf
from meeting_manager.badges.services import badge_data
from meeting_manager.checkin.models import Attendance
from meeting_manager.extensions import db
from meeting_manager.meetings.models import MeetingStatus
from meeting_manager.meetings.services import create_meeting
from meeting_manager.models_base import utcnow
from meeting_manager.reference.services import load_reference_data
from meeting_manager.registration.models import Gender, Registration, RegistrationStatus

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None or shutil.which("pdftoppm") is None,
                                reason="chromium and pdftoppm (poppler-utils) are needed")
FRAME = (640, 480)


def badge_frame(pdf: bytes, folder, name: str = "badge") -> bytes:
    """One camera frame (Y4M 4:2:0 planes) of the badge's QR code, rasterised from the printed PDF."""
    from PIL import Image

    (folder / f"{name}.pdf").write_bytes(pdf)
    dpi = 150
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(folder / f"{name}.pdf"),
                    str(folder / name)], check=True)
    box, per_mm = FORMATS["a6"].boxes["qr"], dpi / 25.4
    margin = 3  # mm of white around the code, as the camera sees it
    crop = Image.open(folder / f"{name}.png").convert("RGB").crop(
        (round((box.x - margin) * per_mm), round((box.y - margin) * per_mm),
         round((box.x + box.w + margin) * per_mm), round((box.y + box.h + margin) * per_mm)))
    crop = crop.resize((FRAME[1] - 40, FRAME[1] - 40))
    frame = Image.new("RGB", FRAME, "white")
    frame.paste(crop, ((FRAME[0] - crop.width) // 2, 20))
    return frame_planes(frame)


def frame_planes(frame) -> bytes:
    y, cb, cr = frame.convert("YCbCr").split()
    half = (FRAME[0] // 2, FRAME[1] // 2)
    return y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()


def write_video(path, frames: list[bytes]) -> str:
    """A Y4M video at 10 frames a second (Chromium's fake camera plays it in a loop)."""
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{FRAME[0]} H{FRAME[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        for planes in frames:
            video.write(b"FRAME\n" + planes)
    return str(path)


def camera_video(pdf: bytes, folder) -> str:
    """The badge's QR code, rasterised from the printed PDF, as a Y4M video of a phone camera held up to it."""
    return write_video(folder / "camera.y4m", [badge_frame(pdf, folder)] * 10)


def test_a_phone_camera_checks_in_the_person_whose_badge_it_sees(shared_db_app, served, tmp_path):
    load_reference_data()
    meeting = create_meeting(dict(title="Global Meeting", edition=5, starts_on=date.today(),
                                  ends_on=date.today() + timedelta(days=2), timezone="UTC", capacity=100,
                                  status=MeetingStatus.open), actor=None)
    staff = create_user(f"{uuid.uuid4().hex[:8]}@example.org", "Door Staff", PASSWORD)
    staff.meeting_roles.append(MeetingRole(meeting=meeting, role=MeetingRoleName.staff))
    category = next(c for c in meeting.categories if c.code == "state")
    person = Registration(meeting=meeting, given_name="Чингиз", family_name="Айтматов", badge_name="Чингиз Айтматов",
                          email=f"{uuid.uuid4().hex[:8]}@example.org", gender=Gender.man, nationality="KG",
                          residence_country="KG", represented_country="KG", category=category,
                          status=RegistrationStatus.approved, data_consent_at=utcnow(),
                          badge_token=secrets.token_urlsafe(24))
    db.session.add(person)
    db.session.commit()
    assert FORMATS["a6"].boxes["qr"].w * PT_PER_MM > 72  # the code is an inch wide or more on the badge
    video = camera_video(render_badges_pdf([badge_data(person, meeting, None)], "a6", workers=1,
                                           cache_dir=tmp_path / "cache"), tmp_path)

    def check_ins():
        db.session.expire_all()
        return db.session.scalars(select(Attendance).where(Attendance.registration_id == person.id)).all()

    camera = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={video}"]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS + camera)
        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                    device_scale_factor=2)
        page = phone.new_page()
        errors = sign_in_browser(page, served, staff.email)
        page.goto(f"{served}/meetings/{meeting.id}/checkin")
        page.click("#scan-start")  # one tap

        result = page.locator("#scan-result")
        sync_api.expect(result).to_contain_text("Checked in", timeout=20000)
        sync_api.expect(result).to_contain_text("Чингиз Айтматов")
        assert [(a.day, a.kind.value) for a in check_ins()] == [(meeting.starts_on, "check_in")]
        page.screenshot(path=str(tmp_path / "phone.png"))

        # the badge stays in front of the camera: after the pause for the same badge it is sent again
        sync_api.expect(result).to_contain_text("Already in", timeout=20000)
        assert len(check_ins()) == 1  # scanning twice records nothing new
        browser.close()
    assert not [error for error in errors if "Content Security Policy" in error]
