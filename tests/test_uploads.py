"""Spreadsheet uploads that would tie up a worker are refused before the work, at every upload that reads a table.

The hostile files are built in the test (conftest.HostileFiles). No assertion on time: the spies count what the
reader did (rows handed out by openpyxl, zip members unpacked), which is what took 15-80 s before; bench/uploads.py
measures the time and memory of each refusal.
"""
import io

import pytest
from sqlalchemy import func, select

from meeting_manager import uploads
from meeting_manager.agenda.models import Session
from meeting_manager.errors import ValidationFailed
from meeting_manager.invitations.models import Invitation
from meeting_manager.reference.models import RegionScheme

LIMIT = 5000  # invitations.bulk.MAX_ROWS


def read(content, filename="people.xlsx", max_rows=LIMIT):
    return uploads.read_table(filename, content, max_rows=max_rows)


# --- the shared reader -----------------------------------------------------------------------------------------


def test_one_cell_at_the_last_row_is_refused_by_its_declared_dimension(hostile_files, sheet_rows_read):
    content = hostile_files.far_cell()
    assert len(content) < 5000  # a few KB
    with pytest.raises(ValidationFailed) as refused:
        read(content)
    assert "declares 1048576 rows" in str(refused.value.message)
    assert sheet_rows_read[0] == 0  # refused before a single row was read


@pytest.mark.parametrize("dimension", [None, "A1:A1"])
def test_a_far_cell_behind_a_missing_or_lying_dimension_stops_at_the_row_limit(hostile_files, sheet_rows_read,
                                                                             dimension):
    with pytest.raises(ValidationFailed) as refused:
        read(hostile_files.far_cell(dimension=dimension))
    assert "more than 5000 rows" in str(refused.value.message)
    assert sheet_rows_read[0] <= LIMIT + 2  # the header, the limit and one more: never the million in between


@pytest.mark.parametrize("dimension, words", [("auto", "declares 100001 rows"), (None, "more than 5000 rows")])
def test_a_hundred_thousand_rows_are_refused_without_reading_them(hostile_files, sheet_rows_read, dimension, words):
    with pytest.raises(ValidationFailed) as refused:
        read(hostile_files.many_rows(100_000, dimension=dimension))
    assert words in str(refused.value.message)
    assert sheet_rows_read[0] <= LIMIT + 2


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(hostile_files, zip_members_opened):
    content = hostile_files.bomb(84)
    assert len(content) < 5 * 1024 * 1024
    with pytest.raises(ValidationFailed) as refused:
        read(content)
    assert "unpacks to 84.1 MB" in str(refused.value.message)
    assert zip_members_opened == []


def test_a_workbook_at_the_limit_is_read(hostile_files):
    table = read(hostile_files.many_rows(LIMIT))
    assert table.headers == ["email"] and len(table.rows) == LIMIT and table.rows[-1] == [f"p{LIMIT + 1}@example.org"]


def test_a_row_wider_than_excel_allows_is_refused_before_it_is_parsed(hostile_files, sheet_rows_read):
    with pytest.raises(ValidationFailed) as refused:
        read(hostile_files.wide_row(200_000))
    assert "more than 16384 cells" in str(refused.value.message)
    assert sheet_rows_read[0] == 0


def test_a_workbook_that_unpacks_past_the_limit_by_its_strings_is_refused(hostile_files, zip_members_opened):
    with pytest.raises(ValidationFailed) as refused:
        read(hostile_files.many_strings(1_000_000))  # 24 MB of <si><t>…</t></si>
    assert "more than the 10 MB" in str(refused.value.message)
    assert zip_members_opened == []


def test_more_cells_than_the_budget_are_refused_before_they_are_parsed(hostile_files, sheet_rows_read):
    content = hostile_files.many_rows(5000, header=[f"c{n}" for n in range(41)], cell=lambda i: ["1"] * 41)
    with pytest.raises(ValidationFailed) as refused:
        read(content)
    assert "more cells or texts than a table of 100000 cells" in str(refused.value.message)
    assert sheet_rows_read[0] == 0


def test_too_many_columns_are_refused(hostile_files):
    with pytest.raises(ValidationFailed) as refused:
        read(hostile_files.xlsx({1: ["email"], 2: ["a@example.org"] + [""] * 16382 + ["far"]}))
    assert "declares 16384 columns" in str(refused.value.message)


@pytest.mark.parametrize("rows, words", [(100_000, "more than 5000 rows"), (LIMIT + 1, "more than 5000 rows")])
def test_csv_row_limit(rows, words):
    content = "email\n" + "".join(f"p{i}@example.org\n" for i in range(rows))
    with pytest.raises(ValidationFailed) as refused:
        read(content.encode(), "people.csv")
    assert words in str(refused.value.message)


