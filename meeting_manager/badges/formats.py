"""Badge formats (paper, label sheets, cards), the boxes inside a badge, and fitting text into a box.

Lengths are millimetres. render.py turns these boxes into CSS and uses the same boxes to choose each text's
font size, so that a name of any length shrinks and wraps inside its box instead of overflowing it.
"""
import functools
import math
import subprocess
import unicodedata
from dataclasses import dataclass

PT_PER_MM = 72 / 25.4
A4 = (210.0, 297.0)
LINE_HEIGHT = 1.2  #: badges.css gives every fitted text this line-height
#: what a line really takes when some of its glyphs come from a fallback font with taller metrics than the first
#: font of the stack (measured 1.29 em for Noto Sans CJK and Devanagari under DejaVu Sans)
MIXED_LINE_HEIGHT = 1.35
MIN_PT = 7
MAX_PT = 44
#: the smallest size read at badge distance; a text that does not fit its box at this size is shortened with an
#: ellipsis (`fit_text`), never drawn smaller or over its neighbour
READABLE_PT = {"portrait": 7, "landscape": 7}
ELLIPSIS = "…"


@dataclass(frozen=True)
class Box:
    """A rectangle in mm, from the badge's top-left corner."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class BadgeFormat:
    """Where badges go on a page: `grid` columns x rows from `origin`, `pitch` apart (default: edge to edge)."""

    key: str
    label: str
    page: tuple[float, float]
    badge: tuple[float, float]
    grid: tuple[int, int] = (1, 1)
    origin: tuple[float, float] = (0.0, 0.0)
    pitch: tuple[float, float] | None = None
    cut_marks: bool = False
    source: str = ""

    @property
    def per_sheet(self) -> int:
        return self.grid[0] * self.grid[1]

    @property
    def orientation(self) -> str:
        return "portrait" if self.badge[1] > self.badge[0] else "landscape"

    def slot(self, index: int) -> tuple[float, float]:
        """Top-left corner (mm) of the index-th badge on a sheet, row by row."""
        cols = self.grid[0]
        pitch_x, pitch_y = self.pitch or self.badge
        return self.origin[0] + index % cols * pitch_x, self.origin[1] + index // cols * pitch_y

    @functools.cached_property
    def boxes(self) -> dict[str, Box]:
        layout = _portrait if self.orientation == "portrait" else _landscape
        return _with_latin(layout(*self.badge))

    @property
    def sizes(self) -> dict[str, tuple[int, int, bool]]:
        """Per text: (largest pt, smallest pt, bold)."""
        return FIELD_SIZES[self.orientation]


# Largest sizes keep short names in proportion; the smallest is the readable size (READABLE_PT): below it a text
# is shortened with an ellipsis, and its full value stays on the organisers' lists.
FIELD_SIZES = {
    "portrait": {"name": (40, 8, True), "latin": (14, 7, False), "organisation": (16, 7, False),
                 "country": (13, 7, False), "title": (13, 7, True), "category": (26, 7, True)},
    "landscape": {"name": (26, 7, True), "latin": (10, 7, False), "organisation": (11, 7, False),
                  "country": (9, 7, False), "title": (10, 7, True), "category": (15, 7, True)},
}


def _with_latin(boxes: dict[str, Box]) -> dict[str, Box]:
    """The name's box split for a name with a Latin-script form: the name above, the Latin form small below."""
    name = boxes["name"]
    boxes["name_with_latin"] = Box(name.x, name.y, name.w, 0.72 * name.h)
    boxes["latin"] = Box(name.x, name.y + 0.74 * name.h, name.w, 0.26 * name.h)
    return boxes


