"""Checks of printed documents with poppler and zbar: word boxes (pdftotext -bbox), page sizes, QR codes."""
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from html import unescape
from pathlib import Path

#: the hardest names of the demo: right-to-left Arabic, Devanagari conjuncts, Vietnamese stacked marks, CJK in
#: family-first order, a mononym, a 58-character name, Greek with accents
HARD_PEOPLE = [
    dict(given_name="فاطمة الزهراء", family_name="العلوي", nationality="MA"),
    dict(given_name="श्रीनिवास", family_name="कृष्णमूर्ति", nationality="IN"),
    dict(given_name="Thị Minh Khai", family_name="Nguyễn", nationality="VN", latin_name=""),
    dict(given_name="秀英", family_name="王", nationality="CN", latin_name="WANG Xiuying"),
    dict(given_name="美咲", family_name="田中", nationality="JP", latin_name="TANAKA Misaki"),
    dict(given_name="", family_name="Sukarnoputri", nationality="ID"),
    dict(given_name="Maximiliana Alexandra", family_name="Konstantinopoulou-Vandenberghe Sáez", nationality="BE"),
    dict(given_name="Γιώργος", family_name="Παπαδόπουλος", nationality="GR", latin_name="Giorgos Papadopoulos"),
]
HARD_ORGANISATION = "Coalition for Justice & Memory"
HARD_COUNTRY = "VC"  # Saint Vincent and the Grenadines


@dataclass
class Word:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    page_w: float
    page_h: float

    def shrunk(self, share=0.15):
        """The box without the font's ascent and descent padding (lines of tall fonts touch in their bboxes)."""
        d = (self.y1 - self.y0) * share
        return self.x0, self.y0 + d, self.x1, self.y1 - d


def words(pdf: Path) -> list[Word]:
    """Every word of the PDF with its box in points from the page's top-left corner."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    result, page, size = [], 0, (0.0, 0.0)
    for line in out.splitlines():
        if m := re.search(r'<page width="([\d.]+)" height="([\d.]+)"', line):
            page += 1
            size = float(m[1]), float(m[2])
        elif m := re.search(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*)</word>',
                            line):
            result.append(Word(page, *map(float, m.groups()[:4]), unescape(m[5]), *size))
    return result


def outside_page(all_words: list[Word], margin: float = 0.0) -> list[Word]:
    """Words not wholly on their page, or within `margin` points of its edge (where printers do not print)."""
    return [w for w in all_words if w.x0 < margin or w.y0 < margin or w.x1 > w.page_w - margin
            or w.y1 > w.page_h - margin]


#: what a printed report keeps clear of the paper's edge: 5 mm (its page margins are wider)
PRINT_MARGIN = 5 * 72 / 25.4


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def comparable(text: str) -> str:
    text = unicodedata.normalize("NFKC", text.replace("…", ""))  # NFKC would make the ellipsis three dots
    return "".join(c for c in text if not c.isspace() and c not in "-\u2010" and unicodedata.category(c) != "Cf")


def qr_codes(pdf: Path, tmp_path: Path, dpis=(150, 300)) -> list[str]:
    """Every QR code's text on every page (pdftoppm then zbarimg), each once: a page is read at 150 dpi, and again
    at 300 dpi (a printer's resolution) for a code zbar missed at the lower one."""
    found: list[str] = []
    pages = int(next(line.split()[-1] for line in subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                                     text=True, check=True).stdout.splitlines()
                     if line.startswith("Pages:")))
    for page in range(1, pages + 1):
        on_page: list[str] = []
        for dpi in dpis:
            stem = tmp_path / f"qr-{pdf.stem}-{page}-{dpi}"
            subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", str(page), "-l", str(page), "-singlefile",
                            str(pdf), str(stem)], check=True)
            out = subprocess.run(["zbarimg", "-q", "--raw", f"{stem}.png"], capture_output=True, text=True).stdout
            on_page += [line for line in out.splitlines() if line.strip() and line not in on_page]
        found += on_page
    return found


def badge_layout_problems(pdf: Path, spec, badges) -> list[str]:
    """Problems of a badge PDF (pdftotext -bbox): a word that is no text of its badge, a text that leaves its box
    or overlaps another, a word below the readable size. `badges` are the BadgeData in print order."""
    from meeting_manager.badges.formats import PT_PER_MM, READABLE_PT

    problems = []
    found = words(pdf)
    problems += [f"{w.text!r} outside the page" for w in outside_page(found)]
    for index, badge in enumerate(badges):
        page, slot = index // spec.per_sheet + 1, index % spec.per_sheet
        left, top = (v * PT_PER_MM for v in spec.slot(slot))
        w, h = (v * PT_PER_MM for v in spec.badge)
        mine = [x for x in found if x.page == page and left <= (x.x0 + x.x1) / 2 <= left + w
                and top <= (x.y0 + x.y1) / 2 <= top + h]
        texts = {k: comparable(v) for k, v in _field_texts(badge).items() if v}
        placed = []
        for word in mine:
            text = comparable(word.text)
            if not text:
                continue
            owners = [k for k, v in texts.items() if text in v or text[::-1] in v]
            if not owners:
                problems.append(f"badge {index}: {word.text!r} is none of its texts")
                continue
            middle = ((word.y0 + word.y1) / 2 - top) / PT_PER_MM
            owner = min(owners, key=lambda k: abs(_box(spec, k, badge).y + _box(spec, k, badge).h / 2 - middle))
            placed.append((owner, word))
        for owner, word in placed:
            box = _box(spec, owner, badge)
            _x0, y0, _x1, y1 = word.shrunk()
            if not (top + box.y * PT_PER_MM - 1 <= y0 and y1 <= top + (box.y + box.h) * PT_PER_MM + 1):
                problems.append(f"badge {index}: {owner} word {word.text!r} leaves its box")
            if word.y1 - word.y0 < READABLE_PT[spec.orientation] * 0.95:
                problems.append(f"badge {index}: {word.text!r} is {word.y1 - word.y0:.1f} pt high")
        for i, (owner, word) in enumerate(placed):
            for other_owner, other in placed[i + 1:]:
                if other_owner != owner and overlap(word.shrunk(), other.shrunk()):
                    problems.append(f"badge {index}: {owner} {word.text!r} overlaps {other_owner} {other.text!r}")
    return problems


def _field_texts(badge) -> dict[str, str]:
    return {"title": badge.meeting_title, "name": badge.badge_name, "latin": badge.latin_name,
            "organisation": badge.organisation, "country": badge.country, "category": badge.category}


def _box(spec, field, badge):
    if field == "name" and badge.latin_name:
        return spec.boxes["name_with_latin"]
    return spec.boxes["title_beside_logo" if field == "title" and badge.logo else field]