def test_csv_rows_hidden_below_a_blank_line_past_the_limit_are_not_dropped():
    content = "email\n" + "a@example.org\n" * LIMIT + "\n" * 3 + "late@example.org\n"
    with pytest.raises(ValidationFailed):
        read(content.encode(), "people.csv")


def test_csv_with_one_endless_line_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        read(b"email\n" + b"," * (2 * 1024 * 1024) + b"\n", "people.csv")
    assert "longer than" in str(refused.value.message)


def test_rows_keep_their_spreadsheet_numbers_and_width(hostile_files):
    table = read(hostile_files.xlsx({1: ["Email", "Email", ""], 2: ["a@x.org", "b"], 4: ["c@x.org", "d", "e", "f"],
                                     6: [""]}))
    assert table.headers == ["Email", "Email.1"]
    assert table.rows == [["a@x.org", "b"], ["", ""], ["c@x.org", "d"]]  # rows 2-4; the blank row 6 dropped


# --- every upload site, through HTTP ------------------------------------------------------------------------------


def _post(client, url, filename, content, **fields):
    return client.post(url, data={"file": (io.BytesIO(content), filename), **fields},
                       content_type="multipart/form-data")


HOSTILE = {
    "far cell": lambda files: files.far_cell(),
    "100,000 rows": lambda files: files.many_rows(100_000, dimension=None),
    "zip bomb": lambda files: files.bomb(84),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_invitation_upload_refuses_hostile_workbooks(app, client, auth, db, organiser, meeting, hostile_files,
                                                     sheet_rows_read, kind):
    auth.sign_in(organiser)
    response = _post(client, f"/meetings/{meeting.id}/invitations/upload", "people.xlsx", HOSTILE[kind](hostile_files))
    assert response.status_code == 422
    assert any(words in response.text for words in ("declares", "more than 5000 rows", "unpacks to"))
    assert sheet_rows_read[0] <= LIMIT + 2
    assert db.session.scalar(select(func.count(Invitation.id))) == 0
    assert not list((app.config["STORAGE_DIR"] / "uploads").glob("*.json"))  # nothing kept for a next step


def test_invitation_upload_refuses_a_hundred_thousand_csv_rows(app, client, auth, db, organiser, meeting,
                                                                hostile_files):
    auth.sign_in(organiser)
    response = _post(client, f"/meetings/{meeting.id}/invitations/upload", "people.csv",
                     hostile_files.csv_rows(100_000))
    assert response.status_code == 422 and "more than 5000 rows" in response.text
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


@pytest.mark.parametrize("kind", HOSTILE)
def test_agenda_import_refuses_hostile_workbooks(client, auth, db, organiser, meeting, hostile_files,
                                                 sheet_rows_read, kind):
    auth.sign_in(organiser)
    content = HOSTILE[kind](hostile_files)
    response = _post(client, f"/meetings/{meeting.id}/agenda/import", "agenda.xlsx", content)
    assert response.status_code == 422
    assert any(words in response.text for words in ("declares", "more than 2000 rows", "unpacks to"))
    assert sheet_rows_read[0] <= 2002
    assert db.session.scalar(select(func.count(Session.id))) == 0


def test_agenda_import_refuses_a_hundred_thousand_csv_rows(client, auth, db, organiser, meeting, hostile_files):
    auth.sign_in(organiser)
    content = hostile_files.csv_rows(100_000, header="day,start,end,title", cell=lambda i: "2026-01-01,09:00,10:00,x")
    response = _post(client, f"/meetings/{meeting.id}/agenda/import", "agenda.csv", content)
    assert response.status_code == 422 and "more than 2000 rows" in response.text
    assert db.session.scalar(select(func.count(Session.id))) == 0


def test_region_scheme_upload_has_a_row_limit(client, auth, db, admin, reference, hostile_files):
    auth.sign_in(admin)
    before = db.session.scalar(select(func.count(RegionScheme.id)))
    content = hostile_files.csv_rows(100_000, header="country,region", cell=lambda i: "KE,East")
    response = _post(client, "/reference/schemes", "regions.csv", content, name="Huge")
    assert response.status_code == 422 and "more than 1000 rows" in response.text
    assert db.session.scalar(select(func.count(RegionScheme.id))) == before


def test_region_scheme_upload_refuses_a_workbook_renamed_csv(client, auth, db, admin, reference, hostile_files,
                                                             zip_members_opened):
    auth.sign_in(admin)
    response = _post(client, "/reference/schemes", "regions.csv", hostile_files.bomb(84), name="Bomb")
    assert response.status_code == 422 and "Upload a .csv file." in response.text
    assert zip_members_opened == []
