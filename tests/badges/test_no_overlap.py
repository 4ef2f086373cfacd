"""Defect 4: on every format, the texts of the hardest demo badges stay in their own boxes (pdftotext -bbox): no
two texts overlap, nothing is drawn below a readable size, and a text too long for its box at that size is
shortened with a marked ellipsis."""
import pytest

from meeting_manager.badges.formats import FORMATS
from meeting_manager.badges.render import BadgeData, render_badges_pdf
from meeting_manager.names import Purpose, render_name
from tests.documents.pdfcheck import HARD_ORGANISATION, HARD_PEOPLE, badge_layout_problems, words


def hard_badges() -> list[BadgeData]:
    return [BadgeData(badge_name=render_name(p, Purpose.badge), latin_name=render_name(p, Purpose.latin),
                      organisation=HARD_ORGANISATION if i % 2 == 0 else "Ministry of Foreign Affairs and International "
                      "Cooperation of the Republic", country="Saint Vincent and the Grenadines",
                      category="Civil society", category_colour="#1f5f8b", qr_payload=f"payload-{i:04d}-" + "x" * 40,
                      meeting_title="Global Meeting on the Prevention of Atrocity Crimes 2026")
            for i, p in enumerate(HARD_PEOPLE)]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_no_two_texts_of_a_badge_overlap(tmp_path, fmt):
    badges = hard_badges()
    path = tmp_path / f"{fmt}.pdf"
    path.write_bytes(render_badges_pdf(badges, fmt, workers=1, cache_dir=tmp_path / "cache"))
    assert words(path)
    assert badge_layout_problems(path, FORMATS[fmt], badges) == []
