"""HTML to PDF for everything the app prints (badges, participant documents, agenda, dashboard, reports): one URL
fetcher (data: URIs and the app's own static files, nothing from the network), one `render_pdf(template, **ctx)`
on the app's Jinja environment, and a cache of PDFs by version (`cached_pdf`) for pages asked for again and again.

Templates link their stylesheets relative to the static folder (`css/print.css`), which is the base URL here. The
badge renderer's processes run without the app (forked, see badges/render.py); they use the same fetcher and
`pdf_document`, with a template environment of their own.
"""
import hashlib
import mimetypes
import os
import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import weasyprint
from flask import current_app, render_template
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_DIR = Path(__file__).resolve().parent / "static"


class StaticFilesFetcher(URLFetcher):
    """Like Indico's IndicoURLFetcher: data: URIs and files under meeting_manager/static, nothing from the network
    (a URL typed into a field never makes the server fetch anything)."""

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if path.is_relative_to(STATIC_DIR) and path.is_file():
                mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})
        raise ValueError(f"a PDF may only use data: URIs and static files, not {url[:100]}")


def pdf_document(html: str, *, stylesheets: tuple[Path, ...] = ()) -> "weasyprint.Document":
    """The laid-out document (callers that report progress between layout and file, or draw on it, use this)."""
    page = weasyprint.HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=StaticFilesFetcher())
    return page.render(stylesheets=[weasyprint.CSS(filename=str(path)) for path in stylesheets])


def html_to_pdf(html: str, *, stylesheets: tuple[Path, ...] = ()) -> bytes:
    return pdf_document(html, stylesheets=stylesheets).write_pdf()


def render_pdf(template: str, *, stylesheets: tuple[Path, ...] = (), **context) -> bytes:
    """A template of the app rendered to a PDF."""
    return html_to_pdf(render_template(template, **context), stylesheets=stylesheets)


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
