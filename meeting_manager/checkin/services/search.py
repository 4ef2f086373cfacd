"""The desk search: accent-insensitive, in any script, over names, organisations and delegations."""
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...delegations.models import Delegation
from ...extensions import db
from ...meetings.models import Meeting
from ...registration.models import Registration, RegistrationStatus
from ..models import BadgeCollection
from .attendance import checked_in_since

SEARCH_LIMIT = 25

#: letters that Unicode does not decompose into a base letter and a mark, folded for searching
_LETTERS = {
    "ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h", "ŧ": "t",
    "ŋ": "n", "ə": "e",
    # Arabic: ta marbuta, alef maqsura and Persian letters searched as their common Arabic forms; tatweel dropped
    "ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك", "ـ": None,
}
#: one table that drops every combining mark (accents, Arabic harakat) and folds the letters above, so that
#: folding runs in C: a 5,000-person meeting is searched in a few tens of milliseconds
_FOLD = str.maketrans({
    **{chr(cp): None for cp in range(sys.maxunicode + 1) if unicodedata.combining(chr(cp))}, **_LETTERS,
})
_SEPARATORS = str.maketrans(dict.fromkeys("-‐‑–—'’ʼ`.,;:()/", " "))


def normalise(text: str) -> str:
    """Text folded for search: case, accents and Arabic diacritics ignored (Łukasz ~ lukasz, مُحَمَّد ~ محمد)."""
    text = (text or "").casefold()
    return text if text.isascii() else unicodedata.normalize("NFKD", text).translate(_FOLD)


@dataclass(frozen=True)
class DeskRow:
    """A person as the desk shows them: whether in on the chosen list, since when, and whether badged."""
    registration: Registration
    since: datetime | None
    collected: bool


@dataclass(frozen=True)
class SearchResult:
    rows: list[DeskRow] = field(default_factory=list)
    more: bool = False  #: more people matched than are shown: type more of the name


def _words(text: str) -> list[str]:
    """The words of folded text, split at spaces, hyphens and apostrophes (Tanaka-Reyes, d’Ivoire)."""
    words = text.translate(_SEPARATORS).split()
    if "ال" in text:  # Arabic names often carry the article: العلي is also found by typing علي
        words += [w[2:] for w in words if w.startswith("ال") and len(w) > 3]
    return words


def _matches(meeting: Meeting, query: str) -> list[int]:
    tokens = _words(normalise(query))
    if not tokens:
        return []
    # Names are folded in Python rather than SQL: SQLite's lower() knows only ASCII, and PostgreSQL's unaccent
    # is an extension we cannot count on. bench/checkin.py measures this at 1,000 and 5,000 people.
    rows = db.session.execute(
        select(Registration.id, Registration.given_name, Registration.family_name, Registration.badge_name,
               Registration.organisation, Delegation.name, Registration.status)
        .outerjoin(Delegation, Delegation.id == Registration.delegation_id)
        .where(Registration.meeting_id == meeting.id)
    )
    found = []
    for rid, given, family, badge, organisation, delegation, status in rows:
        folded_given, folded_family, folded_badge = normalise(f"{given}\x1f{family}\x1f{badge}").split("\x1f")
        # Both orders run together too: 王芳 is typed family name first, without a space.
        names = (f"{folded_given} {folded_family} {folded_badge} "
                 f"{folded_family}{folded_given} {folded_given}{folded_family}")
        others = normalise(f"{organisation or ''} {delegation or ''}")
        if not all(token in names or token in others for token in tokens):
            continue  # the cheap test first: most people do not contain the typed text at all
        name_words = _words(names)
        words = name_words + _words(others)
        # Each typed word must begin a word of the person's names, organisation or delegation.
        if all(any(word.startswith(token) for word in words) for token in tokens):
            by_name = any(word.startswith(tokens[0]) for word in name_words)
            found.append(((status != RegistrationStatus.approved, not by_name, folded_badge), rid))
    return [rid for _key, rid in sorted(found)]


def search_desk(meeting: Meeting, query: str, *, day: date, session_id: int | None = None,
                limit: int = SEARCH_LIMIT) -> SearchResult:
    """People of the meeting whose name, organisation or delegation matches, approved ones first."""
    ids = _matches(meeting, query)
    shown = ids[:limit]
    registrations = db.session.scalars(
        select(Registration).where(Registration.id.in_(shown))
        .options(selectinload(Registration.category), selectinload(Registration.delegation))
    ).all()
    by_id = {r.id: r for r in registrations}
    since = checked_in_since(meeting, shown, day, session_id)
    collected = set(db.session.scalars(
        select(BadgeCollection.registration_id).where(BadgeCollection.registration_id.in_(shown))
    ))
    rows = [DeskRow(by_id[rid], since.get(rid), rid in collected) for rid in shown]
    return SearchResult(rows=rows, more=len(ids) > limit)
