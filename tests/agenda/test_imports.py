"""Importing a draft agenda: good CSV and XLSX files, and every kind of bad row refused with nothing imported."""
import io
from datetime import datetime, time

import openpyxl
import pytest
from sqlalchemy import func, select

from meeting_manager.agenda import imports
from meeting_manager.agenda.models import PersonRole, Session, SessionKind
from meeting_manager.errors import ValidationFailed
from meeting_manager.registration.models import RegistrationStatus

HEADER = "day,start,end,title,kind,room,track,capacity,languages,interpretation,speakers,moderators"


@pytest.fixture
def setup(meeting, make_room, make_registration):
    hall, room_a = make_room(meeting, "Plenary Hall", capacity=300), make_room(meeting, "Room A", capacity=40)
    speaker = make_registration(meeting, status=RegistrationStatus.approved)
    moderator = make_registration(meeting, status=RegistrationStatus.approved)
    return {"day": meeting.starts_on.isoformat(), "hall": hall, "room_a": room_a, "speaker": speaker,
            "moderator": moderator}


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def sessions(db) -> int:
    return db.session.scalar(select(func.count(Session.id)))


def run(meeting, content: bytes, filename: str = "agenda.csv", actor=None):
    return imports.import_agenda(meeting, filename, content, actor=actor)


def test_good_csv_is_imported_as_drafts(db, meeting, setup):
    d, sp, mo = setup["day"], setup["speaker"].email, setup["moderator"].email
    created = run(meeting, csv_file(
        f"{d},09:00,10:30,Opening plenary,plenary,Plenary Hall,,,en; fr,yes,{sp},{mo}",
        f"{d},11:00,12:30,Early warning,Workshop,room a,Prevention,30,en,no,,",
        f"{d},12:30,14:00,Lunch,break,,,,,,,",
        ",,,,,,,,,,,",  # a blank line in the spreadsheet is skipped
    ))
    db.session.commit()
    assert [s.title for s in created] == ["Opening plenary", "Early warning", "Lunch"]
    opening, workshop, lunch = created
    assert opening.kind == SessionKind.plenary and opening.room_id == setup["hall"].id
    assert opening.languages == ["en", "fr"] and opening.interpretation
    assert [(p.role, p.registration_id) for p in opening.people] == [
        (PersonRole.speaker, setup["speaker"].id), (PersonRole.moderator, setup["moderator"].id)]
    assert workshop.room_id == setup["room_a"].id and workshop.capacity == 30 and workshop.track == "Prevention"
    assert lunch.kind == SessionKind.break_ and lunch.room_id is None
    assert not any(s.published for s in created)
    assert opening.starts_at.astimezone(meeting.tz).time() == time(9)


def test_semicolon_separated_csv_from_a_european_excel(db, meeting, setup):
    content = "day;start;end;title\n{};09:00;10:00;Semicolons, and a comma\n".format(setup["day"]).encode()
    assert [s.title for s in run(meeting, content)] == ["Semicolons, and a comma"]


