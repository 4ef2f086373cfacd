"""Defects 5 and 9: exports keep the data as it is (XLSX typed cells, text without the CSV apostrophe, dates and
times in the meeting's zone named in the header; CSV protected, ISO 8601 to the second with the offset), and
downloads name their charset once."""
import csv
import io
import re
from datetime import datetime, time

import openpyxl

from meeting_manager.checkin.models import Attendance, AttendanceKind, CheckInMethod
from meeting_manager.registration.models import RegistrationStatus as S

ISO_SECONDS_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def export(client, meeting, key, fmt):
    response = client.post(f"/meetings/{meeting.id}/reports/{key}/export", data={"format": fmt})
    assert response.status_code == 303, response.text[:300]
    download = client.get(f"/jobs/{int(response.location.rstrip('/').split('/')[-1])}/download")
    return download


def test_xlsx_text_is_text_without_the_apostrophe_and_csv_keeps_it(client, auth, organiser, meeting,
                                                                   make_registration):
    make_registration(meeting, status=S.approved, given_name="-2+3", family_name="Sum", public_listing_consent=True)
    auth.sign_in(organiser)
    book = openpyxl.load_workbook(io.BytesIO(export(client, meeting, "participants_public", "xlsx").data))
    [cell] = [c for row in book.active.iter_rows(min_row=2) for c in row if "-2+3" in str(c.value)]
    assert cell.data_type == "s" and cell.value == "-2+3 SUM"
    rows = list(csv.reader(io.StringIO(export(client, meeting, "participants_public", "csv").data.decode("utf-8-sig"))))
    assert rows[1][0] == "'-2+3 SUM"


def test_attendance_times_csv_iso_to_the_second_with_offset_xlsx_typed_with_the_zone(client, auth, organiser, db,
                                                                                     meeting, make_registration):
    person = make_registration(meeting, status=S.approved)
    at = datetime.combine(meeting.starts_on, time(9, 12, 33, 123456), tzinfo=meeting.tz)
    db.session.add(Attendance(meeting_id=meeting.id, registration_id=person.id, kind=AttendanceKind.check_in,
                              day=meeting.starts_on, at=at, method=CheckInMethod.manual))
    db.session.commit()
    auth.sign_in(organiser)
    download = export(client, meeting, "attendance", "csv")
    assert download.headers["Content-Type"].count("charset") <= 1
    rows = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"))))
    first = next(v for k, v in rows[0].items() if k.startswith("first check-in"))
    assert ISO_SECONDS_WITH_OFFSET.match(first), first
    assert datetime.fromisoformat(first) == at.replace(microsecond=0)
    book = openpyxl.load_workbook(io.BytesIO(export(client, meeting, "attendance", "xlsx").data))
    sheet = book["Attended"]
    header = [c.value for c in sheet[1]]
    column = next(i for i, h in enumerate(header) if h.startswith("first check-in"))
    assert header[column] == f"first check-in ({meeting.timezone})"
    assert sheet.cell(2, column + 1).is_date and sheet.cell(2, column + 1).value == datetime(
        *at.timetuple()[:6])


def test_registrations_over_time_days_are_dates(client, auth, organiser, meeting, make_registration):
    make_registration(meeting)
    auth.sign_in(organiser)
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/meetings/{meeting.id}/balance.xlsx").data))
    sheet = book["Registrations over time"]
    assert sheet["A2"].is_date and sheet["B2"].data_type == "n"


def test_agenda_times_are_typed_in_the_meeting_zone(client, auth, organiser, meeting, make_agenda_session):
    make_agenda_session(meeting, "Opening", start="09:00", end="10:30")
    auth.sign_in(organiser)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/meetings/{meeting.id}/agenda/agenda.xlsx").data)).active
    header = [c.value for c in sheet[1]]
    start = header.index(f"start ({meeting.timezone})")
    assert sheet.cell(2, start + 1).is_date
    assert sheet.cell(2, start + 1).value == datetime.combine(meeting.starts_on, time(9))
    response = client.get(f"/meetings/{meeting.id}/agenda/agenda.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    row = next(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert ISO_SECONDS_WITH_OFFSET.match(row["start"]) and row["start"].startswith(
        f"{meeting.starts_on.isoformat()}T09:00:00")


def test_calendar_downloads_name_their_charset_once(client, meeting, make_agenda_session):
    make_agenda_session(meeting, "Opening")
    response = client.get(f"/meetings/{meeting.id}/programme.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