def _portrait(w: float, h: float) -> dict[str, Box]:
    pad, gap = 0.045 * w, 0.012 * h
    inner = w - 2 * pad
    header = 0.13 * h
    logo = Box(pad, pad, min(1.6 * header, 0.35 * inner), header)
    boxes = {"logo": logo, "title": Box(pad, pad, inner, header),
             "title_beside_logo": Box(logo.x + logo.w + gap, pad, inner - logo.w - gap, header)}
    y = pad + header + gap
    for name, share in (("name", 0.27), ("organisation", 0.095), ("country", 0.05)):
        boxes[name] = Box(pad, y, inner, share * h)
        y += share * h + gap
    band = Box(pad, h - pad - 0.115 * h, inner, 0.115 * h)
    qr = band.y - gap - y
    boxes.update(qr=Box((w - qr) / 2, y, qr, qr), band=band,
                 category=Box(band.x + 0.03 * w, band.y, band.w - 0.06 * w, band.h))
    return boxes


def _landscape(w: float, h: float) -> dict[str, Box]:
    pad, gap = 0.05 * h, 0.025 * h
    inner = w - 2 * pad
    header = band_h = 0.17 * h
    logo = Box(pad, pad, min(1.8 * header, 0.3 * inner), header)
    band = Box(pad, h - pad - band_h, inner, band_h)
    body_y = pad + header + gap
    body_h = band.y - gap - body_y
    qr = min(body_h, 0.32 * inner)  # leaves the name at least two thirds of the width
    text_w = inner - qr - gap
    boxes = {"logo": logo, "title": Box(pad, pad, inner, header),
             "title_beside_logo": Box(logo.x + logo.w + gap, pad, inner - logo.w - gap, header),
             "qr": Box(w - pad - qr, body_y + (body_h - qr) / 2, qr, qr), "band": band,
             "category": Box(band.x + 0.03 * w, band.y, band.w - 0.06 * w, band.h)}
    y = body_y
    for name, share in (("name", 0.6), ("organisation", 0.25), ("country", 0.15)):
        boxes[name] = Box(pad, y, text_w, share * body_h)
        y += share * body_h
    return boxes


FORMATS: dict[str, BadgeFormat] = {f.key: f for f in (
    BadgeFormat("a6", "A6, one badge a page", page=(105.0, 148.0), badge=(105.0, 148.0),
                source="ISO 216 A6 (105 x 148 mm), the usual insert of conference badge holders"),
    # Edge to edge, so that one cut separates two badges; the marks sit in the margins, where printers can print.
    BadgeFormat("a4-4", "A4, 4 badges (98 x 138 mm) with cut marks", page=A4, badge=(98.0, 138.0), grid=(2, 2),
                origin=(7.0, 10.5), cut_marks=True, source="our layout, fits A6 badge holders"),
    BadgeFormat("a4-8", "A4, 8 badges (98 x 68 mm) with cut marks", page=A4, badge=(98.0, 68.0), grid=(2, 4),
                origin=(7.0, 12.5), cut_marks=True, source="our layout"),
    # Avery L7418 name badge labels: 86 x 55 mm, 2 x 5 on A4, top margin 11 mm, side margin 14 mm, horizontal
    # pitch 96 mm, vertical pitch 55 mm: Avery's published template specification for L7418 (avery.co.uk),
    # taken from memory without network access here; check once by printing on plain paper held against a sheet.
    BadgeFormat("avery-l7418", "Avery L7418 name badge labels, 86 x 55 mm, 10 a sheet", page=A4,
                badge=(86.0, 55.0), grid=(2, 5), origin=(14.0, 11.0), pitch=(96.0, 55.0),
                source="Avery L7418 template specification"),
    # Durable 1452 badge inserts for 54 x 90 mm name badge holders: 10 on a micro-perforated A4 card, 2 x 5, edge
    # to edge and centred (15 mm side, 13.5 mm top margins): Durable's product data as remembered, same caveat.
    BadgeFormat("durable-1452", "Durable 1452 badge inserts, 90 x 54 mm, 10 a sheet", page=A4, badge=(90.0, 54.0),
                grid=(2, 5), origin=(15.0, 13.5), source="Durable 1452 product data"),
    BadgeFormat("cr80", "CR80 card for badge printers, 85.6 x 53.98 mm", page=(85.6, 53.98), badge=(85.6, 53.98),
                source="ISO/IEC 7810 ID-1 (CR80)"),
)}


