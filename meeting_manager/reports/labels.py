"""The words of the reports' tables in the reader's language: table and column names, and the coded values (status,
gender, region, country) said as words.

Frames keep stable English keys and codes (the code, the PDF templates and the tests read them); `for_reader`
applies these words where a table leaves for a person: the report page, the PDF, XLSX and CSV. A name nobody gave
words stays as it is. The words are looked up when called, so a job speaks the language it runs in.
"""
import pandas as pd
from flask_babel import gettext as _
from flask_babel import pgettext

from .. import exports
from ..agenda.forms import ROLE_LABELS
from ..delegations.services import KIND_LABELS
from ..invitations.services import STATUS_LABELS as INVITATION_STATUSES
from ..reference.services import country_name, region_label


def table_names() -> dict[str, str]:
    """Each table's name; in English as the frames name it (scripts that read the XLSX know these)."""
    return {"Participants": _("Participants"), "Attended": _("Attended"), "No-shows": _("No-shows"),
            "Rates": _("Rates"), "Totals": _("Totals"), "Region x gender x category": _("Region x gender x category"),
            "Region x gender": _("Region x gender"), "Against the policy": _("Against the policy"),
            "Editions": _("Editions"), "Members": _("Members"), "Delegations": _("Delegations"), "Needs": _("Needs"),
            "Visa letters": _("Visa letters"), "Speakers": _("Speakers"), "Bounds": _("Bounds"),
            "Categories": _("Categories"), "Registrations over time": _("Registrations over time")}


def column_names() -> dict[str, str]:
    names = {
        "name": _("name"), "email": _("email"), "organisation": _("organisation"), "position": _("position"),
        "country": _("country"), "region": _("region"), "gender": _("gender"), "category": _("category"),
        "delegation": _("delegation"), "public listing": _("public listing"), "day": _("day"), "list": _("list"),
        "first check-in": _("first check-in"), "registration": _("registration"),
        # columns counting people, apart from the status of one person
        "approved": pgettext("number of people", "approved"), "pending": pgettext("number of people", "pending"),
        "waitlisted": pgettext("number of people", "waitlisted"), "signed up": _("signed up"),
        "attended": _("attended"), "no-shows": _("no-shows"), "rate %": _("rate %"), "dimension": _("dimension"),
        "value": _("value"), "group": _("group"), "minimum": _("minimum"), "maximum": _("maximum"),
        "min": _("minimum"), "max": _("maximum"), "headroom": _("headroom"), "share": _("share of capacity %"),
        "share of capacity %": _("share of capacity %"), "state": _("state"), "edition": _("edition"),
        "year": _("year"), "capacity": _("capacity"), "women %": _("women %"), "badge name": _("badge name"),
        "dietary": _("dietary"), "accessibility": _("accessibility"), "name in passport": _("name in passport"),
        "nationality": _("nationality"), "passport number": _("passport number"),
        "passport expiry": _("passport expiry"), "date of birth": _("date of birth"),
        "place of birth": _("place of birth"), "status": _("status"), "role": _("role"), "session": _("session"),
        "starts": _("starts"), "ends": _("ends"), "room": _("room"), "kind": _("kind"), "seats": _("seats"),
        "seats taken": _("seats taken"), "members": _("members"), "counts toward balance": _("counts toward balance"),
        "label": _("group"), "code": _("code"), "counts": _("counts toward balance"), "submitted": _("submitted"),
        "total": _("total"),
    }
    for gender, word in _genders().items():
        names[f"counted for balance: {gender}"] = _("counted for balance: %(gender)s", gender=word)
    return names


def _genders() -> dict[str, str]:
    return {"woman": _("woman"), "man": _("man"), "another": _("another gender identity"),
            "undisclosed": _("undisclosed gender")}


def _statuses() -> dict[str, str]:
    said = {status.value: str(label) for status, label in INVITATION_STATUSES.items()}
    return said | {"pending": _("pending"), "approved": _("approved"), "waitlisted": _("waitlisted"),
                   "declined": _("declined"), "cancelled": _("cancelled")}


def _value_words() -> dict[str, object]:
    """column -> a function from a stored value to its words (given only non-empty text)."""
    genders, statuses = _genders(), _statuses()
    dimensions = {"region": _("region"), "gender": _("gender"), "category": _("category")}
    kinds = {kind.value: str(label) for kind, label in KIND_LABELS.items()}
    roles = {role.value: str(label) for role, label in ROLE_LABELS.items()}
    states = {"ok": _("within the bounds"), "full": _("full"), "over": _("over the cap"),
              "short": _("short of the minimum")}
    return {
        "gender": lambda v: genders.get(v, v), "status": lambda v: statuses.get(v, v), "region": region_label,
        "country": country_name, "nationality": country_name, "dimension": lambda v: dimensions.get(v, v),
        "value": lambda v: genders.get(v) or region_label(v),  # a total by region or by gender
        "kind": lambda v: kinds.get(v, v), "role": lambda v: roles.get(v, v), "state": lambda v: states.get(v, v),
    }


def group_label(dimension: str, value: str) -> str:
    """A region or a gender (as stored) in words; anything else as it is."""
    return _value_words()[dimension](value) if dimension in ("region", "gender") and value else value


def for_reader(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as the reader reads it: column names and coded values in their language, cells still typed."""
    return exports.for_reader(frame, column_names(), _value_words())


def frames_for_reader(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every table under its name in the reader's language (XLSX sheets)."""
    names = table_names()
    return {names.get(name, name): for_reader(frame) for name, frame in frames.items()}


def table_name(name: str) -> str:
    return table_names().get(name, name)
