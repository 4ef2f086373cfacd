"""Defect 3: no text of any report lies outside its page (pdftotext -bbox): wide reports are printed landscape and
their cells wrap."""
import pytest

from meeting_manager.reports.frames import Filters
from meeting_manager.reports.registry import REPORTS, render_report
from tests.documents.pdfcheck import PRINT_MARGIN, outside_page, words


@pytest.mark.parametrize("key", [r.key for r in REPORTS])
def test_no_text_of_a_report_lies_outside_the_page(app, hard_meeting, tmp_path, key):
    meeting, _people = hard_meeting
    report = next(r for r in REPORTS if r.key == key)
    pdf, _name = render_report(report, meeting, Filters(), "pdf")
    path = tmp_path / f"{key}.pdf"
    path.write_bytes(pdf)
    found = words(path)
    assert found, "the report has no text"
    assert outside_page(found, PRINT_MARGIN) == [], [w.text for w in outside_page(found, PRINT_MARGIN)][:10]


def test_wide_reports_are_landscape(app, hard_meeting, tmp_path):
    import subprocess
    meeting, _people = hard_meeting
    report = next(r for r in REPORTS if r.key == "participants_internal")
    pdf, _name = render_report(report, meeting, Filters(), "pdf")
    (tmp_path / "internal.pdf").write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(tmp_path / "internal.pdf")], capture_output=True, text=True).stdout
    width, height = (float(v) for v in info.split("Page size:")[1].split("pts")[0].split(" x "))
    assert width > height
