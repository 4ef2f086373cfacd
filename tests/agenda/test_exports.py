"""Exports: the print-ready PDF (its text, in order), CSV and XLSX (types kept, formulas neutralised)."""
import io
import re
import shutil
import subprocess
from datetime import date, datetime, time, timedelta

import openpyxl
import pandas as pd
import pytest

from meeting_manager.agenda import exports, services
from meeting_manager.audit.models import AuditEvent
from meeting_manager.exports import neutralise_frame, safe_cell
from meeting_manager.registration.models import RegistrationStatus

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def pdf_text(pdf: bytes, *, layout: bool = False) -> str:
    args = ["pdftotext", "-layout", "-", "-"] if layout else ["pdftotext", "-", "-"]
    return subprocess.run(args, input=pdf, capture_output=True, check=True).stdout.decode()


@pytest.fixture
def agenda(meeting, make_room, make_agenda_session, make_registration):
    """Two days: the first with seven sessions in three rooms, entered out of order."""
    hall, a, b = make_room(meeting, "Plenary Hall", position=0), make_room(meeting, "Room A", position=1), \
        make_room(meeting, "Room B", position=2)
    speaker = make_registration(meeting, given_name="Kwame", family_name="Mensah",
                                status=RegistrationStatus.approved, public_listing_consent=True)
    shy = make_registration(meeting, given_name="Hidden", family_name="Name", status=RegistrationStatus.approved)
    day = meeting.starts_on
    made = [
        make_agenda_session(meeting, "Closing of day one", kind="plenary", room=hall, start="17:00", end="18:00"),
        make_agenda_session(meeting, "Opening plenary", kind="plenary", room=hall, start="09:00", end="10:30",
                            speakers=[speaker, shy]),
        make_agenda_session(meeting, "Workshop on early warning", room=a, start="11:00", end="12:30", capacity=30),
        make_agenda_session(meeting, "Coffee break", kind="break", start="10:30", end="11:00"),
        make_agenda_session(meeting, "Workshop on memory", room=b, start="11:00", end="12:30"),
        make_agenda_session(meeting, "Lunch", kind="break", start="12:30", end="14:00"),
        make_agenda_session(meeting, "Side event: a book launch", kind="side_event", room=b, start="13:00",
                            end="13:50", organiser_name="University Network"),
        make_agenda_session(meeting, "Day two opening", kind="plenary", room=hall, day=day + timedelta(days=1),
                            start="09:00", end="10:00"),
    ]
    return made


DAY_ONE_IN_ORDER = ["Opening plenary", "Coffee break", "Workshop on early warning", "Workshop on memory", "Lunch",
                    "Side event: a book launch", "Closing of day one"]


@needs_pdftotext
def test_pdf_list_holds_every_session_of_a_day_in_order(client, auth, organiser, meeting, agenda):
    auth.sign_in(organiser)
    response = client.get(f"/meetings/{meeting.id}/agenda/agenda.pdf?layout=list")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    positions = [text.index(title) for title in DAY_ONE_IN_ORDER]
    assert positions == sorted(positions)
    assert text.index("Closing of day one") < text.index("Day two opening")
    assert "09:00–10:30" in text and "Kwame Mensah" in text
    assert "Hidden Name" in text  # the organisers' copy names everyone
    assert re.search(r"1 ?/ ?2", text) and re.search(r"2 ?/ ?2", text)  # page numbers; each day starts a page


@needs_pdftotext
def test_public_pdf_names_only_people_listed_publicly(client, meeting, agenda):
    text = pdf_text(client.get(f"/meetings/{meeting.id}/programme.pdf").data)
    assert "Kwame Mensah" in text and "Hidden Name" not in text and "a speaker" in text


@needs_pdftotext
def test_pdf_room_columns(client, auth, organiser, meeting, agenda):
    auth.sign_in(organiser)
    pdf = client.get(f"/meetings/{meeting.id}/agenda/agenda.pdf?layout=rooms").data
    text = pdf_text(pdf, layout=True)
    header = next(line for line in text.splitlines() if "Plenary Hall" in line)
    assert header.index("Plenary Hall") < header.index("Room A") < header.index("Room B")
    row = next(line for line in text.splitlines() if "Workshop on early" in line)
    assert "Workshop on memory" in row  # parallel sessions side by side
    assert text.index("Opening plenary") < text.index("Workshop on early") < text.index("Closing of day one")


