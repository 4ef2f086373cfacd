"""Badges as one print-ready PDF, fast enough for a whole meeting at once.

`render_badges_pdf(badges, fmt)` needs no Flask app. Badges are cut into chunks of whole sheets; each chunk is an
HTML document (templates/badges/) that WeasyPrint renders in a worker process, and pypdf joins the chunk PDFs.
Chunk PDFs and joined PDFs are cached by content, so an unchanged reprint only reads a file and a changed badge
re-renders only its chunk. WeasyPrint fetches nothing but data: URIs and files under meeting_manager/static.
"""
import base64
import concurrent.futures
import functools
import hashlib
import io
import json
import math
import multiprocessing
import multiprocessing.forkserver
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path

import jinja2
import pypdf
import segno
import weasyprint

from ..pdf import STATIC_DIR, pdf_document
from .formats import FORMATS, MAX_PT, MIN_PT, PT_PER_MM, BadgeFormat, count_lines, fit_text, line_height_em
from .qr import pdf_path_ops

TEMPLATES_DIR = Path(__file__).parents[2] / "templates"
#: most badges per WeasyPrint document (rounded to whole sheets); a batch is shared out evenly over the workers up
#: to this size. Each document costs about 0.15 s of its own (style sheet, font subsets): chunks of 250 took 14.8 ms
#: a badge, of 100 15.5 ms, of 25 21 ms. Smaller chunks re-render less when one badge changes (bench/badges.py).
CHUNK_SIZE = 250
#: a batch is cut into at least this many chunks per worker (chunks of at least MIN_CHUNK badges), so that its
#: progress bar moves as chunks finish: two chunks for two workers showed 0 % until both ended together. Each
#: extra chunk costs ~0.15 s of one worker (its style sheet and fonts).
CHUNKS_PER_WORKER = 4
MIN_CHUNK = 8
MAX_WORKERS = 4  #: each worker peaks near 200 MB
CACHE_LIMIT_BYTES = 512 * 2**20
#: how worker processes start when this process runs other threads (a web server, a job runner): from a fresh
#: interpreter, because a fork copies locks that other threads may hold. A single-threaded process forks, which
#: saves each batch the forkserver's start (imports, about 1.5 s of CPU); its workers only render and end with
#: os._exit, so they never touch inherited database connections.
START_METHOD = "forkserver"
#: what the forkserver imports when it starts: its lifeline (it ends with its parent), this module, and `warm`,
#: which renders a badge so that every render process forked from it has fonts and styles loaded already
FORKSERVER_PRELOAD = [f"{__package__}.forkserver_lifeline", __name__, f"{__package__}.warm"]

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


@dataclass(frozen=True)
class BadgeData:
    """What one badge shows. The QR encodes only `qr_payload`, an opaque signed check-in token."""

    badge_name: str
    organisation: str
    country: str
    category: str
    category_colour: str  #: "#RRGGBB"; the band's text turns black or white for contrast
    qr_payload: str
    meeting_title: str
    logo: bytes | None = None  #: PNG, JPEG, GIF or SVG
    #: language of the name ("ja", "zh", "ko", ...) when known; otherwise guessed from its script, which cannot
    #: tell a Japanese name in kanji alone from a Chinese one
    lang: str | None = None
    #: the Latin-script form printed small under a name in another script ("" for none): names.Purpose.latin
    latin_name: str = ""

    def __post_init__(self):
        if not _COLOUR.fullmatch(self.category_colour):
            raise ValueError(f"category_colour must be #RRGGBB, not {self.category_colour!r}")
        if self.lang is not None and not _LANG.fullmatch(self.lang):
            raise ValueError(f"lang must be a language tag, not {self.lang!r}")
        if self.logo is not None:
            logo_mime_type(self.logo)
        if not self.qr_payload:
            raise ValueError("qr_payload is empty")


