"""Check-in: signed badge tokens, the append-only attendance log, badge collection, desk search and live counts.

Services add and flush but never commit; the views commit once. A person's state on a list (the meeting-day
list, or one session's list) is the last check-in or check-out that no correction voids.
"""
import secrets
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import aliased, selectinload

from ..agenda.models import Session, SessionKind
from ..audit.services import record
from ..delegations.models import Delegation
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..meetings.models import Meeting
from ..models_base import utcnow
from ..reference.services import UNASSIGNED, region_map, region_of
from ..registration.models import Registration, RegistrationStatus
from ..signals import checked_in
from .models import Attendance, AttendanceKind, BadgeCollection, CheckInMethod, ReplacedBadge

BADGE_SALT = "meeting-manager.badge-checkin.v1"
#: a QR payload longer than this is not one of ours; refuse it before any parsing
MAX_PAYLOAD_LENGTH = 400
SEARCH_LIMIT = 25
MOVES = (AttendanceKind.check_in, AttendanceKind.check_out)


# --- Refusals -----------------------------------------------------------------------------------------------------

class CheckInRefused(DomainError):
    """The badge or registration may not be checked in; `reason` is a stable code for the scanner."""

    status_code = 409
    reason = "refused"
    message = _l("This badge cannot be checked in.")


class UnknownBadge(CheckInRefused):
    reason = "unknown"
    message = _l("Unknown badge: this code is not one of our badges.")


class BadgeOfAnotherMeeting(CheckInRefused):
    reason = "other_meeting"
    message = _l("This badge is not for this meeting.")


class RegistrationNotAdmitted(CheckInRefused):
    reason = "not_admitted"


class BadgeReplaced(CheckInRefused):
    """A lost badge that was replaced: whoever holds it may not be its owner."""

    reason = "replaced"


class NotToday(CheckInRefused):
    """The desk records only today at the venue; another day is an organiser's reasoned correction."""

    reason = "not_today"


NOT_ADMITTED = {
    RegistrationStatus.cancelled: _l("This badge is cancelled: the registration was cancelled."),
    RegistrationStatus.declined: _l("This badge is not valid: the registration was declined."),
    RegistrationStatus.pending: _l("This badge is not valid yet: the registration is still pending."),
    RegistrationStatus.waitlisted: _l("This badge is not valid: the registration is on the waitlist."),
}


# --- Badge token ----------------------------------------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    """Signs with BADGE_KEY (the last key signs, every key verifies).

    BADGE_KEY_FALLBACKS keep printed badges valid across a rotation of the badge key. Badges printed before the
    badge key existed were signed with SECRET_KEY (or one of its fallbacks): they verify while the deployment
    has never set BADGE_KEY itself (BADGE_ACCEPT_SECRET_KEY), and never sign.
    """
    config = current_app.config
    legacy = [*(config.get("SECRET_KEY_FALLBACKS") or []), config["SECRET_KEY"]]
    keys = [*(legacy if config.get("BADGE_ACCEPT_SECRET_KEY") else []),
            *(config.get("BADGE_KEY_FALLBACKS") or []), config["BADGE_KEY"]]
    return URLSafeSerializer(keys, salt=BADGE_SALT)


def badge_payload(registration: Registration) -> str:
    """The text of a badge's QR code: the meeting id and the random badge token, signed; no personal data."""
    return _serializer().dumps([registration.meeting_id, registration.badge_token])


