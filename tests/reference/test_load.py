"""Loading the shipped countries and the built-in region schemes; lookups for countries outside them."""
import shutil

import pytest
from sqlalchemy import func, select

from meeting_manager.reference.models import Country, RegionAssignment, RegionScheme
from meeting_manager.reference.services import (
    COUNTRIES_CSV,
    M49_KEY,
    STATELESS,
    UN_GROUPS_KEY,
    UNASSIGNED,
    country_choices,
    country_name,
    default_scheme,
    list_schemes,
    load_reference_data,
    read_countries_csv,
    region_map,
    region_of,
)

UN_GROUPS = {"African States", "Asia-Pacific States", "Eastern European States",
             "Latin American and Caribbean States", "Western European and Others States"}


def count(db, column) -> int:
    return db.session.scalar(select(func.count(column)))


def scheme(key: str) -> RegionScheme:
    return next(s for s in list_schemes() if s.key == key)


def test_csv_is_read_as_text():
    frame = read_countries_csv()
    assert len(frame) == 195
    namibia = frame[frame["iso3"] == "NAM"].iloc[0]
    assert namibia["iso2"] == "NA" and namibia["m49_code"] == "516"
    assert frame[frame["iso2"] == "AF"].iloc[0]["m49_code"] == "004"
    assert frame.map(lambda value: type(value) is str).all().all()


def test_load_gives_195_countries(db):
    counts = load_reference_data()
    db.session.commit()
    assert counts == {"countries": 195, "schemes": 2}
    assert count(db, Country.iso2) == 195
    namibia = db.session.get(Country, "NA")
    assert (namibia.name, namibia.iso3, namibia.m49_code, namibia.un_regional_group) == (
        "Namibia", "NAM", "516", "African States")
    assert db.session.get(Country, "AF").m49_code == "004"
    assert db.session.get(Country, "VA").un_member == "observer"
    assert db.session.get(Country, "CI").name == "Côte d'Ivoire"


def test_loading_twice_is_idempotent(db):
    load_reference_data()
    db.session.commit()
    before = (count(db, Country.iso2), count(db, RegionScheme.id), count(db, RegionAssignment.id),
              sorted(db.session.execute(select(RegionAssignment.country_code, RegionAssignment.region)).all()))
    ids = [s.id for s in list_schemes()]
    load_reference_data()
    db.session.commit()
    after = (count(db, Country.iso2), count(db, RegionScheme.id), count(db, RegionAssignment.id),
             sorted(db.session.execute(select(RegionAssignment.country_code, RegionAssignment.region)).all()))
    assert after == before
    assert [s.id for s in list_schemes()] == ids, "meetings keep pointing at the same schemes"


def test_reload_refreshes_changed_rows(db, tmp_path):
    load_reference_data()
    db.session.commit()
    changed = tmp_path / "countries.csv"
    shutil.copy(COUNTRIES_CSV, changed)
    changed.write_text(changed.read_text(encoding="utf-8").replace(
        "NA,NAM,Namibia,yes,African States", "NA,NAM,Republic of Namibia,yes,African States"), encoding="utf-8")
    load_reference_data(changed)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Country, "NA").name == "Republic of Namibia"
    assert count(db, Country.iso2) == 195


def test_un_regional_groups_place_194_and_leave_the_holy_see_unassigned(reference, db):
    un = scheme(UN_GROUPS_KEY)
    assert un.builtin and default_scheme() == un and list_schemes()[0] == un
    mapping = region_map(un.id)
    assert len(mapping) == 194
    assert set(mapping.values()) == UN_GROUPS
    assert "VA" not in mapping and region_of(mapping, "VA") == UNASSIGNED
    assert mapping["NA"] == "African States" and mapping["PS"] == "Asia-Pacific States"
    assert mapping["TR"] == "Western European and Others States"


def test_m49_places_all_195(reference, db):
    mapping = region_map(scheme(M49_KEY).id)
    assert len(mapping) == 195
    assert set(mapping.values()) == {"Africa", "Americas", "Asia", "Europe", "Oceania"}
    assert mapping["VA"] == "Europe"


def test_region_map_without_a_scheme_is_the_default(reference):
    assert region_map(None) == region_map(default_scheme().id)


@pytest.mark.parametrize("code", ["PR", "GL", "HK", STATELESS, None, "", "XX"])
def test_places_no_scheme_knows_are_unassigned(reference, code):
    for key in (UN_GROUPS_KEY, M49_KEY):
        assert region_of(region_map(scheme(key).id), code) == UNASSIGNED


def test_country_choices_include_territories_and_stateless(app):
    choices = dict(country_choices(stateless=True))
    assert {"PR", "GL", "HK", "NC", "NA", "VA", "PS", STATELESS} <= set(choices)
    assert len(choices) >= 249 + 1
    assert choices["NA"] == "Namibia" and choices[STATELESS] == "Stateless"
    assert country_choices(stateless=True)[0] == (STATELESS, "Stateless")
    assert STATELESS not in dict(country_choices())
    assert country_choices(blank="—")[0] == ("", "—")
    names = [name for code, name in country_choices()]
    assert names == sorted(names)


def test_country_names(app):
    assert country_name("NA") == "Namibia"
    assert country_name("PR") == "Puerto Rico"
    assert country_name(STATELESS) == "Stateless"
    assert country_name(None) == ""
    assert country_name("QQ") == "QQ"


def test_reference_data_works_without_loading_for_lookups(app, db):
    """Choices come from pycountry and the shipped file, so forms work on an empty database too."""
    assert count(db, Country.iso2) == 0
    assert len(country_choices()) >= 249