def test_pdf_rows_do_not_split_and_pages_are_numbered():
    from pathlib import Path
    template = (Path(__file__).resolve().parents[2] / "templates" / "agenda" / "print.html").read_text()
    assert "tr { break-inside: avoid; }" in template
    assert 'counter(page) " / " counter(pages)' in template


def test_room_grid_spans_breaks_across_rooms(meeting, agenda):
    sessions = [s for s in services.list_sessions(meeting) if s.local_day(meeting.tz) == meeting.starts_on]
    grid = exports.room_grid(sessions, services.list_rooms(meeting), meeting.tz)
    assert [r.name for r in grid["columns"]] == ["Plenary Hall", "Room A", "Room B"]
    spans = [[s.title for s in row["span"]] for row in grid["rows"] if "span" in row]
    assert spans == [["Coffee break"], ["Lunch"]]


def test_empty_agenda_pdf(client, auth, organiser, meeting):
    auth.sign_in(organiser)
    assert client.get(f"/meetings/{meeting.id}/agenda/agenda.pdf").data.startswith(b"%PDF")


def test_csv_export(client, auth, db, organiser, meeting, agenda, make_agenda_session):
    make_agenda_session(meeting, "=HYPERLINK(\"http://evil\")", start="15:00", end="16:00")
    auth.sign_in(organiser)
    response = client.get(f"/meetings/{meeting.id}/agenda/agenda.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns) == exports.TABLE_COLUMNS
    assert list(frame["title"][:2]) == ["Opening plenary", "Coffee break"]
    assert "'=HYPERLINK(\"http://evil\")" in list(frame["title"])
    opening = frame[frame["title"] == "Opening plenary"].iloc[0]
    day = meeting.starts_on.isoformat()

    def at(hour, minute):
        return datetime.combine(meeting.starts_on, time(hour, minute), tzinfo=meeting.tz).isoformat()

    assert (opening["day"], opening["start"], opening["end"]) == (day, at(9, 0), at(10, 30))
    assert opening["speakers"] == "Kwame Mensah; Hidden Name"
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "agenda.export")).details == \
        {"format": "csv", "sessions": 9}


def test_xlsx_export_keeps_types(client, auth, organiser, meeting, agenda, make_agenda_session):
    make_agenda_session(meeting, "@SUM(A1:A2)", start="15:00", end="16:00", track="-1+2")
    auth.sign_in(organiser)
    response = client.get(f"/meetings/{meeting.id}/agenda/agenda.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    zoned = {"start": f"start ({meeting.timezone})", "end": f"end ({meeting.timezone})"}
    assert header == [zoned.get(c, c) for c in exports.TABLE_COLUMNS]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    workshop = next(r for r in rows if r["title"] == "Workshop on early warning")
    assert workshop["day"].date() == meeting.starts_on  # a real date cell
    assert workshop["capacity"] == 30 and isinstance(workshop["signed_up"], int)
    assert workshop["published"] is True and workshop["interpretation"] is False
    formula = next(r for r in rows if r["title"].endswith("SUM(A1:A2)"))
    # text cells are strings, never evaluated: their value is kept exactly, with no CSV apostrophe (defect 5)
    assert formula["title"] == "@SUM(A1:A2)" and formula["track"] == "-1+2"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert workshop[f"start ({meeting.timezone})"].hour == 11


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+44 20", "'+44 20"), ("-5", "'-5"), ("@cmd", "'@cmd"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("Plain", "Plain"), ("", ""), ("a=b", "a=b"), (-5, -5), (3.5, 3.5), (None, None), (True, True),
])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_neutralise_frame_keeps_numbers_and_dates():
    frame = pd.DataFrame({"name": ["=cmd", "ok"], "n": [-1, 2], "day": [date(2026, 1, 1), date(2026, 1, 2)],
                          "=header": ["x", "y"]})
    safe = neutralise_frame(frame)
    assert list(safe["name"]) == ["'=cmd", "ok"] and list(safe["n"]) == [-1, 2]
    assert list(safe.columns) == ["name", "n", "day", "'=header"]
    assert list(frame["name"]) == ["=cmd", "ok"]  # the original is left alone
