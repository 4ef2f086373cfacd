"""Reference data: loading the shipped countries, the built-in region schemes, custom schemes, and lookups."""
from pathlib import Path

import pandas as pd
import pycountry
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select

from .. import uploads
from ..audit.services import record
from ..errors import ValidationFailed
from ..extensions import db
from .country_names import country_names
from .models import Country, RegionAssignment, RegionScheme

COUNTRIES_CSV = Path(__file__).resolve().parents[1] / "data" / "countries.csv"
UNASSIGNED = "unassigned"  #: the region of a country that a scheme does not place; still counted
STATELESS = "stateless"
UN_GROUPS_KEY, M49_KEY = "un-regional-groups", "m49-regions"
#: the built-in schemes' regions, stored under their English names (countries.csv), in the reader's language
REGION_NAMES = {
    "African States": _l("African States"), "Asia-Pacific States": _l("Asia-Pacific States"),
    "Eastern European States": _l("Eastern European States"),
    "Latin American and Caribbean States": _l("Latin American and Caribbean States"),
    "Western European and Others States": _l("Western European and Others States"),
    "Africa": _l("Africa"), "Americas": _l("Americas"), "Asia": _l("Asia"), "Europe": _l("Europe"),
    "Oceania": _l("Oceania"), UNASSIGNED: _l("unassigned"),
}
#: a country->region file has a row per country (about 250); more is not such a file
MAX_SCHEME_ROWS = 1000


def read_countries_csv(path: Path = COUNTRIES_CSV) -> pd.DataFrame:
    # Every column as text: Namibia is "NA", and M49 codes keep their leading zeros.
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def load_reference_data(path: Path = COUNTRIES_CSV) -> dict[str, int]:
    """Load (or refresh) the countries and the two built-in schemes; safe to run again."""
    frame = read_countries_csv(path)
    rows = frame.to_dict("records")
    if db.session.scalar(select(Country.iso2).limit(1)) is None:
        db.session.execute(insert(Country), rows)  # a fresh database: one bulk insert
    else:
        for row in rows:
            db.session.merge(Country(**row))
    un_groups = {r["iso2"]: r["un_regional_group"] for r in frame.to_dict("records")
                 if r["un_regional_group"] != "none"}
    m49 = dict(zip(frame["iso2"], frame["m49_region"], strict=True))
    _replace_scheme(UN_GROUPS_KEY, "UN Regional Groups", un_groups, builtin=True)
    _replace_scheme(M49_KEY, "UN M49 regions", m49, builtin=True)
    db.session.flush()
    return {"countries": len(frame), "schemes": 2}


def _replace_scheme(key: str, name: str, mapping: dict[str, str], *, builtin: bool) -> RegionScheme:
    scheme = db.session.scalar(select(RegionScheme).where(RegionScheme.key == key))
    if scheme is None:
        scheme = RegionScheme(key=key, name=name, builtin=builtin)
        db.session.add(scheme)
        db.session.flush()
    else:
        scheme.name = name
        db.session.execute(delete(RegionAssignment).where(RegionAssignment.scheme_id == scheme.id))
    db.session.execute(insert(RegionAssignment),
                       [{"scheme_id": scheme.id, "country_code": c, "region": r} for c, r in mapping.items()])
    return scheme


def default_scheme() -> RegionScheme | None:
    return db.session.scalar(select(RegionScheme).where(RegionScheme.key == UN_GROUPS_KEY))


def list_schemes() -> list[RegionScheme]:
    order = (RegionScheme.builtin.desc(), RegionScheme.key != UN_GROUPS_KEY, RegionScheme.name)
    return list(db.session.scalars(select(RegionScheme).order_by(*order)))


def region_map(scheme_id: int | None) -> dict[str, str]:
    """country code -> region for a scheme (the default scheme when none is given)."""
    scheme_id = scheme_id or getattr(default_scheme(), "id", None)
    rows = db.session.execute(
        select(RegionAssignment.country_code, RegionAssignment.region).where(RegionAssignment.scheme_id == scheme_id)
    )
    return dict(rows.all())


