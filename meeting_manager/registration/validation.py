"""Checks shared by the registration services: lengths from the columns, control characters, enums, labels.

Names in any script are kept exactly (only surrounding blanks go); what the database cannot store safely (NUL,
other control characters) or what is longer than its column is refused with a message naming the field.
"""
import enum
import unicodedata

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .models import Registration

#: how problems name a field (the form shows its own labels; these serve the CLI, the API and the summary)
FIELD_LABELS = {
    "given_name": _l("Given name"), "family_name": _l("Family name"), "badge_name": _l("Name on the badge"),
    "name_order": _l("Order of your names"), "passport_name": _l("Name exactly as in the passport"),
    "latin_name": _l("Name in Latin letters"),
    "email": _l("Email"), "gender": _l("Gender"), "nationality": _l("Nationality"),
    "residence_country": _l("Country of residence"), "organisation": _l("Organisation"),
    "organisation_country": _l("Organisation's country"), "position": _l("Position"), "category_id": _l("Category"),
    "relation": _l("Relation to the network"), "dietary": _l("Dietary needs"),
    "accessibility": _l("Accessibility needs"),
    "interpretation_language": _l("Interpretation language"), "place_of_birth": _l("Place of birth"),
    "flight": _l("Flight"), "hotel": _l("Hotel"), "label": _l("Question"), "kind": _l("Kind of answer"),
}


def label(name: str) -> str:
    """A field's name as people read it."""
    return str(FIELD_LABELS.get(name, name))


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """True if the text holds invisible control characters (NUL breaks PostgreSQL; others hide text)."""
    allowed = "\n\r\t" if multiline else ""
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value)


def column_length(model, name: str) -> int | None:
    """The length limit of a text column (None if unlimited)."""
    return getattr(model.__table__.c[name].type, "length", None)


def clean_text(value, name: str, problems: list, *, model=Registration, multiline=False, required=False) -> str:
    """The text stripped at both ends and otherwise kept exactly; a problem is appended if it is unusable."""
    value = (value or "").strip()
    limit = column_length(model, name)
    if required and not value:
        problems.append(_("%(field)s is required.", field=label(name)))
    elif limit and len(value) > limit:
        problems.append(ngettext("%(field)s is longer than %(num)d character.",
                                 "%(field)s is longer than %(num)d characters.", limit, field=label(name)))
    elif has_control_characters(value, multiline=multiline):
        problems.append(_("%(field)s holds control characters.", field=label(name)))
    return value


def clean_enum(enum_type, value, name: str, problems: list, default=None):
    """The enum member for a value or its string; empty gives `default` (a problem if there is none)."""
    if value in (None, ""):
        if default is None:
            problems.append(_("%(field)s is required.", field=label(name)))
        return default
    try:
        return enum_type(value.value if isinstance(value, enum.Enum) else value)
    except ValueError:
        problems.append(_("%(field)s is not a valid choice.", field=label(name)))
        return default
