"""Issue 13, documents: a participant's badge, e-ticket and visa letter carry their fixed words in the participant's
language and in English, whoever prints them (a badge batch started by an English organiser, run in the
background); reports and exports speak the language of the organiser who asked, also when a worker builds them.

Expected words come from the catalogs (so the tests read what translators wrote) and from Babel's country names.
pdftotext gives Arabic back in logical order but breaks the lam-alef ligature (لا comes back as ال), so Arabic
phrases are compared word by word, leaving out the words that hold one.
"""
import io
import re
import subprocess

import openpyxl
import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from meeting_manager.jobs.models import Job
from meeting_manager.jobs.services import run_job
from meeting_manager.registration.models import RegistrationStatus
from tests.documents.pdfcheck import comparable

OTHER_LANGUAGES = ("ar", "zh", "fr", "ru", "es")
#: Germany as Babel (CLDR) names it in each language
GERMANY = {"ar": "ألمانيا", "zh": "德国", "fr": "Allemagne", "ru": "Германия", "es": "Alemania"}
LAM_ALEF = re.compile("ل[اأإآ]")


def pdf_text(data: bytes, tmp_path, name="document") -> str:
    assert data.startswith(b"%PDF"), data[:200]
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    return comparable(subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                                     check=True).stdout)


def has(text: str, phrase: str) -> bool:
    """Whether the PDF's text (comparable) holds `phrase`, in any case (a kicker is in capitals); Arabic word by
    word, as pdftotext can give it back."""
    words = [w for w in phrase.split() if not LAM_ALEF.search(w)]
    return bool(words) and all(comparable(w).casefold() in text.casefold() for w in words)


def said(language: str, message: str) -> str:
    """`message` as the catalog of `language` says it; it must be translated there."""
    with force_locale(language):
        text = _(message)
    assert text != message, f"{message!r} is not translated in {language}"
    return text


def participant(register, visa_data, db, meeting, language, email):
    """An approved participant of the meeting reading `language`, representing Germany for an international
    organisation, with a visa request; returns (their signed-in client, registration)."""
    owner, registration = register(email=email, **visa_data)
    registration.locale, registration.represented_country = language, "DE"
    registration.category = next(c for c in meeting.categories if c.code == "international_org")
    registration.status = RegistrationStatus.approved
    db.session.commit()
    return owner, registration


def run_in_background(app, client, url, data):
    """Start a job through `url` with nothing run in the request, then run it as a worker would (no request, the
    default language); returns the job."""
    app.config["JOBS_RUNNER"] = "off"
    response = client.post(url, data=data)
    assert response.status_code in (302, 303) and "/jobs/" in response.location, response.text[:300]
    job_id = int(response.location.rstrip("/").split("/")[-1])
    run_job(job_id)
    return db_job(job_id)


def db_job(job_id):
    from meeting_manager.extensions import db

    return db.session.get(Job, job_id)


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_badge_e_ticket_and_visa_letter_speak_the_participants_language_and_english(
        app, language, register, visa_data, db, meeting, client, auth, staff, tmp_path):
    owner, registration = participant(register, visa_data, db, meeting, language, f"{language}@example.org")

    # the badge, printed by an English-speaking desk in a background job
    auth.sign_in(staff)
    job = run_in_background(app, client, f"/meetings/{meeting.id}/badges/{registration.id}/reprint",
                            {"format": "a6"})
    badge = pdf_text(client.get(f"/jobs/{job.id}/download").data, tmp_path, "badge")
    for phrase in (GERMANY[language], "Germany", said(language, "International organisation"),
                   "International organisation"):
        assert has(badge, phrase), (language, phrase, badge)

    # the e-ticket and the visa letter, downloaded by the participant (whose pages are in English)
    ticket = pdf_text(owner.get(f"/my/registrations/{registration.id}/e-ticket.pdf").data, tmp_path, "ticket")
    for phrase in (said(language, "E-ticket"), said(language, "International organisation"),
                   "International organisation", "E-ticket", GERMANY[language], "at the registration desk"):
        assert has(ticket, phrase), (language, phrase, ticket)
    letter = pdf_text(owner.get(f"/my/registrations/{registration.id}/visa-letter.pdf").data, tmp_path, "letter")
    for phrase in (said(language, "Passport number"), said(language, "Nationality"), "Passport number",
                   "Nationality", "Letter of invitation"):
        assert has(letter, phrase), (language, phrase, letter)


def test_a_batch_by_an_english_organiser_prints_each_badge_in_its_wearers_language(
        app, register, visa_data, db, meeting, client, auth, organiser, tmp_path):
    _french, french = participant(register, visa_data, db, meeting, "fr", "fr@example.org")
    _english, english = participant(register, visa_data, db, meeting, "en", "en@example.org")
    french.family_name, english.family_name = "Aubert", "Brown"  # badge-name order: the French badge first
    db.session.commit()
    auth.sign_in(organiser)
    job = run_in_background(app, client, f"/meetings/{meeting.id}/badges", {"format": "a6"})
    pages = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=client.get(f"/jobs/{job.id}/download").data,
                           capture_output=True, check=True).stdout.decode().split("\f")
    french_badge, english_badge = (comparable(page) for page in pages[:2])
    assert "Allemagne/Germany" in french_badge
    assert "Organisationinternationale/Internationalorganisation" in french_badge
    assert "Germany" in english_badge and "Allemagne" not in english_badge
    assert english_badge.count("Internationalorganisation") == 1  # English once


@pytest.fixture
def reading_organiser(organiser, db, meeting, make_registration):
    """The organiser, reading French (a test may switch), with one approved participant from Kenya."""
    organiser.locale = "fr"
    make_registration(meeting, status=RegistrationStatus.approved, given_name="Amina", family_name="Diallo",
                      country="KE", public_listing_consent=True)
    db.session.commit()
    return organiser


def test_a_report_pdf_built_in_the_background_speaks_the_organisers_language(
        app, reading_organiser, meeting, client, auth, tmp_path):
    auth.sign_in(reading_organiser)
    job = run_in_background(app, client, f"/meetings/{meeting.id}/reports/participants_internal/export",
                            {"format": "pdf"})
    text = pdf_text(client.get(f"/jobs/{job.id}/download").data, tmp_path, "report")
    for word in ("pays", "région", "catégorie", "Kenya", "États d’Afrique", "femme"):
        assert comparable(word) in text, (word, text)
    assert "region" not in text and "AfricanStates" not in text


def test_an_xlsx_export_has_the_organisers_headers_and_keeps_its_types(
        app, reading_organiser, meeting, client, auth, db, tmp_path):
    reading_organiser.locale = "es"
    db.session.commit()
    auth.sign_in(reading_organiser)
    job = run_in_background(app, client, f"/meetings/{meeting.id}/reports/attendance/export", {"format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/jobs/{job.id}/download").data))
    assert {"Asistentes", "Ausencias"} <= set(book.sheetnames)
    absent = book["Ausencias"]
    header = [c.value for c in absent[1]]
    assert {"día", "país", "región", "categoría"} <= set(header), header
    row = dict(zip(header, (c for c in absent[2]), strict=True))
    assert row["país"].value == "Kenia" and row["región"].value == "Estados de África"
    assert row["día"].is_date  # still a date cell, not text