def resolve_badge(payload: str, meeting: Meeting) -> Registration:
    """The registration a scanned payload names, or a CheckInRefused with a message to show at the door."""
    payload = (payload or "").strip()
    if not payload or len(payload) > MAX_PAYLOAD_LENGTH:
        raise UnknownBadge()
    try:
        meeting_id, token = _serializer().loads(payload)
    except (BadSignature, TypeError, ValueError):
        raise UnknownBadge()
    if meeting_id != meeting.id:
        raise BadgeOfAnotherMeeting()
    registration = db.session.scalar(
        select(Registration).where(Registration.meeting_id == meeting.id, Registration.badge_token == token)
    )
    if registration is None:
        replaced = db.session.scalar(select(ReplacedBadge).join(Registration).where(
            ReplacedBadge.token == token, Registration.meeting_id == meeting.id))
        if replaced is not None:
            raise BadgeReplaced(_("This badge was replaced on %(day)s: it no longer admits anyone. Check the "
                                  "person's ID and look them up by name.",
                                  day=format_date(replaced.replaced_at.astimezone(meeting.tz).date(), "medium")))
        raise UnknownBadge()  # a signed token whose registration was erased
    ensure_admitted(meeting, registration)
    return registration


def ensure_admitted(meeting: Meeting, registration: Registration) -> None:
    """Refuse a registration of another meeting or one that is not approved."""
    if registration.meeting_id != meeting.id:
        raise BadgeOfAnotherMeeting()
    if registration.status != RegistrationStatus.approved:
        raise RegistrationNotAdmitted(NOT_ADMITTED.get(registration.status, CheckInRefused.message),
                                      status=registration.status.value)


# --- Days and sessions ----------------------------------------------------------------------------------------------

def meeting_days(meeting: Meeting) -> list[date]:
    return [meeting.starts_on + timedelta(days=n) for n in range((meeting.ends_on - meeting.starts_on).days + 1)]


def today(meeting: Meeting, now: datetime | None = None) -> date:
    """Today in the meeting's time zone."""
    return (now or utcnow()).astimezone(meeting.tz).date()


def desk_day(meeting: Meeting, day: date | None = None, now: datetime | None = None) -> date:
    """The only day the desk records: today at the venue, if it is a day of the meeting. A posted `day` other than
    today is refused, never silently replaced (a page left open overnight must not check people in for yesterday).
    """
    current = today(meeting, now)
    if current not in meeting_days(meeting):
        raise NotToday(_("Today (%(today)s) is not a day of this meeting (%(start)s to %(end)s): nothing is checked "
                         "in. An organiser can record attendance of a past day on the person's card, with a reason.",
                         today=format_date(current, "medium"), start=format_date(meeting.starts_on, "medium"),
                         end=format_date(meeting.ends_on, "medium")))
    if day is not None and day != current:
        raise NotToday(_("The desk records only today (%(today)s). Reload the page.",
                         today=format_date(current, "medium")))
    return current


def default_day(meeting: Meeting, now: datetime | None = None) -> date:
    """Today in the meeting's time zone, clamped to the meeting's days."""
    today = (now or utcnow()).astimezone(meeting.tz).date()
    return min(max(today, meeting.starts_on), meeting.ends_on)


def local_time(meeting: Meeting, moment: datetime) -> str:
    """A moment as the wall-clock time at the venue, e.g. 09:12."""
    return moment.astimezone(meeting.tz).strftime("%H:%M")


def list_sessions(meeting: Meeting, day: date | None = None) -> list[Session]:
    """The meeting's agenda sessions that take attendance (breaks do not), on `day` when given, in time order."""
    sessions = db.session.scalars(
        select(Session).where(Session.meeting_id == meeting.id, Session.kind != SessionKind.break_)
        .order_by(Session.starts_at, Session.id)
    ).all()
    return [s for s in sessions if day is None or s.local_day(meeting.tz) == day]


def session_label(meeting: Meeting, session: Session) -> str:
    return f"{local_time(meeting, session.starts_at)} {session.title}"


def get_session(meeting: Meeting, session_id: int | None) -> Session | None:
    """The agenda session of this meeting with that id, or a DomainError; None for the meeting-day list."""
    if session_id is None:
        return None
    session = db.session.get(Session, session_id)
    if session is None or session.meeting_id != meeting.id:
        raise DomainError(_("This session is not part of this meeting."))
    return session


