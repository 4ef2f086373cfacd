"""People's names: parts plus an order, rendered for a purpose by one function (`render_name`), sorted by `sort_key`.

A name is given name(s) and family name(s), either of which may be empty (not both: mononyms exist), the order the
person writes them in, the name exactly as in the passport, the name for the badge and an optional Latin-script
form. Nothing else in the app glues name parts together: pages, mails, reports and PDFs call `render_name`.

Pure Python (no Flask, no database): a person is anything with those attributes (a Registration, an Invitation,
a report row as a dict).
"""
import enum
import functools
import unicodedata
from typing import Any


class NameOrder(str, enum.Enum):
    """The order a person writes their name in."""

    given_first = "given_first"
    family_first = "family_first"  #: Chinese, Japanese, Korean, Vietnamese, Hungarian, Mongolian...


class Purpose(str, enum.Enum):
    badge = "badge"  #: the name the person chose for their badge
    list = "list"  #: lists and reports: the whole name in the person's order, the family name marked by capitals
    letter = "letter"  #: visa letters and visa lists: the name exactly as in the passport, nothing else
    salutation = "salutation"  #: the whole name in the person's order, as written (pages, messages)
    formal = "formal"  #: "Dear …" in a letter or mail: the title or honorific, if any, before the whole name
    latin = "latin"  #: the Latin-script form printed small under a name in another script ("" if none is needed)


#: nationality codes whose people usually write the family name first (the form's default; the person may change it)
FAMILY_FIRST_COUNTRIES = frozenset({"CN", "TW", "HK", "MO", "JP", "KR", "KP", "VN", "HU", "MN", "KH", "SG"})


def _get(person: Any, attribute: str, default: Any = "") -> Any:
    if isinstance(person, dict):
        value = person.get(attribute, default)
    else:
        value = getattr(person, attribute, default)
    return default if value is None else value


def script_of(text: str) -> str:
    """The main script of `text`: 'han', 'kana', 'hangul', 'arabic', 'hebrew', 'greek', 'cyrillic', 'latin', ...
    (the first letter's, from its Unicode name; '' when there is no letter)."""
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        for word, script in (("CJK", "han"), ("HIRAGANA", "kana"), ("KATAKANA", "kana"), ("HANGUL", "hangul"),
                             ("ARABIC", "arabic"), ("HEBREW", "hebrew"), ("GREEK", "greek"),
                             ("CYRILLIC", "cyrillic"), ("LATIN", "latin"), ("DEVANAGARI", "devanagari"),
                             ("THAI", "thai"), ("GEORGIAN", "georgian"), ("ARMENIAN", "armenian")):
            if name.startswith(word) or f" {word} " in f" {name} ":
                return script
        return "other"
    return ""


#: scripts in which a name is written without a space between family and given name (王秀英, 田中美咲, 김민준)
_UNSPACED = {"han", "kana", "hangul"}
#: scripts with capital letters (only these get the family name in capitals on lists)
_CASED = {"latin", "greek", "cyrillic", "armenian", "georgian"}


def default_order(given: str, family: str, nationality: str | None = None) -> NameOrder:
    """The order to suggest on the form: family first for names in Chinese, Japanese or Korean script, or for a
    nationality where that is usual (Vietnamese and Hungarian names are Latin script, so the script cannot say)."""
    if script_of(f"{family}{given}") in _UNSPACED:
        return NameOrder.family_first
    if nationality and nationality.upper() in FAMILY_FIRST_COUNTRIES:
        return NameOrder.family_first
    return NameOrder.given_first


def _order(person: Any) -> NameOrder:
    order = _get(person, "name_order", None)
    if order:
        return NameOrder(order)
    return default_order(_get(person, "given_name"), _get(person, "family_name"), _get(person, "nationality", None))


def upper(text: str) -> str:
    """Capitals as each script writes them: Greek capitals drop their accents (ΠΑΠΑΔΟΠΟΥΛΟΣ, not ΠΑΠΑΔΌΠΟΥΛΟΣ)."""
    if script_of(text) != "greek":
        return text.upper()
    decomposed = unicodedata.normalize("NFD", text.upper())
    # tonos/oxia, varia, perispomeni, psili, dasia; the diaeresis stays (ΪΫ) as Greek typography keeps it
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in "\u0301\u0300\u0342\u0313\u0314"))


def _joined(first: str, second: str) -> str:
    if not first or not second:
        return first or second
    unspaced = script_of(first) in _UNSPACED and script_of(second) in _UNSPACED
    return f"{first}{second}" if unspaced else f"{first} {second}"


def _natural(person: Any, *, capital_family: bool = False) -> str:
    given = (_get(person, "given_name") or "").strip()
    family = (_get(person, "family_name") or "").strip()
    if capital_family and given and script_of(family) in _CASED:
        family = upper(family)  # a mononym stays as written: there is no family name to mark
    if _order(person) == NameOrder.family_first:
        return _joined(family, given)
    return _joined(given, family)


def render_name(person: Any, purpose: Purpose | str = Purpose.list) -> str:
    """The one way to write a person's name for `purpose` (see Purpose). Never an empty part and a separator."""
    purpose = Purpose(purpose)
    if purpose == Purpose.badge:
        return (_get(person, "badge_name") or "").strip() or _natural(person)
    if purpose == Purpose.letter:
        return (_get(person, "passport_name") or "").strip() or _natural(person)
    if purpose == Purpose.latin:
        latin = (_get(person, "latin_name") or "").strip()
        shown = render_name(person, Purpose.badge)
        return "" if not latin or latin == shown else latin
    if purpose == Purpose.salutation:
        return _natural(person)
    if purpose == Purpose.formal:
        title = " ".join((_get(person, "title") or "").split())
        return f"{title} {_natural(person)}" if title and _natural(person) else _natural(person)
    return _natural(person, capital_family=True)


@functools.cache
def _collator(locale: str):
    """An ICU collator for the reader's language (root collation for an unknown one)."""
    import icu  # PyICU: imported here so that the pure functions above need nothing but the standard library

    try:
        collator = icu.Collator.createInstance(icu.Locale(locale or "en"))
    except icu.ICUError:
        collator = icu.Collator.createInstance(icu.Locale.getRoot())
    collator.setStrength(icu.Collator.TERTIARY)
    return collator


def collation_key(text: str, locale: str = "en") -> bytes:
    """A key that sorts `text` as people of `locale` expect (ICU), not by code point."""
    return _collator(locale).getSortKey(text or "")


def sort_key(person: Any, locale: str = "en") -> tuple:
    """Sort by family name, then given name (a mononym by its one name), collated for `locale`."""
    given = (_get(person, "given_name") or "").strip()
    family = (_get(person, "family_name") or "").strip() or given
    return collation_key(family, locale), collation_key(given, locale), _get(person, "id", 0) or 0
