"""HTML to PDF for every printed page (dashboard, reports): our static CSS and fonts only, nothing from the network;
and a cache of PDFs by version (`cached_pdf`), for pages asked for again and again while nothing changed.

Templates link their stylesheets relative to the static folder (`css/print.css`), which is the base URL here.
"""
import hashlib
import os
import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import weasyprint
from flask import current_app

from .badges.render import StaticFilesFetcher

STATIC_DIR = Path(__file__).resolve().parent / "static"


def pdf_document(html: str) -> "weasyprint.Document":
    """The laid-out document (callers that report progress between layout and file use this)."""
    return weasyprint.HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=StaticFilesFetcher()).render()


def html_to_pdf(html: str) -> bytes:
    return pdf_document(html).write_pdf()


#: PDFs kept per folder of the cache (every version in use, and a few older ones)
CACHE_KEEP = 24
_render_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)


def cached_pdf(folder: str, key_html: str, render: Callable[[], bytes]) -> tuple[bytes, str]:
    """A PDF rendered once per version and kept under STORAGE_DIR/cache/<folder>/; returns it and its key (an
    ETag). The version is `key_html`, the page's HTML rendered with a fixed time in place of "printed at": any
    change of what it shows makes a new file, so nothing stale is served; the HTML takes milliseconds where the
    PDF takes seconds. Requests arriving together in one process: one renders, the others wait for it."""
    key = hashlib.sha256(f"{weasyprint.__version__}\n{key_html}".encode()).hexdigest()[:40]
    directory = Path(current_app.config["STORAGE_DIR"]) / "cache" / folder
    path = directory / f"{key}.pdf"
    if path.is_file():
        return path.read_bytes(), key
    with _render_locks[key]:
        if path.is_file():
            return path.read_bytes(), key
        pdf = render()
        directory.mkdir(parents=True, exist_ok=True)
        partial = directory / f".{key}.{os.getpid()}.{threading.get_ident()}"
        partial.write_bytes(pdf)
        os.replace(partial, path)  # other processes see the whole file or none
        for old in sorted(directory.glob("*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True)[CACHE_KEEP:]:
            old.unlink(missing_ok=True)
    _render_locks.pop(key, None)
    return pdf, key