def render_badges_pdf(badges: Sequence[BadgeData], fmt: str = "a6", *, workers: int | None = None,
                      cache_dir: Path | None = None,
                      progress: Callable[[int, int], None] | None = None) -> bytes:
    """One PDF of `badges` in format `fmt` (a key of FORMATS), in the order given.

    workers: processes to render in (default: the usable CPUs, at most MAX_WORKERS; 1 renders in this process).
    cache_dir: where rendered chunks and PDFs are kept (default: a private folder in the system's temp dir).
    progress: called with (badges done, total) as chunks finish, for a progress bar.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown badge format {fmt!r}; known: {', '.join(FORMATS)}")
    if not badges:
        raise ValueError("no badges to render")
    cache = _Cache.open(cache_dir)
    workers = workers or default_workers()
    chunks = _chunked(list(badges), FORMATS[fmt], workers)
    keys = [_chunk_key(fmt, chunk) for chunk in chunks]
    whole_key = hashlib.sha256(("\n".join([fmt, *keys])).encode()).hexdigest()
    if len(chunks) > 1 and (whole := cache.get(whole_key)) is not None:
        _report(progress, len(badges), len(badges))
        return whole
    joiner = _Joiner(len(chunks))
    todo, done = {}, 0
    for i, (key, chunk) in enumerate(zip(keys, chunks, strict=True)):
        if (part := cache.get(key)) is None:
            todo[i] = chunk
        else:
            joiner.add(i, part)
            done += len(chunk)
    _report(progress, done, len(badges))
    for i, part in _render_chunks(fmt, todo, workers):
        cache.put(keys[i], part)
        joiner.add(i, part)
        done += len(chunks[i])
        _report(progress, done, len(badges))
    pdf = joiner.result()
    if len(chunks) > 1:  # a single chunk is its own cache entry already
        cache.put(whole_key, pdf)
    return pdf


def _report(progress, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def _chunked(badges: list[BadgeData], fmt: BadgeFormat, workers: int) -> list[list[BadgeData]]:
    # Whole sheets only, so that a chunk renders the same wherever it falls in the batch (and caches).
    wanted = max(MIN_CHUNK, math.ceil(len(badges) / (workers * CHUNKS_PER_WORKER)))
    size = fmt.per_sheet * max(1, round(min(CHUNK_SIZE, wanted) / fmt.per_sheet))
    return [badges[i:i + size] for i in range(0, len(badges), size)]


def _render_chunks(fmt: str, chunks: dict[int, list[BadgeData]], workers: int):
    """Yield (index, PDF bytes) as chunks finish."""
    workers = min(workers, len(chunks))
    if multiprocessing.current_process().daemon:
        workers = 1  # a daemonic process (a Celery prefork worker) may not start processes of its own
    if workers <= 1:
        for i, chunk in chunks.items():
            yield i, render_chunk(fmt, chunk)
        return
    with render_pool(workers) as pool:
        futures = {pool.submit(render_chunk, fmt, chunk): i for i, chunk in chunks.items()}
        for future in concurrent.futures.as_completed(futures):
            yield futures[future], future.result()


def render_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    """A pool of render processes that die with this process (see lifeline.py)."""
    from .lifeline import die_with_parent

    method = "fork" if threading.active_count() == 1 and os.name == "posix" else START_METHOD
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(FORKSERVER_PRELOAD)
    return concurrent.futures.ProcessPoolExecutor(workers, mp_context=context, initializer=die_with_parent)


def start_workers_early() -> None:
    """Start the forkserver that render processes come from, in the background (its imports and warm-up badge take
    ~1.5 s), so that a process about to print does not make its first batch wait for it. The badge page calls this
    when batches run in the web process, a Celery worker when it is ready; starting twice does nothing."""
    if START_METHOD not in multiprocessing.get_all_start_methods():
        return

    def start():
        multiprocessing.get_context(START_METHOD).set_forkserver_preload(FORKSERVER_PRELOAD)
        multiprocessing.forkserver.ensure_running()

    threading.Thread(target=start, name="badge-forkserver", daemon=True).start()


def default_workers() -> int:
    return max(1, min(MAX_WORKERS, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else os.cpu_count() or 1))


class _Joiner:
    """Appends chunk PDFs in order as they arrive, so that parsing them overlaps the rendering of the rest."""

    def __init__(self, count: int):
        self.count, self.next, self.waiting = count, 0, {}
        self.writer = pypdf.PdfWriter()
        self.only: bytes | None = None

    def add(self, index: int, part: bytes) -> None:
        self.waiting[index] = part
        while self.next in self.waiting:
            part = self.waiting.pop(self.next)
            if self.count == 1:
                self.only = part
            else:
                self.writer.append(pypdf.PdfReader(io.BytesIO(part)))
            self.next += 1

    def result(self) -> bytes:
        if self.only is not None:
            return self.only
        # Chunks repeat the logo, colour profiles and the like: keeping one copy made 1,000 badges 26 % smaller.
        self.writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
        out = io.BytesIO()
        self.writer.write(out)
        return out.getvalue()


# --- One chunk: HTML -> PDF ----------------------------------------------------------------------------------------

def render_chunk(fmt: str, badges: Sequence[BadgeData]) -> bytes:
    """One WeasyPrint document of `badges` (whole sheets), in this process."""
    html = render_chunk_html(fmt, badges)
    return pdf_document(html).write_pdf(finisher=functools.partial(_draw_qr_codes, FORMATS[fmt], badges))


def warm_up() -> None:
    """Render one badge whose name needs the fallback fonts, and throw it away: fonts, Pango and the style sheet
    are loaded once (about 0.5 s of CPU), in the forkserver that every render process is forked from."""
    name = "Ana Лима Λίμα 李娜 محمد שרה सुनीता 김민"
    render_chunk("a6", [BadgeData(badge_name=name, organisation=name, country=name, category=name,
                                  category_colour="#1f5f8b", qr_payload="warm-up", meeting_title=name)])


def _draw_qr_codes(spec: BadgeFormat, badges: Sequence[BadgeData], document, pdf) -> None:
    """WeasyPrint finisher: add each badge's QR code to its page's content, in the box the layout left for it."""
    box = spec.boxes["qr"]
    page_numbers = pdf.pages["Kids"][::3]  # pydyf keeps references flat: number, 0, "R"
    for index, badge in enumerate(badges):
        page = pdf.objects[page_numbers[index // spec.per_sheet]]
        content = pdf.objects[int(page["Contents"].split()[0])]
        left, top = spec.slot(index % spec.per_sheet)
        x, y, size = (left + box.x) * PT_PER_MM, (top + box.y) * PT_PER_MM, box.w * PT_PER_MM
        content.stream.append(pdf_path_ops(badge.qr_payload, x, y, size))


def render_chunk_html(fmt: str, badges: Sequence[BadgeData]) -> str:
    spec = FORMATS[fmt]
    views = [_badge_view(spec, i, badge, len(badges)) for i, badge in enumerate(badges)]
    logos = {view["logo"]: badge.logo for view, badge in zip(views, badges, strict=True) if badge.logo}
    return _templates().get_template("badges/sheet.html").render(
        title=badges[0].meeting_title, fmt=spec, mm=_mm,
        slots=[spec.slot(i) for i in range(spec.per_sheet)],
        sheets=[views[i:i + spec.per_sheet] for i in range(0, len(views), spec.per_sheet)],
        font_sizes=range(MIN_PT, MAX_PT + 1), fitted=FITTED_BOXES,
        colours=sorted({badge.category_colour.lower() for badge in badges}),
        band_pads=sorted({view["category"]["pad"] for view in views}),
        logos=[{"key": key, "uri": _data_uri(data)} for key, data in logos.items()])


#: languages for which badges.css puts the script's font first, so that lines keep the stated line-height
OWN_FONT_FIRST = frozenset({"zh", "ja", "ko", "ar", "he", "hi"})
#: boxes whose text is centred vertically by badges.css (.fit), so the style block places their middle
FITTED_BOXES = frozenset({"title", "title_beside_logo", "name", "name_with_latin", "latin", "organisation",
                          "country"})


def _badge_view(spec: BadgeFormat, index: int, badge: BadgeData, count: int) -> dict:
    boxes, sizes = spec.boxes, spec.sizes

    def fitted(field: str, text: str, box: str, lang: str | None = None) -> dict:
        largest, smallest, bold = sizes[field]
        lang = lang or guess_lang(text)
        own_font_first = (lang or "").split("-")[0] in OWN_FONT_FIRST
        shown, pt = fit_text(text, boxes[box], largest, smallest, bold=bold, own_font_first=own_font_first)
        view = {"text": shown, "pt": pt, "dir": text_direction(text), "lang": lang, "shortened": shown != text}
        if box == "category":
            view["pad"] = _band_padding(text, boxes[box], pt, bold, own_font_first)
        return view

    slot = index % spec.per_sheet
    return {
        "slot": slot,
        "cut_marks": _cut_marks(spec, slot, index, count) if spec.cut_marks else (),
        "logo": hashlib.sha256(badge.logo).hexdigest()[:16] if badge.logo else None,
        "title": fitted("title", badge.meeting_title, "title_beside_logo" if badge.logo else "title"),
        "name": fitted("name", badge.badge_name, "name_with_latin" if badge.latin_name else "name", badge.lang),
        "latin": fitted("latin", badge.latin_name, "latin", "en") if badge.latin_name else None,
        "organisation": fitted("organisation", badge.organisation, "organisation"),
        "country": fitted("country", badge.country, "country"),
        "category": fitted("category", badge.category, "category"),
        "colour": badge.category_colour.lower(),
        "ink": "ink-dark" if prefers_dark_text(badge.category_colour) else "ink-light",
    }


def _band_padding(text: str, box, pt: int, bold: bool, own_font_first: bool) -> int:
    """Top padding in hundredths of a mm that centres the category's lines in the band, which is its own box
    rather than a text centred over one (a box fewer per badge: 10 % faster)."""
    em_mm = pt / PT_PER_MM
    lines = count_lines(text, box.w / em_mm, bold=bold) if text.strip() else 1
    height = lines * line_height_em(text, own_font_first) * em_mm
    return max(0, round((box.h - height) / 2 * 100))


def _cut_marks(spec: BadgeFormat, slot: int, index: int, count: int) -> tuple[str, ...]:
    # Marks go only where no badge adjoins, so they never print on a neighbour.
    cols = spec.grid[0]
    col, row = slot % cols, slot // cols
    left_in_sheet = count - (index - slot)  # badges on this sheet, from its first slot
    below = slot + cols < min(spec.per_sheet, left_in_sheet)
    right = col + 1 < cols and slot + 1 < left_in_sheet
    return tuple(side for side, edge in (("n", row == 0), ("s", not below), ("w", col == 0), ("e", not right))
                 if edge)


def _mm(value: float) -> str:
    return f"{value:.3f}mm"


@functools.cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


# --- Text and colour -----------------------------------------------------------------------------------------------

_SCRIPT_RANGES = (
    (0x0590, 0x05FF, "he"), (0x0600, 0x06FF, "ar"), (0x0750, 0x077F, "ar"), (0x08A0, 0x08FF, "ar"),
    (0x0900, 0x097F, "hi"), (0x1100, 0x11FF, "ko"), (0x3040, 0x30FF, "ja"), (0x3130, 0x318F, "ko"),
    (0x31F0, 0x31FF, "ja"), (0x3400, 0x4DBF, "zh"), (0x4E00, 0x9FFF, "zh"), (0xAC00, 0xD7AF, "ko"),
    (0xF900, 0xFAFF, "zh"), (0xFB1D, 0xFB4F, "he"), (0xFB50, 0xFDFF, "ar"), (0xFE70, 0xFEFF, "ar"),
    (0x20000, 0x3FFFF, "zh"),
)


def guess_lang(text: str) -> str | None:
    """A language tag from the script, only where it picks the font; kana or hangul outweigh Chinese characters."""
    found = set()
    for char in text:
        code = ord(char)
        found.update(lang for low, high, lang in _SCRIPT_RANGES if low <= code <= high)
    return next((lang for lang in ("ja", "ko", "zh", "ar", "he", "hi") if lang in found), None)


def text_direction(text: str) -> str:
    """"rtl" if the first strongly directional character is right-to-left (Arabic, Hebrew), else "ltr"."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def prefers_dark_text(colour: str) -> bool:
    """Whether black text contrasts better than white on `colour` (WCAG 2 relative luminance)."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    # Contrast with black is (L + 0.05) / 0.05, with white 1.05 / (L + 0.05); they are equal at L = 0.179.
    return luminance > 0.179


def logo_mime_type(data: bytes) -> str:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if b"<svg" in data[:2048].lower():
        return "image/svg+xml"
    raise ValueError("the logo must be a PNG, JPEG, GIF or SVG image")


def _data_uri(data: bytes) -> str:
    return f"data:{logo_mime_type(data)};base64,{base64.b64encode(data).decode()}"


# --- Cache ---------------------------------------------------------------------------------------------------------

@functools.cache
def render_version() -> str:
    """Changes whenever anything that shapes the PDF changes, so that the cache never serves a stale design."""
    digest = hashlib.sha256(f"{weasyprint.__version__} {segno.__version__} {pypdf.__version__}".encode())
    here = Path(__file__).parent
    sources = [TEMPLATES_DIR / "badges" / "sheet.html", TEMPLATES_DIR / "badges" / "_badge.html",
               STATIC_DIR / "css" / "badges.css", here / "render.py", here / "formats.py", here / "qr.py"]
    for path in sources:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _chunk_key(fmt: str, chunk: Sequence[BadgeData]) -> str:
    def fields(badge: BadgeData) -> list:
        return [hashlib.sha256(v).hexdigest() if isinstance(v, bytes) else v for v in astuple(badge)]

    payload = json.dumps([render_version(), fmt, [fields(badge) for badge in chunk]], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


class _Cache:
    """Content-addressed files; they hold personal data, so the folder is private to this user."""

    def __init__(self, folder: Path | None):
        self.folder = folder

    @classmethod
    def open(cls, folder: Path | None) -> "_Cache":
        default = folder is None
        folder = folder or Path(tempfile.gettempdir()) / f"meeting_manager-badges-{os.getuid()}"
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            info = folder.stat()
        except OSError:
            return cls(None)
        if default and (info.st_uid != os.getuid() or info.st_mode & 0o077):
            return cls(None)  # someone else's folder in a shared temp dir: do not trust it
        return cls(folder)

    def get(self, key: str) -> bytes | None:
        if self.folder is None:
            return None
        path = self.folder / f"{key}.pdf"
        try:
            data = path.read_bytes()
            os.utime(path)  # least recently used goes first
        except OSError:
            return None
        return data

    def put(self, key: str, data: bytes) -> None:
        if self.folder is None:
            return
        try:
            with tempfile.NamedTemporaryFile(dir=self.folder, suffix=".tmp", delete=False) as tmp:
                tmp.write(data)
            os.replace(tmp.name, self.folder / f"{key}.pdf")
            self._trim()
        except OSError:
            pass  # a cache that cannot write only makes the next print slower

    def _trim(self) -> None:
        files = [(p.stat(), p) for p in self.folder.glob("*.pdf")]
        total = sum(info.st_size for info, _ in files)
        for info, path in sorted(files, key=lambda item: item[0].st_mtime):
            if total <= CACHE_LIMIT_BYTES:
                break
            path.unlink(missing_ok=True)
            total -= info.st_size
