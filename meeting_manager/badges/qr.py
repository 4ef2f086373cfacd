"""The badge QR code: the check-in token alone, always a full QR code (segno.make() picks Micro QR for short
payloads, which common scanners cannot read).

Badges draw it straight into the PDF page as one vector path (`pdf_path_ops`): WeasyPrint's SVG parser took a
third of the rendering time when the code was inline SVG. `qr_svg` serves screens.
"""
import functools

import segno
from markupsafe import Markup

#: quiet zone in modules, inside the box the badge reserves; the badge keeps white space around that box too
BORDER = 2
#: One fixed data mask (any of the eight decodes the same). Scoring all eight to pick the best took 5 of the 6 ms a
#: code costs — a quarter of a badge's rendering; the score guards against long runs and finder-like patterns in
#: the data, which a random check-in token does not have. The tests decode every format and forty random tokens.
MASK = 2


@functools.lru_cache(maxsize=256)
def make_qr(payload: str) -> segno.QRCode:
    return segno.make_qr(payload, error="m", mask=MASK)


def qr_svg(payload: str, border: int = BORDER) -> Markup:
    """Inline SVG with a viewBox and no fixed size (`omitsize`), so that CSS can scale it uncropped."""
    return Markup(make_qr(payload).svg_inline(omitsize=True, border=border, dark="#000"))


def pdf_path_ops(payload: str, x: float, y: float, size: float) -> bytes:
    """PDF operators that fill the dark modules in the square (x, y, size) in points, y growing downwards (the
    coordinates WeasyPrint leaves a page in), as one path, so that no seams show between modules."""
    matrix = make_qr(payload).matrix
    module = size / (len(matrix) + 2 * BORDER)
    ops = [f"q 0 g {module:.4f} 0 0 {module:.4f} {x:.3f} {y:.3f} cm"]  # from here on, one unit = one module
    for row_number, row in enumerate(matrix, start=BORDER):
        col, width = 0, len(row)
        while col < width:
            if row[col]:
                start = col
                while col < width and row[col]:
                    col += 1
                ops.append(f"{start + BORDER} {row_number} {col - start} 1 re")
            col += 1
    ops.append("f Q")
    return "\n".join(ops).encode()
