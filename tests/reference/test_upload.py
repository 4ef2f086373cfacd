"""Uploading a custom region scheme as an admin: all rows or none, every bad row named by its row number."""
import io

import pytest
from sqlalchemy import func, select

from meeting_manager.audit.models import AuditEvent
from meeting_manager.errors import ValidationFailed
from meeting_manager.reference.models import RegionAssignment, RegionScheme
from meeting_manager.reference.services import parse_scheme_csv

GOOD = (
    "country,region\n"
    "KE,Eastern Africa\n"
    "NGA,West Africa\n"          # ISO alpha-3
    "fr,Europe occidentale\n"     # lower case
    "RUS,Восточная Европа\n"
    "PR,Caribbean\n"              # a territory
    " BR , South America \n"      # spaces around values
)


def upload(client, content, *, name="Network regions", filename="regions.csv"):
    data = {"name": name, "file": (io.BytesIO(content if isinstance(content, bytes) else content.encode()), filename)}
    return client.post("/reference/schemes", data=data, content_type="multipart/form-data")


def state(db):
    """What an upload may change: the schemes and their assignments."""
    return (db.session.scalar(select(func.count(RegionScheme.id))),
            db.session.scalar(select(func.count(RegionAssignment.id))))


@pytest.fixture
def as_admin(client, auth, admin, reference):
    auth.sign_in(admin)
    return client


def test_good_file_is_imported(as_admin, db, admin):
    schemes, assignments = state(db)
    response = upload(as_admin, GOOD)
    assert response.status_code == 302
    scheme = db.session.scalar(select(RegionScheme).where(RegionScheme.name == "Network regions"))
    assert response.headers["Location"] == f"/reference/schemes/{scheme.id}"
    assert not scheme.builtin
    placed = dict(db.session.execute(select(RegionAssignment.country_code, RegionAssignment.region)
                                     .where(RegionAssignment.scheme_id == scheme.id)).all())
    assert placed == {"KE": "Eastern Africa", "NG": "West Africa", "FR": "Europe occidentale",
                      "RU": "Восточная Европа", "PR": "Caribbean", "BR": "South America"}
    assert state(db) == (schemes + 1, assignments + 6)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "region_scheme.import"))
    assert event.actor_id == admin.id and event.details == {"countries": 6}

    page = as_admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Восточная Европа" in page and "Puerto Rico" in page
    listing = as_admin.get("/reference/schemes").get_data(as_text=True)
    assert "Network regions" in listing and "custom" in listing


def test_the_new_scheme_can_be_chosen_for_a_meeting(as_admin, db):
    upload(as_admin, GOOD)
    scheme = db.session.scalar(select(RegionScheme).where(RegionScheme.name == "Network regions"))
    assert f'value="{scheme.id}"' in as_admin.get("/meetings/new").get_data(as_text=True)


def test_bad_rows_are_all_reported_and_nothing_is_imported(as_admin, db):
    content = (
        "country,region\n"
        "KE,Eastern Africa\n"        # row 2: fine
        "XX,Nowhere\n"               # row 3: not a country
        "Atlantis,Ocean\n"           # row 4
        "DE,\n"                      # row 5: empty region
        "FR,Europe\n"                # row 6: fine
        "FRA,Europe again\n"         # row 7: France twice (alpha-3)
        ",Somewhere\n"               # row 8: no code
        f"JP,{'r' * 81}\n"           # row 9: region too long
    )
    before = state(db)
    response = upload(as_admin, content)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was imported" in html
    for row in ("Row 3:", "Row 4:", "Row 5:", "Row 7:", "Row 8:", "Row 9:"):
        assert row in html, row
    assert "Row 2:" not in html and "Row 6:" not in html
    assert "XX" in html and "Atlantis" in html
    assert state(db) == before


def test_row_numbers_match_the_file_when_it_has_blank_lines(as_admin, db):
    content = "country,region\nKE,Eastern Africa\n\nXX,Nowhere\n"
    html = upload(as_admin, content).get_data(as_text=True)
    assert "Row 4:" in html, "the bad row is on line 4 of the file"