def _check_list(meeting: Meeting, day: date, session_id: int | None) -> None:
    if day not in meeting_days(meeting):
        raise ValidationFailed(_("%(day)s is not a day of this meeting.", day=day.isoformat()))
    session = get_session(meeting, session_id)
    if session is not None and session.local_day(meeting.tz) != day:
        raise ValidationFailed(_("This session is not on %(day)s.", day=day.isoformat()))


# --- Attendance -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckInResult:
    """What a check-in or check-out did: `created` is False when the person was already in (nothing recorded)."""

    registration: Registration
    attendance: Attendance  #: the new row, or the earlier check-in that still holds
    created: bool

    @property
    def since(self) -> datetime:
        return self.attendance.at

    @property
    def kind(self) -> AttendanceKind:
        return self.attendance.kind


def _not_voided():
    correction = aliased(Attendance)
    return ~exists().where(correction.voids_id == Attendance.id)


def _on_list(day: date, session_id: int | None):
    same_session = Attendance.session_id.is_(None) if session_id is None else Attendance.session_id == session_id
    return and_(Attendance.day == day, same_session)


def last_move(registration: Registration, day: date, session_id: int | None = None) -> Attendance | None:
    """The check-in or check-out that decides whether the person is in on that list now."""
    return db.session.scalar(
        select(Attendance)
        .where(Attendance.registration_id == registration.id, _on_list(day, session_id),
               Attendance.kind.in_(MOVES), _not_voided())
        .order_by(Attendance.at.desc(), Attendance.id.desc())
        .limit(1)
    )


def is_in(registration: Registration, day: date, session_id: int | None = None) -> bool:
    """Whether the person is checked in on that list (the meeting-day list when no session is given)."""
    move = last_move(registration, day, session_id)
    return move is not None and move.kind == AttendanceKind.check_in


def _lock(registration: Registration) -> None:
    # Two desks scanning the same badge at once must not both record a check-in (PostgreSQL row lock; SQLite
    # has a single writer anyway).
    db.session.execute(select(Registration.id).where(Registration.id == registration.id).with_for_update())


def _add_row(meeting: Meeting, registration: Registration, kind: AttendanceKind, *, day, session_id, actor,
             method, **extra) -> Attendance:
    row = Attendance(meeting_id=meeting.id, registration_id=registration.id, kind=kind, day=day,
                     session_id=session_id, by_id=getattr(actor, "id", None), method=CheckInMethod(method), **extra)
    db.session.add(row)
    db.session.flush()
    return row


def check_in(meeting: Meeting, registration: Registration, *, day: date, session_id: int | None = None, actor,
             method: str | CheckInMethod, reason: str = "") -> CheckInResult:
    """Check a person in on the day list or a session list; a second check-in records nothing and says since when.

    This records the day it is given: the desk passes desk_day() (today), an organiser's correction another day.
    """
    ensure_admitted(meeting, registration)
    _check_list(meeting, day, session_id)
    _lock(registration)
    last = last_move(registration, day, session_id)
    if last is not None and last.kind == AttendanceKind.check_in:
        return CheckInResult(registration, last, created=False)
    row = _add_row(meeting, registration, AttendanceKind.check_in, day=day, session_id=session_id, actor=actor,
                   method=method, **({"reason": reason[:300]} if reason else {}))
    checked_in.send(row, registration=registration, actor=actor)
    return CheckInResult(registration, row, created=True)


