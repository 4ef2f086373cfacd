"""Bulk invitations from a CSV or XLSX file: read every cell as text, map columns, check each row, then import.

The parsed file waits between the steps in STORAGE_DIR/uploads/<random id>.json (never in the cookie session),
so that a 2,000-row upload does not travel back and forth with every request and cannot be tampered with.
"""
import json
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pycountry
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import uploads
from ..audit.services import record
from ..delegations.models import Delegation
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..reference.services import iso_countries
from .models import Invitation
from .services import issue_invitations

#: our fields, in the order the mapping form shows them
FIELDS = ("email", "given_name", "family_name", "country", "organisation", "category", "seats", "delegation")
FIELD_LABELS = {
    "email": _l("Email"), "given_name": _l("Given name"), "family_name": _l("Family name"),
    "country": _l("Country"), "organisation": _l("Organisation"), "category": _l("Category"),
    "seats": _l("Seats"), "delegation": _l("Delegation"),
}
#: header spellings seen in organisers' spreadsheets, compared without case, spaces or punctuation
SYNONYMS = {
    "email": {"email", "emailaddress", "mail", "courriel", "correo", "correoelectronico", "adressemail",
              "adresseelectronique", "contactemail"},
    "given_name": {"givenname", "firstname", "first", "forename", "forenames", "prenom", "nombre", "name1",
                   "givennames"},
    "family_name": {"familyname", "lastname", "last", "surname", "nom", "nomdefamille", "apellido", "apellidos"},
    "country": {"country", "nation", "nationality", "countrycode", "iso", "iso2", "iso3", "state", "memberstate",
                "pays", "pais", "countryname"},
    "organisation": {"organisation", "organization", "org", "institution", "affiliation", "employer", "company",
                     "organisme", "organizacion", "entity"},
    "category": {"category", "participantcategory", "type", "participanttype", "categorie", "categoria", "role"},
    "seats": {"seats", "seat", "places", "numberofseats", "seatcount", "nbseats", "plazas", "quota"},
    "delegation": {"delegation", "delegationname", "group", "delegacion"},
}
#: everyday English names that neither the UN nor ISO list uses (compared squashed, like headers)
COUNTRY_ALIASES = {
    "turkey": "TR", "swaziland": "SZ", "czechrepublic": "CZ", "macedonia": "MK", "burma": "MM",
    "ivorycoast": "CI", "capeverde": "CV", "easttimor": "TL", "southkorea": "KR", "korea": "KR",
    "northkorea": "KP", "russia": "RU", "iran": "IR", "syria": "SY", "vietnam": "VN", "laos": "LA",
    "moldova": "MD", "tanzania": "TZ", "venezuela": "VE", "uk": "GB", "greatbritain": "GB", "england": "GB",
    "unitedkingdom": "GB", "usa": "US", "us": "US", "unitedstates": "US", "america": "US", "palestine": "PS",
    "vatican": "VA", "holysee": "VA", "drc": "CD", "drcongo": "CD", "democraticrepublicofcongo": "CD",
    "congobrazzaville": "CG", "congokinshasa": "CD", "thenetherlands": "NL", "netherlands": "NL", "holland": "NL",
    "brunei": "BN", "micronesia": "FM", "gambia": "GM", "bahamas": "BS",
}
MAX_ROWS = 5000
UPLOAD_TTL_SECONDS = 24 * 3600
_UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")
LENGTHS = {"given_name": 120, "family_name": 120, "organisation": 200}


class UploadMissing(DomainError):
    message = _l("This upload is no longer available. Please upload the file again.")


@dataclass
class CheckedRow:
    number: int  #: the row number as the spreadsheet shows it (the header is row 1)
    raw: dict
    values: dict = field(default_factory=dict)  #: normalised values, ready for an invitation
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Preview:
    headers: list
    mapping: dict
    mapping_problems: list
    good: list
    bad: list

    @property
    def clean(self) -> bool:
        return not self.mapping_problems and not self.bad and bool(self.good)


# Reading ---------------------------------------------------------------------------------------------------------

def read_table(filename: str, content: bytes) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of a CSV or XLSX file, every cell as stripped text; formulas stay text, never evaluated."""
    table = uploads.read_table(filename, content, max_rows=MAX_ROWS, legacy_encoding="cp1252")
    rows = [[_text(v) for v in row] for row in table.rows]
    if not rows:
        raise ValidationFailed(_("The file has a header row but no people in it."))
    return table.headers, rows


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a seat count typed as 2 may be stored as 2.0
    return " ".join(str(value).split())


def _squash(text: str) -> str:
    """Lower-case letters and digits only, accents removed: "E-mail " -> "email", "Prénom" -> "prenom"."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text.casefold() if c.isalnum() and not unicodedata.combining(c))


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """For each of our fields, the file's column that most likely holds it ("" when none does)."""
    mapping, used = {}, set()
    for field_name in FIELDS:
        wanted = {_squash(field_name)} | SYNONYMS[field_name]
        mapping[field_name] = next((h for h in headers if _squash(h) in wanted and h not in used), "")
        used.add(mapping[field_name])
    return mapping


