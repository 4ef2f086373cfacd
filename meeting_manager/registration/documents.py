"""The participant's PDFs: the visa invitation letter and the e-ticket with the badge QR code (WeasyPrint; the code
from badges.qr, its content from checkin.services.badge_payload for the e-ticket).

The visa letter is what an embassy reads: addressed to the embassy or consulate of the meeting's country in the
participant's country of residence (or the address line an organiser wrote), the name exactly as in the passport,
the passport number, nationality, the dates of the meeting and of the stay, the signatory, a reference, and a QR
code that opens a page where the embassy can check that the letter is genuine. It is written in the participant's
language, followed by English.
"""
import secrets
from datetime import date, timedelta

from babel.dates import format_interval
from flask import render_template
from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..audit.services import record
from ..badges.qr import qr_svg
from ..checkin.services import badge_payload
from ..extensions import db
from ..languages.bilingual import bilingual
from ..pdf import STATIC_DIR, render_pdf
from ..reference.country_names import language_of
from ..reference.services import country_name
from ..tokens import link_for
from .models import Registration

PDF_CSS = STATIC_DIR / "css" / "registration-pdf.css"


def _pdf(template: str, **context) -> bytes:
    return render_pdf(template, stylesheets=(PDF_CSS,), country_name=country_name, **context)


def visa_reference(registration: Registration) -> str:
    """The letter's reference, which the verification page shows too: VL-<meeting>-<registration>."""
    return f"VL-{registration.meeting_id}-{registration.id:05d}"


def stay_dates(registration: Registration) -> tuple[date, date]:
    """The stay the letter asks a visa for: the travel details' arrival and departure days when given, else from
    the day before the meeting to the day after it."""
    meeting, travel = registration.meeting, registration.travel
    arrive = travel.arrival_at.astimezone(meeting.tz).date() if travel and travel.arrival_at else None
    leave = travel.departure_at.astimezone(meeting.tz).date() if travel and travel.departure_at else None
    return arrive or meeting.starts_on - timedelta(days=1), leave or meeting.ends_on + timedelta(days=1)


def visa_address(registration: Registration) -> str:
    """The address line, in the current language: the organiser's, else the embassy or consulate of the meeting's
    country in the country of residence."""
    from flask_babel import gettext as _

    if registration.visa_letter_address.strip():
        return registration.visa_letter_address.strip()
    meeting = registration.meeting
    if not meeting.country_code:
        return _("Embassy or Consulate")
    return _("Embassy or Consulate of %(country)s in %(residence)s", country=country_name(meeting.country_code),
             residence=country_name(registration.residence_country))


def ensure_visa_letter_token(registration: Registration) -> str:
    """The secret of the letter's verification page, made with the first letter (the caller commits)."""
    if not registration.visa_letter_token:
        registration.visa_letter_token = secrets.token_urlsafe(24)
        db.session.flush()
    return registration.visa_letter_token


def set_visa_letter_address(registration: Registration, address: str, *, actor) -> None:
    """An organiser's address line for the letter ("" goes back to the embassy of the meeting's country)."""
    registration.visa_letter_address = (address or "").strip()[:300]
    db.session.flush()
    record("registration.visa_letter_address", actor=actor, meeting=registration.meeting, subject=registration)


def get_verifiable_letter(token: str) -> Registration | None:
    """The registration whose visa letter carries this verification secret, if it is still approved."""
    if not token or len(token) > 64:
        return None
    registration = db.session.scalar(db.select(Registration).where(Registration.visa_letter_token == token))
    if registration is None or registration.status.value != "approved" or registration.visa_request is None:
        return None
    return registration


def render_visa_letter(registration: Registration) -> bytes:
    """An invitation letter to the consulate, with the passport data: only for its owner, once approved. In the
    participant's language, then in English (each version a page of its own)."""
    token = ensure_visa_letter_token(registration)
    verify_url = link_for("registration.verify_visa_letter", token=token)
    arrive, leave = stay_dates(registration)
    languages = [registration.locale] if registration.locale and registration.locale != "en" else []
    context = dict(registration=registration, meeting=registration.meeting, visa=registration.visa_request,
                   arrive=arrive, leave=leave, reference=visa_reference(registration), country_name=country_name,
                   qr=qr_svg(verify_url, border=4), verify_url=verify_url)
    versions = []
    for language in [*languages, "en"]:
        with force_locale(language):
            versions.append(Markup(render_template(
                "registration/_visa_letter_body.html", lang=language, address=visa_address(registration),
                day=lambda d: format_date(d, "long"), today=format_date(date.today(), "long"),
                english_version=language == "en" and bool(languages), **context)))
    return _pdf("registration/visa_letter_pdf.html", versions=versions, **{k: v for k, v in context.items()
                                                                             if k != "country_name"})


def render_e_ticket(registration: Registration) -> bytes:
    """The participant's e-ticket: meeting, name, category and the badge's own QR code (one payload, made by
    checkin.services.badge_payload), which the check-in desk scans. In the participant's language, its fixed words
    in English too (the desk reads them), whoever downloads it."""
    language, meeting = language_of(registration.locale), registration.meeting
    category = registration.category
    words = {"ticket": bilingual(_l("E-ticket"), language),
             "category": bilingual(lambda: category.label, language) if category else None,
             "hint": bilingual(_l("Show this code at the registration desk to collect your badge. Reference %(ref)s.",
                                  ref=registration.id), language)}
    with force_locale(language):
        return _pdf("registration/e_ticket_pdf.html", registration=registration, meeting=meeting, lang=language,
                    words=words, dates=format_interval(meeting.starts_on, meeting.ends_on, "yMMMMd", locale=language),
                    qr=qr_svg(badge_payload(registration), border=4))
