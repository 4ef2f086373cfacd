"""Defect 4: on every format, the texts of the hardest demo badges stay in their own boxes (pdftotext -bbox): no
two texts overlap, nothing is drawn below a readable size, and a text too long for its box at that size is
shortened with a marked ellipsis."""
import pytest

from meeting_manager.badges.formats import FORMATS, PT_PER_MM, READABLE_PT
from meeting_manager.badges.render import BadgeData, render_badges_pdf
from meeting_manager.names import Purpose, render_name
from tests.documents.pdfcheck import HARD_ORGANISATION, HARD_PEOPLE, comparable, outside_page, overlap, words

FIELDS = ("title", "name", "latin", "organisation", "country", "category")


def hard_badges() -> list[BadgeData]:
    return [BadgeData(badge_name=render_name(p, Purpose.badge), latin_name=render_name(p, Purpose.latin),
                      organisation=HARD_ORGANISATION if i % 2 == 0 else "Ministry of Foreign Affairs and International "
                      "Cooperation of the Republic", country="Saint Vincent and the Grenadines",
                      category="Civil society", category_colour="#1f5f8b", qr_payload=f"payload-{i:04d}-" + "x" * 40,
                      meeting_title="Global Meeting on the Prevention of Atrocity Crimes 2026")
            for i, p in enumerate(HARD_PEOPLE)]


def field_texts(badge: BadgeData) -> dict[str, str]:
    return {"title": badge.meeting_title, "name": badge.badge_name, "latin": badge.latin_name,
            "organisation": badge.organisation, "country": badge.country, "category": badge.category}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_no_two_texts_of_a_badge_overlap(tmp_path, fmt):
    spec = FORMATS[fmt]
    badges = hard_badges()
    path = tmp_path / f"{fmt}.pdf"
    path.write_bytes(render_badges_pdf(badges, fmt, workers=1, cache_dir=tmp_path / "cache"))
    found = words(path)
    assert found and outside_page(found) == []
    boxes = spec.boxes
    for index, badge in enumerate(badges):
        page, slot = index // spec.per_sheet + 1, index % spec.per_sheet
        left, top = (v * PT_PER_MM for v in spec.slot(slot))
        w, h = (v * PT_PER_MM for v in spec.badge)
        mine = [x for x in found if x.page == page and left <= (x.x0 + x.x1) / 2 <= left + w
                and top <= (x.y0 + x.y1) / 2 <= top + h]
        texts = {k: comparable(v) for k, v in field_texts(badge).items() if v}
        placed = []
        for word in mine:
            text = comparable(word.text)
            if not text:
                continue
            owners = [k for k, v in texts.items() if text in v or text[::-1] in v]
            assert owners, f"{fmt}: {word.text!r} is no text of badge {index}"
            middle = ((word.y0 + word.y1) / 2 - top) / PT_PER_MM
            owner = min(owners, key=lambda k: abs(_box(boxes, k, badge).y + _box(boxes, k, badge).h / 2 - middle))
            placed.append((owner, word))
        for owner, word in placed:
            box = _box(boxes, owner, badge)
            x0, y0, x1, y1 = word.shrunk()
            assert top + box.y * PT_PER_MM - 1 <= y0 and y1 <= top + (box.y + box.h) * PT_PER_MM + 1, \
                f"{fmt}: {owner} word {word.text!r} leaves its box"
            height_pt = word.y1 - word.y0
            assert height_pt >= READABLE_PT[spec.orientation] * 0.95, f"{fmt}: {word.text!r} is {height_pt:.1f} pt"
        for i, (owner, word) in enumerate(placed):
            for other_owner, other in placed[i + 1:]:
                if other_owner != owner:
                    assert not overlap(word.shrunk(), other.shrunk()), \
                        f"{fmt}: {owner} {word.text!r} overlaps {other_owner} {other.text!r}"


def _box(boxes, field, badge):
    if field == "name" and badge.latin_name:
        return boxes["name_with_latin"]
    if field == "title":
        return boxes["title"]
    return boxes[field]