# --- Fitting text ------------------------------------------------------------------------------------------------
# WeasyPrint cannot be asked how tall a text will be without laying out the whole page, so we estimate it from the
# real advance widths of the fonts in badges.css (fontTools) and wrap greedily as the browser would. The estimate
# is kept on the safe side: the widest of the fonts that have a character, CJK at a full em, a 5 % margin.
SAFETY = 1.05
HYPHENS = "-\u2010"
FALLBACK_EM = 0.75


@functools.lru_cache(maxsize=4096)
def fit_font_pt(text: str, box: Box, largest: int, smallest: int = MIN_PT, *, bold: bool = False,
                own_font_first: bool = False) -> int:
    """The largest whole point size at which `text` wraps into `box` (or `smallest` if none does).

    Sizes that keep every word whole come first; only if none fits may words break anywhere. Lines are taller
    when a fallback font draws part of the text, unless badges.css puts the script's own font first
    (`own_font_first`, for the languages it selects by :lang). Cached: a batch repeats its meeting title,
    categories, countries and organisations.
    """
    line_height = line_height_em(text, own_font_first)

    def fits(pt: int, break_words: bool) -> bool:
        em_mm = pt / PT_PER_MM
        lines = count_lines(text, box.w / em_mm, bold=bold, break_words=break_words)
        return lines * line_height * em_mm <= box.h

    for break_words in (False, True):
        if fits(smallest, break_words):
            low, high = smallest, largest  # fits(low) holds; bisect for the largest size that fits
            while low < high:
                middle = (low + high + 1) // 2
                low, high = (middle, high) if fits(middle, break_words) else (low, middle - 1)
            return low
    return smallest


def fits_at(text: str, box: Box, pt: int, *, bold: bool = False, own_font_first: bool = False) -> bool:
    """Whether `text` at `pt` wraps into `box` (words may break anywhere)."""
    em_mm = pt / PT_PER_MM
    lines = count_lines(text, box.w / em_mm, bold=bold, break_words=True)
    return lines * line_height_em(text, own_font_first) * em_mm <= box.h


def fit_text(text: str, box: Box, largest: int, smallest: int, *, bold: bool = False,
             own_font_first: bool = False) -> tuple[str, int]:
    """(text, pt): the text at the largest size that fits, or, if it does not fit at `smallest`, the longest
    beginning of it that does with a marked ellipsis, at `smallest`. Cuts fall between whole characters as people
    read them (never between a letter and its marks, nor inside a Devanagari conjunct)."""
    if not text or fits_at(text, box, smallest, bold=bold, own_font_first=own_font_first):
        return text, fit_font_pt(text, box, largest, smallest, bold=bold, own_font_first=own_font_first)
    cuts = _cut_points(text)
    low, high = 0, len(cuts) - 1  # cuts[low] always fits (the empty beginning)
    while low < high:
        middle = (low + high + 1) // 2
        candidate = text[:cuts[middle]].rstrip() + ELLIPSIS
        if fits_at(candidate, box, smallest, bold=bold, own_font_first=own_font_first):
            low = middle
        else:
            high = middle - 1
    return text[:cuts[low]].rstrip() + ELLIPSIS, smallest


def _cut_points(text: str) -> list[int]:
    """Offsets where `text` may be cut: not before a combining mark, not after a virama or a joiner."""
    points = [0]
    for i in range(1, len(text)):
        here, before = text[i], text[i - 1]
        if unicodedata.category(here).startswith("M") or here in "‌‍":
            continue
        if before in "‌‍" or unicodedata.name(before, "").endswith("SIGN VIRAMA"):
            continue
        points.append(i)
    return points