def test_non_utf8_file_is_refused(as_admin, db):
    before = state(db)
    response = upload(as_admin, "country,region\nRE,Réunion et Mayotte\n".encode("latin-1"))
    assert response.status_code == 422
    assert "The file is not UTF-8 text." in response.get_data(as_text=True)
    assert state(db) == before


def test_utf8_with_a_byte_order_mark_is_accepted(as_admin, db):
    response = upload(as_admin, "\ufeffcountry,region\nKE,Afrique de l’Est\n".encode())
    assert response.status_code == 302


@pytest.mark.parametrize("content", [
    "code,group\nKE,East\n",
    "KE,Eastern Africa\nNG,West Africa\n",
    "country\nKE\n",
    "",
])
def test_file_without_the_header_is_refused(as_admin, db, content):
    before = state(db)
    response = upload(as_admin, content)
    assert response.status_code == 422
    assert "header row with the columns country and region" in response.get_data(as_text=True)
    assert state(db) == before


def test_header_names_are_read_loosely(as_admin, db):
    assert upload(as_admin, " Country , REGION \nKE,East\n").status_code == 302


def test_header_only_file_is_refused(as_admin, db):
    response = upload(as_admin, "country,region\n")
    assert response.status_code == 422
    assert "The file has no rows." in response.get_data(as_text=True)


def test_name_is_required_and_unique(as_admin, db):
    response = upload(as_admin, GOOD, name="")
    assert response.status_code == 422 and 'id="name-error"' in response.get_data(as_text=True)
    assert upload(as_admin, GOOD).status_code == 302
    before = state(db)
    again = upload(as_admin, GOOD, name="network  REGIONS")
    assert again.status_code == 422
    assert "exists already" in again.get_data(as_text=True)
    assert state(db) == before


def test_only_csv_files(as_admin, db):
    before = state(db)
    response = upload(as_admin, GOOD, filename="regions.xlsx")
    assert response.status_code == 422
    assert "Upload a .csv file." in response.get_data(as_text=True)
    response = as_admin.post("/reference/schemes", data={"name": "No file"}, content_type="multipart/form-data")
    assert response.status_code == 422 and 'id="file-error"' in response.get_data(as_text=True)
    assert state(db) == before


@pytest.mark.parametrize("who", ["organiser", "staff", "participant"])
def test_only_admins_upload(client, auth, request, db, reference, who):
    auth.sign_in(request.getfixturevalue(who))
    before = state(db)
    assert client.get("/reference/schemes").status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert state(db) == before


def test_anonymous_upload_goes_to_sign_in(client, db, reference):
    before = state(db)
    response = upload(client, GOOD)
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/sign-in")
    assert state(db) == before


# --- the parser on its own ---------------------------------------------------------------------------------------


def test_parser_maps_alpha3_to_alpha2(app):
    assert parse_scheme_csv(b"country,region\nNAM,Southern Africa\n") == {"NA": "Southern Africa"}
    with pytest.raises(ValidationFailed) as caught:
        parse_scheme_csv(b"country,region\nNAM,Southern Africa\nNA,Southern Africa\n")
    assert caught.value.problems == ["Row 3: NA appears twice."]


def test_parser_reports_every_problem(app):
    with pytest.raises(ValidationFailed) as caught:
        parse_scheme_csv(b"country,region\nXX,a\nYY,b\nKE,\n")
    assert [p.split(":")[0] for p in caught.value.problems] == ["Row 2", "Row 3", "Row 4"]


def test_parser_extra_columns_are_ignored(app):
    assert parse_scheme_csv(b"country,region,note\nKE,East,capital Nairobi\n") == {"KE": "East"}


@pytest.mark.parametrize("name, error", [("x" * 121, True), ("x" * 120, False), ("", True), ("   ", True),
                                         ("Régions du réseau — 区域 — Регионы", False)])
def test_scheme_name_validation_and_unicode(as_admin, db, name, error):
    response = upload(as_admin, GOOD, name=name)
    assert (response.status_code == 422 and 'id="name-error"' in response.get_data(as_text=True)) is error
    if not error:
        assert db.session.scalar(select(RegionScheme.name).where(RegionScheme.builtin.is_(False))) == name
