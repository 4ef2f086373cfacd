"""Bulk invitations from CSV and XLSX: row checks, the preview, column mapping, dropping bad rows, importing."""
import io
from pathlib import Path

import pytest

from meeting_manager.invitations.bulk import guess_mapping, normalise_country, read_table
from meeting_manager.invitations.models import Invitation
from meeting_manager.mail.models import OutboxMessage

from .helpers import hidden_value, link_path

DATA = Path(__file__).resolve().parents[1] / "data"
#: the messy sample's bad rows (spreadsheet row numbers) and a word of each reason
MESSY_BAD = {7: "missing", 11: "Atlantis", 14: "same email address as row 13", 16: "not-an-email", 19: "two"}


def _invitations(db, meeting):
    return list(db.session.scalars(db.select(Invitation).where(Invitation.meeting_id == meeting.id)
                                   .order_by(Invitation.email)))


def _upload(client, meeting, name, content):
    return client.post(f"/meetings/{meeting.id}/invitations/upload",
                       data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def _import(client, meeting, upload_id, **extra):
    return client.post(f"/meetings/{meeting.id}/invitations/upload/import",
                       data={"upload_id": upload_id, "lock_email": "y", **extra})


def _uploads(app):
    folder = Path(app.config["STORAGE_DIR"]) / "uploads"
    return list(folder.glob("*.json")) if folder.exists() else []


def _bad_rows(page: str) -> dict[int, str]:
    """Row number -> the text of its problems, read from the preview's table of bad rows."""
    import re
    rows = {}
    for number, cell in re.findall(r'<tr id="row-(\d+)">(.*?)</tr>', page, flags=re.S):
        rows[int(number)] = re.sub(r"<[^>]+>", " ", cell)
    return rows


@pytest.fixture
def signed_in(auth, organiser):
    auth.sign_in(organiser)
    return organiser


def test_good_csv_is_imported_in_one_step_with_mails(app, client, db, meeting, signed_in, outbox):
    csv = ("email,given_name,family_name,country,organisation,category,seats\n"
           "ama@example.org,Ama,Mensah,GH,Ghana Centre,Civil society,1\n"
           "b.ngata@example.org,Bianca,Ngata,NA,Windhoek Forum,academia,2\n"  # NA is Namibia, not "missing"
           "李@example.org,秀英,王,CHN,北京大学,State,\n")
    response = _upload(client, meeting, "people.csv", csv.encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "3 rows are ready" in page
    assert _invitations(db, meeting) == []  # nothing before the organiser confirms
    assert len(_uploads(app)) == 1
    response = _import(client, meeting, hidden_value(page, "upload_id"))
    assert response.status_code == 303
    invitations = {i.email: i for i in _invitations(db, meeting)}
    assert invitations["b.ngata@example.org"].country_code == "NA"
    assert invitations["b.ngata@example.org"].seats == 2
    assert invitations["李@example.org"].family_name == "王" and invitations["李@example.org"].country_code == "CN"
    assert invitations["李@example.org"].seats == 1 and invitations["李@example.org"].category.code == "state"
    assert len([m for m in outbox() if m.kind == "invitation"]) == 3
    assert _uploads(app) == []  # the kept upload is deleted after the import


def test_clean_xlsx_sample_gives_sixty_invitations_with_working_links(app, client, db, meeting, signed_in, outbox,
                                                                      auth):
    page = _upload(client, meeting, "invitations-clean.xlsx", (DATA / "invitations-clean.xlsx").read_bytes())
    page = page.get_data(as_text=True)
    assert "60 rows are ready" in page and "0 rows have problems" in page
    assert _import(client, meeting, hidden_value(page, "upload_id")).status_code == 303
    assert len(_invitations(db, meeting)) == 60
    mails = [m for m in outbox() if m.kind == "invitation"]
    assert len(mails) == 60
    auth.sign_out()
    assert client.get(link_path(mails[17])).status_code == 200


def test_messy_sample_names_each_bad_row_and_imports_nothing_until_told(app, client, db, meeting, signed_in):
    response = _upload(client, meeting, "invitations-messy.xlsx", (DATA / "invitations-messy.xlsx").read_bytes())
    page = response.get_data(as_text=True)
    assert "36 rows are ready" in page and "5 rows have problems" in page
    bad = _bad_rows(page)
    assert set(bad) == set(MESSY_BAD)
    for number, reason in MESSY_BAD.items():
        assert reason in bad[number], (number, bad[number])
    # The markup row is shown as text, never as markup.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page

    upload_id = hidden_value(page, "upload_id")
    refused = _import(client, meeting, upload_id)
    assert refused.status_code == 422 and "5 rows have problems" in refused.get_data(as_text=True)
    assert _invitations(db, meeting) == []

    assert _import(client, meeting, upload_id, drop_bad="y").status_code == 303
    invitations = {i.email: i for i in _invitations(db, meeting)}
    assert len(invitations) == 36
    # Fixable rows were normalised: spaces and capitals in emails, countries as ISO3, names in any case.
    assert invitations["priya.kowalska2@example.org"].country_code == "BB"
    assert invitations["sipho.diallo0@example.org"].country_code == "CD"
    assert invitations["amina.tanaka3@example.org"].country_code == "RU"
    assert invitations["kwame.wei1@example.org"].country_code == "RO"
    assert invitations["olga.mensah23@example.org"].country_code == "MW"
    assert "aroha.diallo11@example.org" in invitations
    assert invitations["aroha.diallo11@example.org"].country_code == "MZ"
    for missing in ("priya.hernndez9@example.org", "not-an-email", "nguyn.mensah17@example.org"):
        assert missing not in invitations
    # Formula and markup cells are kept as plain text.
    injected = invitations["inj@example.org"]
    assert injected.given_name == "<script>alert(1)</script>"
    assert injected.family_name == '=HYPERLINK("http://x")'


def test_renamed_headers_are_guessed_and_can_be_mapped_by_hand(app, client, db, meeting, signed_in):
    csv = ("Contact;First name;Surname;Nation;Institution;Places\n"
           "first@example.org;Ana;Pérez;Chile;Universidad;1\n"
           "second@example.org;Jon;Berg;norway;NUPI;3\n")
    page = _upload(client, meeting, "renamed.csv", csv.encode("cp1252")).get_data(as_text=True)
    assert "Choose the column that holds the email address" in page  # "Contact" is no known name for it
    upload_id = hidden_value(page, "upload_id")
    mapping = {"upload_id": upload_id, "email": "Contact", "given_name": "First name", "family_name": "Surname",
               "country": "Nation", "organisation": "Institution", "seats": "Places", "category": "",
               "delegation": ""}
    response = client.post(f"/meetings/{meeting.id}/invitations/upload/columns", data=mapping)
    page = response.get_data(as_text=True)
    assert "2 rows are ready" in page
    assert _import(client, meeting, upload_id).status_code == 303
    invitations = {i.email: i for i in _invitations(db, meeting)}
    assert invitations["first@example.org"].family_name == "Pérez"  # cp1252 file read correctly
    assert invitations["second@example.org"].country_code == "NO" and invitations["second@example.org"].seats == 3


def test_header_guesses_from_common_synonyms():
    mapping = guess_mapping(["E-mail", "First name", "Surname", "Nation", "Organization", "Type", "Seats",
                             "Delegation"])
    assert mapping == {"email": "E-mail", "given_name": "First name", "family_name": "Surname",
                       "country": "Nation", "organisation": "Organization", "category": "Type", "seats": "Seats",
                       "delegation": "Delegation"}
    assert guess_mapping(["Something"])["email"] == ""


def test_a_row_already_invited_and_a_delegation_by_name(client, db, meeting, signed_in, make_invitation,
                                                        make_delegation):
    make_invitation(meeting, email="known@example.org")
    delegation = make_delegation(meeting, name="Permanent Mission of Kenya")
    csv = ("email,delegation\nknown@example.org,\nnew@example.org,permanent mission of kenya\n"
           "other@example.org,Mission of Atlantis\n")
    page = _upload(client, meeting, "d.csv", csv.encode()).get_data(as_text=True)
    bad = _bad_rows(page)
    assert "already been invited" in bad[2] and "No delegation named" in bad[4] and set(bad) == {2, 4}
    _import(client, meeting, hidden_value(page, "upload_id"), drop_bad="y")
    new = db.session.scalar(db.select(Invitation).where(Invitation.email == "new@example.org"))
    assert new.delegation is delegation


def test_seats_must_be_a_positive_whole_number_and_category_known(client, db, meeting, signed_in):
    csv = "email,seats,category\na@example.org,0,\nb@example.org,1.5,\nc@example.org,2,Astronaut\nd@example.org,2,\n"
    page = _upload(client, meeting, "s.csv", csv.encode()).get_data(as_text=True)
    bad = _bad_rows(page)
    assert set(bad) == {2, 3, 4}
    assert "Seats must be a whole number" in bad[2] and "Unknown category" in bad[4]


def test_a_file_that_is_no_spreadsheet_is_refused(client, db, meeting, signed_in):
    response = _upload(client, meeting, "notes.pdf", b"%PDF-1.4 not a table")
    assert response.status_code == 422 and ".csv or .xlsx" in response.get_data(as_text=True)
    response = _upload(client, meeting, "broken.xlsx", b"PK\x03\x04 broken zip")
    assert response.status_code == 422 and "could not be read" in response.get_data(as_text=True)
    assert _invitations(db, meeting) == []


def test_an_upload_cannot_be_used_by_someone_else(client, db, meeting, signed_in, auth, make_user):
    page = _upload(client, meeting, "a.csv", b"email\none@example.org\n").get_data(as_text=True)
    upload_id = hidden_value(page, "upload_id")
    auth.sign_out()
    auth.sign_in(make_user(roles=[(meeting, "organiser")]))
    _import(client, meeting, upload_id)
    assert _invitations(db, meeting) == []
    for made_up in ("../../secret_key", "x" * 32):
        assert _import(client, meeting, made_up).status_code in (303, 302)
    assert _invitations(db, meeting) == []


def test_the_parsed_upload_stays_on_the_server_not_in_the_cookie(app, client, meeting, signed_in):
    response = _upload(client, meeting, "a.csv", b"email,given_name\nsecret.person@example.org,Secret\n")
    cookies = " ".join(response.headers.getlist("Set-Cookie"))
    assert "secret" not in cookies.lower()
    [kept] = _uploads(app)
    assert "secret.person@example.org" in kept.read_text()
    assert not str(kept.resolve()).startswith(app.static_folder)


@pytest.mark.parametrize("value, code", [
    ("KE", "KE"), ("ken", "KE"), ("  kenya ", "KE"), ("KENYA", "KE"), ("Türkiye", "TR"), ("turkey", "TR"),
    ("Republic of Korea", "KR"), ("Korea, Republic of", "KR"), ("NA", "NA"), ("Namibia", "NA"),
    ("Côte d'Ivoire", "CI"), ("cote d'ivoire", "CI"), ("United  Kingdom of Great Britain and Northern Ireland", "GB"),
    ("Netherlands (Kingdom of the)", "NL"), ("Bolivia", "BO"), ("Puerto Rico", "PR"),
    ("Atlantis", None), ("", None), ("XX", None),
])
def test_countries_are_recognised_in_any_spelling(app, value, code):
    assert normalise_country(value) == code


def test_read_table_keeps_every_cell_as_text():
    headers, rows = read_table("t.csv", b"email,seats,country\n=1+1@example.org,007,NA\n")
    assert headers == ["email", "seats", "country"] and rows == [["=1+1@example.org", "007", "NA"]]


def test_bulk_import_queues_messages_in_the_same_transaction(client, db, meeting, signed_in):
    page = _upload(client, meeting, "a.csv", b"email\nx@example.org\ny@example.org\n").get_data(as_text=True)
    _import(client, meeting, hidden_value(page, "upload_id"))
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 2
