"""Importing the same agenda twice never duplicates it: rows are matched by id, else title + start + room, a dry
run shows new / changed / unchanged / not in the file before anything is written, and the health page lists
duplicate sessions (issue 18, item 5)."""
import io
import re

import pytest
from sqlalchemy import func, select

from meeting_manager.agenda.models import Session

HEADER = "id,day,start,end,title,kind,room"


@pytest.fixture
def rooms(meeting, make_room):
    return make_room(meeting, "Plenary Hall", capacity=300), make_room(meeting, "Room A", capacity=40)


def _file(meeting, *rows, header=HEADER) -> bytes:
    day = meeting.starts_on.isoformat()
    return ("\n".join([header, *(r.format(day=day) for r in rows)]) + "\n").encode()


AGENDA = ("S1,{day},09:00,10:30,Opening plenary,plenary,Plenary Hall",
          "S2,{day},11:00,12:30,Early warning,workshop,Room A",
          "S3,{day},11:00,12:30,Atrocity prevention and the media,workshop,Plenary Hall")


def _count(db) -> int:
    return db.session.scalar(select(func.count(Session.id)))


def _preview(client, meeting, content, name="agenda.csv"):
    return client.post(f"/meetings/{meeting.id}/agenda/import", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def _confirm(client, meeting, preview):
    data = dict(re.findall(r'name="(upload|fingerprint)" value="([^"]+)"', preview.text))
    return client.post(f"/meetings/{meeting.id}/agenda/import", data=data)


def _summary(page) -> dict:
    summary = page.text.split('class="import-summary"', 1)[1].split("</ul>", 1)[0]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", summary))
    return {k: int(re.search(rf"(\d+) {k}", text)[1]) for k in ("new", "changed", "unchanged")} | {
        "not_in_file": int(re.search(r"(\d+) on the agenda but not in the file", text)[1])}


def test_the_same_file_twice_adds_nothing_the_second_time(client, auth, db, organiser, meeting, rooms):
    auth.sign_in(organiser)
    first = _preview(client, meeting, _file(meeting, *AGENDA))
    assert first.status_code == 200 and _count(db) == 0
    assert _summary(first) == {"new": 3, "changed": 0, "unchanged": 0, "not_in_file": 0}
    assert _confirm(client, meeting, first).status_code == 303 and _count(db) == 3
    # the same confirmation again (a double click, the back button) changes nothing
    assert _confirm(client, meeting, first).status_code == 303 and _count(db) == 3

    again = _preview(client, meeting, _file(meeting, *AGENDA))
    assert _summary(again) == {"new": 0, "changed": 0, "unchanged": 3, "not_in_file": 0}
    assert "there is nothing to import" in again.text and "already booked" not in again.text
    assert _count(db) == 3


def test_a_changed_file_updates_by_id_and_says_what_changes(client, auth, db, organiser, meeting, rooms):
    auth.sign_in(organiser)
    _confirm(client, meeting, _preview(client, meeting, _file(meeting, *AGENDA)))
    changed = _file(meeting, "S1,{day},09:00,10:00,Opening plenary (short),plenary,Plenary Hall",
                    "S2,{day},11:00,12:30,Early warning,workshop,Room A",
                    "S4,{day},14:00,15:00,Closing,plenary,Plenary Hall")
    preview = _preview(client, meeting, changed)
    assert _summary(preview) == {"new": 1, "changed": 1, "unchanged": 1, "not_in_file": 1}
    assert "title, end" in preview.text and "Atrocity prevention and the media" in preview.text
    assert _count(db) == 3  # still a dry run
    assert _confirm(client, meeting, preview).status_code == 303
    titles = sorted(db.session.scalars(select(Session.title)))
    assert titles == ["Atrocity prevention and the media", "Closing", "Early warning", "Opening plenary (short)"]


def test_without_an_id_title_start_and_room_match(client, auth, db, organiser, meeting, rooms):
    auth.sign_in(organiser)
    rows = [r.split(",", 1)[1] for r in AGENDA]
    header = HEADER.split(",", 1)[1]
    _confirm(client, meeting, _preview(client, meeting, _file(meeting, *rows, header=header)))
    assert _count(db) == 3
    moved = [*rows[:2], "{day},11:00,12:00,Atrocity prevention and the media,workshop,Plenary Hall"]
    preview = _preview(client, meeting, _file(meeting, *moved, header=header))
    assert _summary(preview) == {"new": 0, "changed": 1, "unchanged": 2, "not_in_file": 0}


def test_a_row_twice_in_the_file_is_refused(client, auth, db, organiser, meeting, rooms):
    auth.sign_in(organiser)
    page = _preview(client, meeting, _file(meeting, AGENDA[0], AGENDA[1], AGENDA[0].replace("09:00", "08:00")))
    assert page.status_code == 422 and "Row 4: it repeats row 2 (same id)" in page.text
    assert _count(db) == 0


def test_a_confirmation_after_the_agenda_changed_shows_the_new_preview(client, auth, db, organiser, meeting,
                                                                       rooms, make_agenda_session):
    auth.sign_in(organiser)
    preview = _preview(client, meeting, _file(meeting, *AGENDA))
    make_agenda_session(meeting, "Opening plenary", start="09:00", end="10:30", room=rooms[0])
    response = _confirm(client, meeting, preview)
    assert response.status_code == 409 and "The agenda changed since the preview" in response.text
    assert _count(db) == 1
    # an unknown (or already used) upload changes nothing
    bogus = client.post(f"/meetings/{meeting.id}/agenda/import", data={"upload": "../x", "fingerprint": "y"})
    assert bogus.status_code == 303 and _count(db) == 1


def test_the_health_page_lists_duplicate_sessions(client, auth, organiser, meeting, rooms, make_agenda_session):
    for _ in range(2):
        make_agenda_session(meeting, "Early warning", start="11:00", end="12:30", room=rooms[1])
    make_agenda_session(meeting, "Early warning", start="14:00", end="15:00", room=rooms[1])  # a repeat: not a copy
    auth.sign_in(organiser)
    page = client.get(f"/meetings/{meeting.id}/agenda/health").text
    assert "Sessions on the agenda twice" in page
    assert page.count("is on the agenda 2 times") == 1


def test_only_organisers_import(client, auth, staff, meeting, rooms):
    auth.sign_in(staff)
    assert _preview(client, meeting, _file(meeting, *AGENDA)).status_code == 403