def record_other_day(meeting: Meeting, registration: Registration, *, day: date, session_id: int | None = None,
                     actor, reason: str, now: datetime | None = None) -> CheckInResult:
    """An organiser's correction: attendance on a past day of the meeting that the desk did not record, with the
    reason, in the audit log. A day that has not come yet is refused."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why attendance on another day is recorded."))
    if day not in meeting_days(meeting):
        raise DomainError(_("Choose a day of the meeting."))
    if day > today(meeting, now):
        raise NotToday(_("%(day)s has not come yet: attendance cannot be recorded for it.",
                         day=format_date(day, "medium")))
    outcome = check_in(meeting, registration, day=day, session_id=session_id, actor=actor,
                       method=CheckInMethod.manual, reason=reason)
    if outcome.created:
        record("attendance.record_other_day", actor=actor, meeting=meeting, subject=registration,
               day=day.isoformat(), session=session_id, reason=reason[:300])
    return outcome


def check_out(meeting: Meeting, registration: Registration, *, day: date, session_id: int | None, actor,
              method: str | CheckInMethod) -> CheckInResult:
    """Record that a person left a session room (for headcounts); they may check in again later."""
    if registration.meeting_id != meeting.id:
        raise BadgeOfAnotherMeeting()
    if session_id is None:
        raise DomainError(_("Check-out is kept for session rooms: choose a session first."))
    _check_list(meeting, day, session_id)
    _lock(registration)
    if not is_in(registration, day, session_id):
        raise DomainError(_("This person is not checked in to this session, so there is nothing to check out."))
    row = _add_row(meeting, registration, AttendanceKind.check_out, day=day, session_id=session_id, actor=actor,
                   method=method)
    return CheckInResult(registration, row, created=True)


def correct(meeting: Meeting, attendance: Attendance, *, actor, reason: str) -> Attendance:
    """Void an earlier check-in or check-out with a new correction row (the earlier row stays as it was)."""
    reason = (reason or "").strip()
    if attendance.meeting_id != meeting.id:
        raise DomainError(_("This entry is not part of this meeting."))
    if attendance.kind == AttendanceKind.correction:
        raise DomainError(_("A correction cannot be voided; check the person in again instead."))
    if not reason:
        raise ValidationFailed(_("Say why this entry is corrected."))
    if db.session.scalar(select(Attendance.id).where(Attendance.voids_id == attendance.id)):
        raise DomainError(_("This entry has already been corrected."))
    row = _add_row(meeting, attendance.registration, AttendanceKind.correction, day=attendance.day,
                   session_id=attendance.session_id, actor=actor, method=CheckInMethod.manual,
                   voids_id=attendance.id, reason=reason[:300])
    record("attendance.correct", actor=actor, meeting=meeting, subject=row, voids=attendance.id)
    return row


def scan_badge(meeting: Meeting, payload: str, *, day: date | None = None, session_id: int | None = None,
               leaving: bool = False, actor) -> CheckInResult:
    """Resolve a scanned badge and check the person in (or out of a session room when `leaving`), today only."""
    day = desk_day(meeting, day)
    registration = resolve_badge(payload, meeting)
    move = check_out if leaving else check_in
    return move(meeting, registration, day=day, session_id=session_id, actor=actor, method=CheckInMethod.scan)


def attendance_history(registration: Registration) -> list[Attendance]:
    """Every attendance row of a person, newest first, with who recorded it."""
    return list(db.session.scalars(
        select(Attendance).where(Attendance.registration_id == registration.id)
        .options(selectinload(Attendance.by)).order_by(Attendance.at.desc(), Attendance.id.desc())
    ))


def voided_ids(rows: list[Attendance]) -> set[int]:
    return {row.voids_id for row in rows if row.voids_id is not None}


def checked_in_since(meeting: Meeting, registration_ids: list[int], day: date,
                     session_id: int | None = None) -> dict[int, datetime]:
    """For each of these registrations that is in on the list, the time of the check-in that holds."""
    if not registration_ids:
        return {}
    rows = db.session.execute(
        select(Attendance.registration_id, Attendance.kind, Attendance.at)
        .where(Attendance.meeting_id == meeting.id, Attendance.registration_id.in_(registration_ids),
               _on_list(day, session_id), Attendance.kind.in_(MOVES), _not_voided())
        .order_by(Attendance.at, Attendance.id)
    )
    last: dict[int, tuple[AttendanceKind, datetime]] = {}
    for registration_id, kind, at in rows:
        last[registration_id] = (kind, at)
    return {rid: at for rid, (kind, at) in last.items() if kind == AttendanceKind.check_in}


# --- Badge collection -----------------------------------------------------------------------------------------------

def latest_collection(registration: Registration) -> BadgeCollection | None:
    return db.session.scalar(
        select(BadgeCollection).where(BadgeCollection.registration_id == registration.id)
        .order_by(BadgeCollection.collected_at.desc(), BadgeCollection.id.desc()).limit(1)
    )


def collect_badge(meeting: Meeting, registration: Registration, *, actor, id_checked: bool,
                  replacement: bool = False) -> BadgeCollection:
    """Record that staff checked a photo ID and handed the badge over (who and when)."""
    ensure_admitted(meeting, registration)
    if not id_checked:
        raise ValidationFailed(_("Check a photo ID before handing over the badge."))
    previous = latest_collection(registration)
    if previous is not None and not replacement:
        raise DomainError(_("This badge was already handed over at %(time)s on %(day)s. Tick “replacement badge” "
                            "to hand over a new one.", time=local_time(meeting, previous.collected_at),
                            day=previous.collected_at.astimezone(meeting.tz).date().isoformat()))
    row = BadgeCollection(registration_id=registration.id, handed_over_by_id=getattr(actor, "id", None),
                          id_checked=True, replacement=previous is not None)
    db.session.add(row)
    db.session.flush()
    if row.replacement:  # a second badge in circulation is worth a trace
        record("badge.replacement_handed_over", actor=actor, meeting=meeting, subject=registration)
    return row


def replace_badge(meeting: Meeting, registration: Registration, *, actor) -> ReplacedBadge:
    """A lost badge: the registration gets a new badge token (a new QR code, to print), and the old one is kept
    so that its scan says it was replaced and when."""
    ensure_admitted(meeting, registration)
    old = ReplacedBadge(registration_id=registration.id, token=registration.badge_token,
                        by_id=getattr(actor, "id", None))
    db.session.add(old)
    registration.badge_token = secrets.token_urlsafe(24)
    db.session.flush()
    record("badge.replaced", actor=actor, meeting=meeting, subject=registration)
    return old


def replaced_badges(registration: Registration) -> list[ReplacedBadge]:
    return list(db.session.scalars(select(ReplacedBadge).where(ReplacedBadge.registration_id == registration.id)
                                   .order_by(ReplacedBadge.replaced_at.desc())))


# --- Desk search ----------------------------------------------------------------------------------------------------

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
_SEPARATORS = str.maketrans({c: " " for c in "-‐‑–—'’ʼ`.,;:()/"})


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


# --- Live counts ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CountRow:
    label: str
    count: int  #: checked in on the day list
    expected: int  #: approved registrations


@dataclass(frozen=True)
class SessionCount:
    session_id: int
    label: str
    present: int  #: in the room now (last move is a check-in)
    attended: int  #: different people checked in at least once
    entries: int  #: check-ins, re-entries included


@dataclass(frozen=True)
class LiveCounts:
    day: date
    total: int
    expected: int
    by_category: list[CountRow]
    by_region: list[CountRow]
    sessions: list[SessionCount]

    def as_dict(self) -> dict:
        rows = lambda items: [{"label": r.label, "count": r.count, "expected": r.expected} for r in items]  # noqa: E731
        return {
            "day": self.day.isoformat(), "total": self.total, "expected": self.expected,
            "by_category": rows(self.by_category), "by_region": rows(self.by_region),
            "sessions": [s.__dict__ for s in self.sessions],
        }


def _day_list_ids(meeting: Meeting, day: date):
    """Registrations checked in on the meeting-day list that day, each once."""
    return (
        select(Attendance.registration_id)
        .where(Attendance.meeting_id == meeting.id, _on_list(day, None),
               Attendance.kind == AttendanceKind.check_in, _not_voided())
        .distinct().subquery()
    )


def _grouped(meeting: Meeting, column, present) -> tuple[dict, dict]:
    """(checked in, approved) counts grouped by a Registration column, both aggregated in SQL."""
    checked = db.session.execute(
        select(column, func.count()).select_from(Registration)
        .join(present, present.c.registration_id == Registration.id).group_by(column)
    )
    approved = db.session.execute(
        select(column, func.count()).where(Registration.meeting_id == meeting.id,
                                           Registration.status == RegistrationStatus.approved).group_by(column)
    )
    return dict(checked.all()), dict(approved.all())


def _by_category(meeting: Meeting, present) -> list[CountRow]:
    checked, approved = _grouped(meeting, Registration.category_id, present)
    rows = [CountRow(c.name, checked.get(c.id, 0), approved.get(c.id, 0)) for c in meeting.categories]
    if checked.get(None) or approved.get(None):
        rows.append(CountRow(_("No category"), checked.get(None, 0), approved.get(None, 0)))
    return rows


def _by_region(meeting: Meeting, present) -> list[CountRow]:
    checked, approved = _grouped(meeting, Registration.represented_country, present)
    mapping = region_map(meeting.region_scheme_id)
    totals: dict[str, list[int]] = {region: [0, 0] for region in sorted(set(mapping.values()))}
    for index, counts in enumerate((checked, approved)):
        for country, n in counts.items():
            totals.setdefault(region_of(mapping, country), [0, 0])[index] += n
    if totals.get(UNASSIGNED) == [0, 0]:
        del totals[UNASSIGNED]
    label = lambda region: _("Not in a region") if region == UNASSIGNED else region  # noqa: E731
    return [CountRow(label(region), n, expected) for region, (n, expected) in totals.items()]


def session_counts(meeting: Meeting, day: date) -> list[SessionCount]:
    """Per session of that day with any attendance: people in the room now, different attendees, entries."""
    rank = func.row_number().over(partition_by=(Attendance.session_id, Attendance.registration_id),
                                  order_by=(Attendance.at.desc(), Attendance.id.desc()))
    moves = (
        select(Attendance.session_id, Attendance.registration_id, Attendance.kind, rank.label("rank"))
        .where(Attendance.meeting_id == meeting.id, Attendance.day == day, Attendance.session_id.is_not(None),
               Attendance.kind.in_(MOVES), _not_voided())
        .subquery()
    )
    is_in = moves.c.kind == AttendanceKind.check_in
    rows = db.session.execute(
        select(moves.c.session_id,
               func.sum(case((and_(moves.c.rank == 1, is_in), 1), else_=0)),
               func.count(moves.c.registration_id.distinct()),
               func.sum(case((is_in, 1), else_=0)))
        .group_by(moves.c.session_id).order_by(moves.c.session_id)
    ).all()
    labels = {s.id: session_label(meeting, s) for s in list_sessions(meeting)}
    return [SessionCount(sid, labels.get(sid, _("Session %(id)s", id=sid)), int(present), attended, int(entries))
            for sid, present, attended, entries in rows]


def live_counts(meeting: Meeting, day: date) -> LiveCounts:
    """Checked in on the day list, by category and by region (of the represented country), with sessions."""
    present = _day_list_ids(meeting, day)
    by_category = _by_category(meeting, present)
    return LiveCounts(
        day=day, total=sum(r.count for r in by_category), expected=sum(r.expected for r in by_category),
        by_category=by_category, by_region=_by_region(meeting, present), sessions=session_counts(meeting, day),
    )


# --- The desk card --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeskCard:
    registration: Registration
    since: datetime | None  #: in on the chosen list since then
    collection: BadgeCollection | None
    history: list[Attendance]
    voided: set[int]


def desk_card(meeting: Meeting, registration: Registration, *, day: date, session_id: int | None) -> DeskCard:
    """What the desk shows about one person: state on the list, badge collection and attendance history."""
    since = checked_in_since(meeting, [registration.id], day, session_id).get(registration.id)
    history = attendance_history(registration)
    return DeskCard(registration, since, latest_collection(registration), history, voided_ids(history))