def test_good_xlsx_with_real_date_and_time_cells(db, meeting, setup):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Day", "Start", "End", "Title", "Room", "Capacity", "Speakers"])
    sheet.append([datetime.combine(meeting.starts_on, time()), time(9, 30), time(11), "From Excel", "Room A", 25,
                  setup["speaker"].email.upper()])
    sheet.append([meeting.starts_on.isoformat(), "14:00", "15:00", "Typed as text", None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    created = run(meeting, buffer.getvalue(), "agenda.xlsx")
    assert [(s.title, s.capacity) for s in created] == [("From Excel", 25), ("Typed as text", None)]
    assert created[0].starts_at.astimezone(meeting.tz).time() == time(9, 30)
    assert created[0].people[0].registration_id == setup["speaker"].id


@pytest.mark.parametrize("row, message", [
    ("{d},09:00,10:00,Talk,workshop,Salle Inconnue,,,,,,", "Row 3: there is no room called “Salle Inconnue”"),
    ("{d},11:00,10:00,Backwards,workshop,,,,,,,", "Row 3: The session ends (10:00) before it starts (11:00)."),
    ("{d},09:00,10:00,Talk,workshop,,,,,,ghost@example.org,", "Row 3: nobody is registered for this meeting with "
                                                             "the email ghost@example.org (speakers)."),
    ("31/02/2026,09:00,10:00,Talk,workshop,,,,,,,", "Row 3: the day “31/02/2026” is not a date"),
    ("{d},9 o'clock,10:00,Talk,workshop,,,,,,,", "Row 3: the start time “9 o'clock” is not a time"),
    ("{d},09:00,25:00,Talk,workshop,,,,,,,", "Row 3: the end time “25:00” is not a time"),
    ("{d},09:00,10:00,Talk,lecture,,,,,,,", "Row 3: unknown kind “lecture”"),
    ("{d},09:00,10:00,Talk,workshop,,,-3,,,,", "Row 3: the capacity “-3” is not a whole number of places."),
    ("{d},09:00,10:00,Talk,workshop,,,,,maybe,,", "Row 3: interpretation must be yes or no, not “maybe”."),
    ("{d},09:00,10:00,,workshop,,,,,,,", "Row 3: The title is empty."),
])
def test_bad_rows_are_named_and_nothing_is_imported(db, meeting, setup, row, message):
    good = f"{setup['day']},15:00,16:00,A good row,workshop,,,,,,,"  # row 2; the bad one is row 3
    with pytest.raises(ValidationFailed) as error:
        run(meeting, csv_file(good, row.format(d=setup["day"])))
    assert error.value.message == "Nothing was imported: 1 row has problems."
    assert any(p.startswith(message) for p in error.value.problems), error.value.problems
    assert sessions(db) == 0


def test_overlapping_times_in_a_room_within_the_file_and_against_the_agenda(db, meeting, setup,
                                                                            make_agenda_session):
    make_agenda_session(meeting, "Already booked", room=setup["room_a"], start="16:00", end="17:00")
    d = setup["day"]
    with pytest.raises(ValidationFailed) as error:
        run(meeting, csv_file(f"{d},09:00,10:30,First,workshop,Room A,,,,,,",
                              f"{d},10:00,11:00,Second,workshop,Room A,,,,,,",
                              f"{d},10:00,11:00,Elsewhere,workshop,Plenary Hall,,,,,,",
                              f"{d},16:30,17:30,Late,workshop,Room A,,,,,,"))
    assert error.value.problems == [
        "Row 3: the room is already booked at that time by row 2.",
        "Row 5: the room is already booked at that time by “Already booked”.",
    ]
    assert sessions(db) == 1


def test_every_bad_row_is_listed(db, meeting, setup):
    d = setup["day"]
    with pytest.raises(ValidationFailed) as error:
        run(meeting, csv_file(f"{d},09:00,10:00,Fine,,,,,,,,", "tomorrow,09:00,10:00,Bad day,,,,,,,,",
                              f"{d},10:00,09:00,Bad times,,Nowhere,,,,,,"))
    assert [p.split(":")[0] for p in error.value.problems] == ["Row 3", "Row 4"]
    assert "no room called “Nowhere”" in error.value.problems[1]


@pytest.mark.parametrize("content, filename, message", [
    (b"title,start\nX,09:00\n", "a.csv", "missing: day, end"),
    (HEADER.encode() + b"\n", "a.csv", "The file has no rows."),
    ("day,start,end,title\n2026-01-01,09:00,10:00,Caf\xe9\n".encode("latin-1"), "a.csv", "not UTF-8"),
    (b"PK\x03\x04 not really a workbook", "a.xlsx", "could not be read as an Excel workbook"),
    (b"", "a.csv", "The file has no rows to read"),  # found by the walker: a 500 (pandas' EmptyDataError)
])
def test_bad_files(db, meeting, setup, content, filename, message):
    with pytest.raises(ValidationFailed) as error:
        run(meeting, content, filename)
    assert message in error.value.message or any(message in p for p in error.value.problems)
    assert sessions(db) == 0


def test_import_over_http(client, auth, db, organiser, meeting, setup):
    auth.sign_in(organiser)
    good = csv_file(f"{setup['day']},09:00,10:00,Imported,plenary,Plenary Hall,,,,,,")
    response = client.post(f"/meetings/{meeting.id}/agenda/import",
                           data={"file": (io.BytesIO(good), "agenda.csv")}, content_type="multipart/form-data")
    assert response.status_code == 303 and sessions(db) == 1
    bad = csv_file(f"{setup['day']},09:00,10:00,<b>Bold</b>,plenary,<i>Nowhere</i>,,,,,,")
    response = client.post(f"/meetings/{meeting.id}/agenda/import",
                           data={"file": (io.BytesIO(bad), "agenda.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Row 2: there is no room called “&lt;i&gt;Nowhere&lt;/i&gt;”" in response.text  # shown as text
    assert sessions(db) == 1


def test_template_is_importable(client, auth, db, organiser, meeting, setup):
    auth.sign_in(organiser)
    template = client.get(f"/meetings/{meeting.id}/agenda/import-template.csv").data
    assert [s.title for s in run(meeting, template)] == ["Opening plenary", "Early warning in practice"]
