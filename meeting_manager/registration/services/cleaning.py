"""Cleaning what a participant typed: names, countries, passport and visa fields."""
import re
from datetime import date
from typing import Any

from flask_babel import gettext as _

from ...accounts.services import mail_domain_problem, normalise_email
from ...languages.catalog import LANGUAGES as UN_LANGUAGES
from ...meetings.models import Meeting
from ...names import NameOrder, default_order
from ...reference.services import iso_countries
from ..models import (
    STATELESS,
    Gender,
    Relation,
    VisaRequest,
)
from ..questions import answers_for  # noqa: F401  (re-exported: part of this module's API)
from ..validation import clean_enum, clean_text, label

#: text columns of a registration and whether they may hold line breaks
TEXT_FIELDS = {"title": False, "given_name": False, "family_name": False, "badge_name": False, "passport_name": False,
               "latin_name": False, "organisation": False, "position": False, "dietary": True, "accessibility": True}
#: fields whose change would move a registration between balance groups: locked once it is approved
BALANCE_FIELDS = ("gender", "category_id", "residence_country", "organisation_country")
PASSPORT_RE = re.compile(r"^[A-Z0-9]{5,20}$")
def _country(value, name: str, problems: list, *, stateless=False, required=True) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            problems.append(_("%(field)s is required.", field=label(name)))
        return None
    if value in iso_countries() or (stateless and value == STATELESS):
        return value
    problems.append(_("%(field)s is not a known country.", field=label(name)))
    return None


def _clean_fields(meeting: Meeting, data: dict, problems: list) -> dict:
    """The built-in fields present in `data`, normalised; problems are appended, not raised."""
    out: dict[str, Any] = {}
    for name, multiline in TEXT_FIELDS.items():
        if name in data:
            out[name] = clean_text(data[name], name, problems, multiline=multiline)
    if ("given_name" in data or "family_name" in data) and not (out.get("given_name") or out.get("family_name")):
        # either part may be empty (a mononym), not both
        problems.append(_("Enter your name: a given name, a family name, or both."))
    if "name_order" in data:
        out["name_order"] = clean_enum(NameOrder, data["name_order"] or None, "name_order", problems,
                                       default=default_order(out.get("given_name") or "",
                                                             out.get("family_name") or "",
                                                             data.get("nationality")))
    if "email" in data:
        out["email"] = normalise_email(data["email"] or "")
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", out["email"]) or len(out["email"]) > 254:
            problems.append(_("Email is not a valid email address."))
        elif problem := mail_domain_problem(out["email"]):
            problems.append(problem)
    if "gender" in data:
        out["gender"] = clean_enum(Gender, data["gender"], "gender", problems)
    if "relation" in data:
        out["relation"] = clean_enum(Relation, data["relation"], "relation", problems, default=Relation.guest)
    if "nationality" in data:
        out["nationality"] = _country(data["nationality"], "nationality", problems, stateless=True)
    if "residence_country" in data:
        out["residence_country"] = _country(data["residence_country"], "residence_country", problems)
    if "organisation_country" in data:
        out["organisation_country"] = _country(data["organisation_country"], "organisation_country", problems,
                                               required=False)
    if "category_id" in data:
        ids = {c.id for c in meeting.categories}
        raw = data["category_id"]
        out["category_id"] = int(raw) if isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit()) else None
        if out["category_id"] not in ids:
            problems.append(_("Choose a category of this meeting."))
    if "interpretation_language" in data:
        out["interpretation_language"] = data["interpretation_language"] or None
        if out["interpretation_language"] not in (None, *UN_LANGUAGES):
            problems.append(_("The interpretation language must be one of the six UN languages."))
    if "public_listing_consent" in data:
        out["public_listing_consent"] = bool(data["public_listing_consent"])
    if "locale" in data:
        out["locale"] = (str(data["locale"] or "en"))[:5]
    return out


def clean_visa(meeting: Meeting, visa: dict) -> tuple[dict, dict[str, str]]:
    """Passport and birth data for a visa letter, and problems by field name.

    The passport must still be valid after the meeting's last day.
    """
    problems: dict[str, str] = {}
    number = re.sub(r"\s+", "", visa.get("passport_number") or "").upper()
    if not PASSPORT_RE.fullmatch(number):
        problems["passport_number"] = _("Enter the passport number as printed: 5 to 20 letters and digits.")
    expiry, born = visa.get("passport_expiry"), visa.get("date_of_birth")
    if not isinstance(expiry, date):
        problems["passport_expiry"] = _("Enter the passport's expiry date.")
    elif expiry <= meeting.ends_on:
        problems["passport_expiry"] = _("The passport must be valid after the meeting's last day (%(day)s).",
                                        day=meeting.ends_on.isoformat())
    if not isinstance(born, date):
        problems["date_of_birth"] = _("Enter the date of birth.")
    elif not date(1900, 1, 1) <= born < date.today():
        problems["date_of_birth"] = _("The date of birth is not plausible.")
    place_problems: list[str] = []
    place = clean_text(visa.get("place_of_birth"), "place_of_birth", place_problems, model=VisaRequest, required=True)
    if place_problems:
        problems["place_of_birth"] = place_problems[0]
    return dict(passport_number=number, passport_expiry=expiry, date_of_birth=born, place_of_birth=place), problems


def _visa_or_problems(meeting: Meeting, visa: dict, problems: list) -> dict:
    cleaned, visa_problems = clean_visa(meeting, visa)
    problems.extend(visa_problems.values())
    return cleaned
