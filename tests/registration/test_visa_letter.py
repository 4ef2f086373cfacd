"""The visa letter an embassy reads: its address, the passport name and number, nationality, the dates of the meeting
and of the stay, the signatory, a reference, and a QR code that opens a page showing the letter is genuine; in the
participant's language and in English."""
import re
import subprocess

from babel.dates import format_date

from meeting_manager.audit.models import AuditEvent


def pdf_text(data: bytes, tmp_path) -> str:
    (tmp_path / "letter.pdf").write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "letter.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout


def qr_of(data: bytes, tmp_path) -> str:
    (tmp_path / "qr.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(tmp_path / "qr.pdf"),
                    str(tmp_path / "qr")], check=True)
    [png] = sorted(tmp_path.glob("qr*.png"))
    return subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True).stdout.strip()


def test_the_letter_says_what_an_embassy_needs(app, register, approve, visa_data, meeting, tmp_path, db, client,
                                               auth, organiser):
    meeting.visa_signatory_name, meeting.visa_signatory_title = "Dr. Ama Owusu", "Head of the Secretariat"
    meeting.visa_signatory_contact = "visa@globalmeeting.example.org, +49 30 1234567"
    db.session.commit()
    owner, registration = register(given_name="秀英", family_name="王", nationality="CN", residence_country="KE",
                                   passport_name="WANG XIUYING", **visa_data)
    approve(registration)
    response = owner.get(f"/my/registrations/{registration.id}/visa-letter.pdf")
    assert response.status_code == 200
    text = " ".join(pdf_text(response.data, tmp_path).split())
    assert "Embassy or Consulate of Germany in Kenya" in text
    assert "WANG XIUYING" in text and "秀英 王" not in text and "P1234567X" in text and "China" in text
    assert format_date(meeting.starts_on, "long", locale="en") in text
    assert format_date(meeting.ends_on, "long", locale="en") in text
    assert "Dr. Ama Owusu" in text and "Head of the Secretariat" in text and "visa@globalmeeting.example.org" in text
    db.session.refresh(registration)
    reference = f"VL-{meeting.id}-{registration.id:05d}"
    assert reference in text
    # the QR code opens the verification page: the reference, the name and the dates, nothing else
    url = qr_of(response.data, tmp_path)
    assert re.fullmatch(r"http://[^/]+/visa-letters/[A-Za-z0-9_-]{20,}", url), url
    page = app.test_client().get("/" + url.split("/", 3)[3])
    assert page.status_code == 200
    assert reference in page.text and "WANG XIUYING" in page.text and meeting.title in page.text
    assert "P1234567X" not in page.text and "1985" not in page.text and "Kenya" not in page.text
    assert app.test_client().get("/visa-letters/forged-token-1234567890").status_code == 404
    # the organiser edits the address line
    auth.sign_in(organiser)
    edited = client.post(f"/meetings/{meeting.id}/registrations/{registration.id}/visa-address",
                         data={"visa_letter_address": "Consulate General of Germany, Nairobi"})
    assert edited.status_code == 303
    text = " ".join(pdf_text(owner.get(f"/my/registrations/{registration.id}/visa-letter.pdf").data,
                             tmp_path).split())
    assert "Consulate General of Germany, Nairobi" in text and "in Kenya" not in text
    assert "registration.visa_letter_address" in db.session.scalars(db.select(AuditEvent.action)).all()


def test_the_letter_comes_in_the_participants_language_and_in_english(register, approve, visa_data, tmp_path):
    owner, registration = register(given_name="Amina", family_name="Diallo", **visa_data)
    registration.locale = "fr"
    approve(registration)
    text = " ".join(pdf_text(owner.get(f"/my/registrations/{registration.id}/visa-letter.pdf").data,
                             tmp_path).split())
    assert text.count("AMINA DIALLO") >= 2 or text.count("Amina Diallo") >= 2  # once per language
    assert "English" in text  # the English version is marked as such
