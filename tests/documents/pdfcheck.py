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


def qr_codes(pdf: Path, tmp_path: Path, dpi: int = 150) -> list[str]:
    """Every QR code's text on every page (pdftoppm then zbarimg)."""
    stem = tmp_path / f"qr-{pdf.stem}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(stem)], check=True)
    found = []
    for png in sorted(tmp_path.glob(f"{stem.name}*.png")):
        out = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True).stdout
        found += [line for line in out.splitlines() if line.strip()]
    return found
