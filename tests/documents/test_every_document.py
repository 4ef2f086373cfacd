"""Done when: every document of the meeting, printed for the hardest names of the demo, is right. Badges in every
format, the e-ticket, the visa letter, the agenda and the programme, every report in PDF and XLSX, checked with
poppler (pdftotext -bbox, pdfinfo), zbar and openpyxl: names written by the one name function, nothing outside the
page, no overlapping boxes on badges, every QR code accepted by the desk, XLSX cells typed.

Set DOCUMENT_PNGS=<folder> to keep a PNG of every page there, to look at.
"""
import io
import os
import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from meeting_manager.badges.formats import FORMATS
from meeting_manager.badges.render import render_badges_pdf
from meeting_manager.badges.services import badge_data
from meeting_manager.reports.frames import Filters
from meeting_manager.reports.registry import REPORTS, render_report
from tests.documents.pdfcheck import PRINT_MARGIN, badge_layout_problems, comparable, outside_page, qr_codes, words

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("zbarimg") is None,
                                reason="poppler-utils and zbar-tools are needed")


def text_of(pdf: Path) -> str:
    return comparable(subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                                     check=True).stdout)


def keep_pngs(pdf: Path) -> None:
    folder = os.environ.get("DOCUMENT_PNGS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(Path(folder) / pdf.stem)], check=True)


def save(tmp_path: Path, name: str, data: bytes) -> Path:
    assert data.startswith(b"%PDF"), name
    path = tmp_path / name
    path.write_bytes(data)
    keep_pngs(path)
    return path


def accepted_by_the_desk(client, meeting, payload: str) -> bool:
    response = client.post(f"/meetings/{meeting.id}/checkin/scan", json={"payload": payload})
    return response.status_code == 200 and response.get_json()["result"] in ("checked_in", "already_in")


def test_every_document_of_the_meeting(app, hard_meeting, tmp_path, client, auth, organiser, desk_on_first_day, db,
                                       make_user, make_agenda_session):
    meeting, people = hard_meeting
    make_agenda_session(meeting, "Opening plenary: prevention as a shared responsibility", kind="plenary",
                        speakers=people[:3], start="09:00", end="10:30")
    make_agenda_session(meeting, "Early warning in practice", start="11:00", end="12:30", speakers=people[3:6])
    auth.sign_in(organiser)

    # Badges, every format: names by render_name(badge), no overlaps, every QR accepted at the desk
    badges = [badge_data(p, meeting, None) for p in people]
    assert [b.badge_name for b in badges] == [p.name_for("badge") for p in people]
    for fmt, spec in FORMATS.items():
        path = save(tmp_path, f"badges-{fmt}.pdf", render_badges_pdf(badges, fmt, workers=1,
                                                                      cache_dir=tmp_path / "cache"))
        assert badge_layout_problems(path, spec, badges) == [], fmt
        text = text_of(path)
        for badge in badges:
            shown = comparable(badge.badge_name)
            assert shown in text or shown[::-1] in text or shown[:12] in text, (fmt, badge.badge_name)
        codes = qr_codes(path, tmp_path)
        assert sorted(codes) == sorted(b.qr_payload for b in badges), fmt
    assert all(accepted_by_the_desk(client, meeting, b.qr_payload) for b in badges)

    # E-ticket and visa letter of each person, as they download them
    for person in people:
        owner = make_user(email=f"owner{person.id}@example.org")
        person.user_id, person.email = owner.id, owner.email
        db.session.commit()
        auth.sign_in(owner)
        ticket = save(tmp_path, f"e-ticket-{person.id}.pdf",
                      client.get(f"/my/registrations/{person.id}/e-ticket.pdf").data)
        assert outside_page(words(ticket), PRINT_MARGIN) == []
        assert comparable(person.name_for("badge")) in text_of(ticket)
        [code] = qr_codes(ticket, tmp_path)
        letter = save(tmp_path, f"visa-letter-{person.id}.pdf",
                      client.get(f"/my/registrations/{person.id}/visa-letter.pdf").data)
        assert outside_page(words(letter), PRINT_MARGIN) == []
        letter_text = text_of(letter)
        assert comparable(person.name_for("letter")) in letter_text
        assert comparable(person.visa_request.passport_number) in letter_text
        verify = qr_codes(letter, tmp_path)
        assert verify and all(client.get("/" + url.split("/", 3)[3]).status_code == 200 for url in verify)
        auth.sign_in(organiser)
        assert accepted_by_the_desk(client, meeting, code), person.name_for("list")

    # The agenda (organisers' print) and the public programme
    for name, url in (("agenda", f"/meetings/{meeting.id}/agenda/agenda.pdf"),
                      ("agenda-rooms", f"/meetings/{meeting.id}/agenda/agenda.pdf?layout=rooms"),
                      ("programme", f"/meetings/{meeting.id}/programme.pdf")):
        response = client.get(url)
        assert response.status_code == 200, url
        path = save(tmp_path, f"{name}.pdf", response.data)
        assert outside_page(words(path), PRINT_MARGIN) == [], name

    # Every report: PDF within its pages, names by render_name(list); XLSX typed
    listed = [p.name_for("list") for p in people]
    for report in REPORTS:
        pdf, _name = render_report(report, meeting, Filters(), "pdf")
        path = save(tmp_path, f"report-{report.key}.pdf", pdf)
        assert outside_page(words(path), PRINT_MARGIN) == [], report.key
        if report.key in ("participants_public", "participants_internal", "attendance", "delegations"):
            text = text_of(path)
            for name in listed:  # in a table a long name wraps inside its cell: each of its words is there
                assert all(comparable(part) in text for part in re.split(r"[\s-]+", name) if part), (report.key, name)
        if report.key == "visa":
            text = text_of(path)
            assert all(comparable(part) in text for p in people
                       for part in re.split(r"[\s-]+", p.name_for("letter")) if part)
        xlsx, _name = render_report(report, meeting, Filters(), "xlsx")
        book = openpyxl.load_workbook(io.BytesIO(xlsx))
        for sheet in book.worksheets:
            header = [c.value for c in sheet[1]]
            for row in sheet.iter_rows(min_row=2):
                for title, cell in zip(header, row, strict=True):
                    if cell.value is None:
                        continue
                    if cell.data_type == "s":
                        assert not cell.value.startswith("'"), (report.key, title, cell.value)
                        assert not _looks_like_a_date_or_number(cell.value), (report.key, title, cell.value)
                    if isinstance(cell.value, datetime) and cell.value.time() != datetime.min.time():
                        assert f"({meeting.timezone})" in str(title), (report.key, title)
        if report.key == "participants_internal":
            names = [c.value for c in book.active["A"][1:]]
            assert sorted(names) == sorted(listed)


def _looks_like_a_date_or_number(value: str) -> bool:
    try:
        float(value)
        return True
    except ValueError:
        pass
    try:
        date.fromisoformat(value)
        return True
    except ValueError:
        return False