def count_lines(text: str, width_em: float, *, bold: bool = False, break_words: bool = True) -> float:
    """How many lines `text` takes in a line `width_em` wide, breaking at spaces, after hyphens, around CJK
    characters, and, if `break_words`, anywhere in a word too long for a line (else the answer is infinite)."""
    adv = functools.partial(_text_em, bold=bold)
    space = adv(" ")
    lines, x = 1, 0.0
    for token, spaced in _tokens(text):
        w = adv(token)
        step = w + (space if spaced and x else 0.0)
        if x + step <= width_em:
            x += step
            continue
        if x:
            lines, x = lines + 1, 0.0
        if w <= width_em:
            x = w
            continue
        if not break_words:
            return math.inf
        for char in token:  # overflow-wrap: anywhere
            cw = adv(char)
            if x and x + cw > width_em:
                lines, x = lines + 1, 0.0
            x += cw
    return lines


def _tokens(text: str):
    """(token, preceded by a space): words, split after hyphens, with each CJK character a token of its own."""
    for word in text.split():
        spaced, run = True, ""
        for char in word:
            if _is_wide(char):
                if run:
                    yield run, spaced
                    spaced, run = False, ""
                yield char, spaced
                spaced = False
            else:
                run += char
                if char in HYPHENS:
                    yield run, spaced
                    spaced, run = False, ""
        if run:
            yield run, spaced


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _text_em(text: str, *, bold: bool) -> float:
    widths = _advance_widths(bold)
    total = 0.0
    for char in text:
        if (w := widths.get(ord(char))) is not None:
            total += w
        elif _is_wide(char):
            total += 1.0
        elif unicodedata.category(char) not in ("Mn", "Me", "Cf"):
            total += FALLBACK_EM
    return total * SAFETY


def line_height_em(text: str, own_font_first: bool = False) -> float:
    """The height of one line of `text`, in em, as WeasyPrint will lay it out."""
    return LINE_HEIGHT if own_font_first or _first_font_has_all(text) else MIXED_LINE_HEIGHT


def _first_font_has_all(text: str) -> bool:
    covered = _first_font_chars()
    return not covered or all(ord(char) in covered or char.isspace() for char in text)


@functools.cache
def _first_font_chars() -> frozenset[int]:
    """Code points of the first font of badges.css (empty if it cannot be found: then nothing is assumed)."""
    from fontTools.ttLib import TTFont

    chars: set[int] = set()
    for bold in (False, True):
        if path := _font_file(MEASURED_FAMILIES[0], bold):
            with TTFont(path, lazy=True) as font:
                chars |= set(font.getBestCmap())
    return frozenset(chars)


#: the non-CJK fonts of the stack in badges.css (CJK glyphs are one em wide in every CJK font)
MEASURED_FAMILIES = ("DejaVu Sans", "Noto Sans", "Noto Sans Arabic", "Noto Sans Hebrew", "Noto Sans Devanagari")


@functools.cache
def _advance_widths(bold: bool) -> dict[int, float]:
    """Code point -> advance width in em, the widest among MEASURED_FAMILIES (empty without fontconfig)."""
    from fontTools.ttLib import TTFont

    widths: dict[int, float] = {}
    for family in MEASURED_FAMILIES:
        if not (path := _font_file(family, bold)):
            continue
        font = TTFont(path, lazy=True)
        upm, metrics = font["head"].unitsPerEm, font["hmtx"].metrics
        for code, glyph in font.getBestCmap().items():
            em = metrics[glyph][0] / upm
            if em > widths.get(code, -1.0):
                widths[code] = em
        font.close()
    return widths


def _font_file(family: str, bold: bool) -> str | None:
    # DejaVu names its regular face "Book", not "Regular": asking only for "Regular" measured Noto Sans instead,
    # which is narrower, so that texts thought to fit one line took two and ran into the next box.
    for style in ("Bold",) if bold else ("Regular", "Book"):
        try:
            out = subprocess.run(["fc-list", f"{family}:style={style}", "file"], capture_output=True, text=True,
                                 timeout=10, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        files = sorted(line.rstrip(": ") for line in out.splitlines() if line.strip().endswith((".ttf:", ".otf:")))
        # the family's upright face at normal width, not its Condensed or Oblique cousins
        files = [f for f in files if not any(w in f.rsplit("/", 1)[-1] for w in ("Condensed", "Oblique", "Italic"))]
        if files:
            return files[0]
    return None