# Keeping the upload between steps -------------------------------------------------------------------------------

def _uploads_dir() -> Path:
    path = Path(current_app.config["STORAGE_DIR"]) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _path(upload_id: str) -> Path:
    if not isinstance(upload_id, str) or not _UPLOAD_ID.match(upload_id):
        raise UploadMissing()
    return _uploads_dir() / f"{upload_id}.json"


def save_upload(meeting, *, actor, filename: str, content: bytes) -> tuple[str, dict]:
    """Read the file and keep it server-side; returns (unguessable id, upload)."""
    headers, rows = read_table(filename, content)
    _sweep_old_uploads()
    upload_id = secrets.token_urlsafe(24)
    upload = {"meeting_id": meeting.id, "user_id": getattr(actor, "id", None), "created": time.time(),
              "headers": headers, "rows": rows, "mapping": guess_mapping(headers)}
    _write(upload_id, upload)
    record("invitation.upload", actor=actor, meeting=meeting, rows=len(rows))
    return upload_id, upload


def _write(upload_id: str, upload: dict) -> None:
    path = _path(upload_id)
    path.write_text(json.dumps(upload, ensure_ascii=False))
    path.chmod(0o600)


def load_upload(meeting, upload_id: str, *, actor) -> dict:
    """The kept upload, only for the meeting and the person who made it."""
    path = _path(upload_id)
    if not path.exists():
        raise UploadMissing()
    upload = json.loads(path.read_text())
    if upload["meeting_id"] != meeting.id or upload["user_id"] != getattr(actor, "id", None):
        raise UploadMissing()
    return upload


def set_mapping(meeting, upload_id: str, mapping: dict[str, str], *, actor) -> dict:
    """Store the organiser's choice of column for each field."""
    upload = load_upload(meeting, upload_id, actor=actor)
    upload["mapping"] = {f: (mapping.get(f) if mapping.get(f) in upload["headers"] else "") for f in FIELDS}
    _write(upload_id, upload)
    return upload


def discard_upload(upload_id: str) -> None:
    _path(upload_id).unlink(missing_ok=True)