def region_label(region: str) -> str:
    """A region's name in the reader's language: a built-in scheme's region is translated, a custom scheme's
    region is shown as the organiser wrote it."""
    return str(REGION_NAMES.get(region, region))


def region_choices(scheme_id: int | None) -> list[tuple[str, str]]:
    """(region, its name in the reader's language) of a scheme, for the filters of pages."""
    return [(region, region_label(region)) for region in sorted(set(region_map(scheme_id).values()))]


def region_of(mapping: dict[str, str], country_code: str | None) -> str:
    return mapping.get(country_code or "", UNASSIGNED)


def iso_countries(locale=None) -> dict[str, str]:
    """Every ISO 3166-1 country and territory: alpha-2 -> its UN name in the reader's language (see
    country_names), sorted by name."""
    return country_names(str(locale or _reader_locale()))


def _reader_locale() -> str:
    try:
        return str(get_locale() or "en")
    except RuntimeError:  # no app context: English
        return "en"


def country_name(code: str | None, locale=None) -> str:
    if code == STATELESS:
        return _("Stateless")
    return iso_countries(locale).get(code or "", code or "")


def country_choices(*, stateless: bool = False, blank: str | None = None, locale=None) -> list[tuple[str, str]]:
    """Choices for a country field: the full ISO list, optionally with "Stateless" first."""
    choices = [(code, name) for code, name in iso_countries(locale).items()]
    if stateless:
        choices.insert(0, (STATELESS, _("Stateless")))
    if blank is not None:
        choices.insert(0, ("", blank))
    return choices


def parse_scheme_csv(content: bytes, filename: str = "scheme.csv") -> dict[str, str]:
    """Parse an uploaded country→region CSV (columns `country`, `region`); any bad row rejects the whole file.

    A country may be given as ISO alpha-2 or alpha-3 code. Problems name the row number as a spreadsheet shows it.
    """
    table = uploads.read_table(filename, content, max_rows=MAX_SCHEME_ROWS, allow_xlsx=False)
    header = [h.lower() for h in table.headers]
    if "country" not in header or "region" not in header:
        raise ValidationFailed(_("The file needs a header row with the columns country and region."))
    alpha3 = {c.alpha_3: c.alpha_2 for c in pycountry.countries}
    mapping, problems = {}, []
    for number, cells in enumerate(table.rows, start=2):  # the row as a spreadsheet numbers it
        row = dict(zip(header, (str(c).strip() for c in cells), strict=True))
        if not any(row.values()):
            continue
        code, region = row.get("country", "").upper(), row.get("region", "")
        code = alpha3.get(code, code)
        if code not in iso_countries():
            problems.append(_("Row %(row)s: unknown country code “%(code)s”.", row=number, code=row.get("country", "")))
        elif not region:
            problems.append(_("Row %(row)s: the region is empty.", row=number))
        elif len(region) > 80:
            problems.append(_("Row %(row)s: the region name is longer than 80 characters.", row=number))
        elif code in mapping:
            problems.append(_("Row %(row)s: %(code)s appears twice.", row=number, code=code))
        else:
            mapping[code] = region
    if not mapping and not problems:
        problems.append(_("The file has no rows."))
    if problems:
        raise ValidationFailed(_("Nothing was imported: the file has problems."), problems=problems)
    return mapping


def import_custom_scheme(name: str, content: bytes, *, actor, filename: str = "scheme.csv") -> RegionScheme:
    """Create a custom region scheme from a CSV upload; all rows or none."""
    mapping = parse_scheme_csv(content, filename)
    key = "custom-" + "-".join(name.lower().split())[:50]
    if db.session.scalar(select(RegionScheme).where(RegionScheme.key == key)):
        raise ValidationFailed(_("A region scheme with this name exists already."))
    scheme = _replace_scheme(key, name.strip(), mapping, builtin=False)
    record("region_scheme.import", actor=actor, subject=scheme, countries=len(mapping))
    return scheme
