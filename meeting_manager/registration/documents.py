"""The participant's PDFs: the visa invitation letter and the e-ticket with the badge QR code (WeasyPrint; the code from badges.qr)."""
from datetime import date
from pathlib import Path

from flask import render_template
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from ..badges.qr import qr_svg
from ..checkin.services import badge_payload
from ..reference.services import country_name
from .models import Registration

PDF_CSS = Path(__file__).resolve().parents[1] / "static" / "css" / "registration-pdf.css"


def _pdf(template: str, **context) -> bytes:
    html = render_template(template, country_name=country_name, **context)
    # Nothing is fetched from the network or the disk: the templates carry all they need inline.
    fetcher = URLFetcher(allowed_protocols=("data",))
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[CSS(filename=str(PDF_CSS))])


def render_visa_letter(registration: Registration) -> bytes:
    """An invitation letter to the consulate, with the passport data: only for its owner, once approved."""
    return _pdf("registration/visa_letter_pdf.html", registration=registration, meeting=registration.meeting,
                visa=registration.visa_request, today=date.today())


def render_e_ticket(registration: Registration) -> bytes:
    """The participant's e-ticket: meeting, name, category and the badge's own QR code (one payload, made by
    checkin.services.badge_payload), which the check-in desk scans."""
    return _pdf("registration/e_ticket_pdf.html", registration=registration, meeting=registration.meeting,
                qr=qr_svg(badge_payload(registration), border=4))