def _sweep_old_uploads() -> None:
    # Abandoned uploads hold personal data: drop them after a day.
    cutoff = time.time() - UPLOAD_TTL_SECONDS
    for path in _uploads_dir().glob("*.json"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


# Checking ---------------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _country_index() -> dict[str, str]:
    """Every spelling we accept for a country -> its ISO alpha-2 code (UN and ISO names, codes, any case)."""
    known = iso_countries()
    index: dict[str, str] = {}
    for country in pycountry.countries:
        if country.alpha_2 not in known:
            continue
        for spelling in (country.alpha_2, country.alpha_3, country.name, getattr(country, "common_name", ""),
                         getattr(country, "official_name", "")):
            if spelling:
                index.setdefault(_squash(spelling), country.alpha_2)
    for code, name in known.items():  # UN short names win over ISO's where they differ
        index[_squash(name)] = code
    index.update(COUNTRY_ALIASES)
    return index


def normalise_country(value: str) -> str | None:
    """ISO alpha-2 for a code (alpha-2 or -3) or a UN/ISO name in any case and spacing; None when unknown."""
    key = _squash(value)
    if not key:
        return None
    if code := _country_index().get(key):
        return code
    try:
        code = pycountry.countries.lookup(" ".join(value.split())).alpha_2
    except LookupError:
        return None
    return code if code in iso_countries() else None


def _category_index(meeting) -> dict[str, object]:
    index = {}
    for category in meeting.categories:
        index[_squash(category.code)] = category
        index[_squash(category.name)] = category
    return index


def _delegation_index(meeting) -> dict[str, Delegation]:
    delegations = db.session.scalars(select(Delegation).where(Delegation.meeting_id == meeting.id))
    return {_squash(d.name): d for d in delegations}


def check_upload(meeting, upload: dict) -> Preview:
    """Check every row against the mapping: good rows come back normalised, bad rows with each reason."""
    mapping, headers = upload["mapping"], upload["headers"]
    problems = _mapping_problems(mapping, headers)
    if problems:
        return Preview(headers, mapping, problems, [], [])
    position = {h: i for i, h in enumerate(headers)}
    invited = set(db.session.scalars(select(Invitation.email).where(Invitation.meeting_id == meeting.id)))
    context = {"categories": _category_index(meeting), "delegations": _delegation_index(meeting),
               "capacity": meeting.capacity, "invited": invited, "seen": {}}
    good, bad = [], []
    for offset, cells in enumerate(upload["rows"]):
        raw = {f: (cells[position[mapping[f]]] if mapping.get(f) else "") for f in FIELDS}
        if not any(cells):
            continue  # a blank line in the sheet is not an error
        row = _check_row(CheckedRow(number=offset + 2, raw=raw), context)
        (good if row.ok else bad).append(row)
    return Preview(headers, mapping, [], good, bad)


def _mapping_problems(mapping: dict, headers: list) -> list[str]:
    problems = []
    if not mapping.get("email"):
        problems.append(_("Choose the column that holds the email address."))
    chosen = [mapping[f] for f in FIELDS if mapping.get(f)]
    for header in sorted({h for h in chosen if chosen.count(h) > 1}):
        problems.append(_("The column “%(column)s” is chosen for more than one field.", column=header))
    return problems


def _check_row(row: CheckedRow, context: dict) -> CheckedRow:
    raw, values, problems = row.raw, row.values, row.problems
    values["email"] = _check_email(raw["email"], row.number, context, problems)
    for name, limit in LENGTHS.items():
        values[name] = raw[name]
        if len(raw[name]) > limit:
            problems.append(_("%(field)s is longer than %(n)d characters.", field=FIELD_LABELS[name], n=limit))
    values["country_code"] = None
    if raw["country"]:
        values["country_code"] = normalise_country(raw["country"])
        if values["country_code"] is None:
            problems.append(_("Unknown country “%(value)s”.", value=raw["country"]))
    values["seats"] = _check_seats(raw["seats"], context["capacity"], problems)
    values["category"] = None
    if raw["category"]:
        values["category"] = context["categories"].get(_squash(raw["category"]))
        if values["category"] is None:
            problems.append(_("Unknown category “%(value)s”.", value=raw["category"]))
    values["delegation"] = None
    if raw["delegation"]:
        values["delegation"] = context["delegations"].get(_squash(raw["delegation"]))
        if values["delegation"] is None:
            problems.append(_("No delegation named “%(value)s” in this meeting.", value=raw["delegation"]))
    return row


def _check_email(value: str, number: int, context: dict, problems: list) -> str:
    if not value:
        problems.append(_("The email address is missing."))
        return ""
    try:
        email = validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        problems.append(_("“%(value)s” is not a valid email address.", value=value))
        return value
    if email in context["seen"]:
        problems.append(_("The same email address as row %(row)d.", row=context["seen"][email]))
    elif email in context["invited"]:
        problems.append(_("This email address has already been invited to this meeting."))
    context["seen"].setdefault(email, number)
    return email


def _check_seats(value: str, capacity: int, problems: list) -> int:
    if not value:
        return 1
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        problems.append(_("Seats must be a whole number of 1 or more, not “%(value)s”.", value=value))
        return 1
    if int(value) > capacity:
        problems.append(_("%(n)s seats are more than the meeting's capacity.", n=value))
    return int(value)


# Importing --------------------------------------------------------------------------------------------------------

def import_upload(meeting, upload_id: str, *, drop_bad: bool, lock_email: bool, actor) -> tuple[int, int]:
    """Issue one invitation per good row and queue the mails, all in the caller's transaction; (imported, dropped).

    Nothing is imported while a row is bad, unless the organiser chose to drop the bad rows.
    """
    upload = load_upload(meeting, upload_id, actor=actor)
    preview = check_upload(meeting, upload)  # again: someone may have been invited since the preview
    if preview.mapping_problems:
        raise ValidationFailed(_("Nothing was imported: choose the columns first."), problems=preview.mapping_problems)
    if preview.bad and not drop_bad:
        raise ValidationFailed(_("Nothing was imported: %(n)d rows have problems. Correct the file, or choose to "
                                 "leave those rows out.", n=len(preview.bad)))
    if not preview.good:
        raise ValidationFailed(_("Nothing was imported: the file has no good rows."))
    issue_invitations(meeting, [
        dict(email=v["email"], given_name=v["given_name"], family_name=v["family_name"],
             country_code=v["country_code"], organisation=v["organisation"], category=v["category"],
             seats=v["seats"], delegation=v["delegation"], lock_email=lock_email)
        for v in (row.values for row in preview.good)
    ], actor=actor)
    record("invitation.import", actor=actor, meeting=meeting, imported=len(preview.good), dropped=len(preview.bad))
    return len(preview.good), len(preview.bad)
