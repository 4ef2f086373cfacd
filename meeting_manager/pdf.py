"""HTML to PDF for every printed page (dashboard, reports): our static CSS and fonts only, nothing from the network.

Templates link their stylesheets relative to the static folder (`css/print.css`), which is the base URL here.
"""
from pathlib import Path

import weasyprint

from .badges.render import StaticFilesFetcher

STATIC_DIR = Path(__file__).resolve().parent / "static"


def pdf_document(html: str) -> "weasyprint.Document":
    """The laid-out document (callers that report progress between layout and file use this)."""
    return weasyprint.HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=StaticFilesFetcher()).render()


def html_to_pdf(html: str) -> bytes:
    return pdf_document(html).write_pdf()
