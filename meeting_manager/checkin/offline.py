"""The desk that keeps working offline: the day's list a desk device downloads, and the sync of what it checked in.

The device never holds the badge key: it holds a SHA-256 of each valid badge payload (what the QR code says), so a
scan is checked by hashing what the camera read. Check-ins made offline carry an id made on the device and the
device's time; the sync records each id once, and the server stays the only truth (a registration declined while
the device was offline comes back as a conflict, never as an attendance).
"""
import hashlib
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from ..audit.services import record
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..meetings.models import Meeting
from ..models_base import utcnow
from ..registration.models import Registration, RegistrationStatus
from . import services
from .models import (
    Attendance,
    AttendanceKind,
    BadgeCollection,
    CheckInMethod,
    OfflineCheckIn,
    OfflineKind,
    OfflineOutcome,
    ReplacedBadge,
)

#: most check-ins one sync request may carry (the device sends its queue in chunks of this size)
SYNC_BATCH = 200
#: a device clock this far ahead of the server is not believed (a check-in cannot happen in the future)
CLOCK_SKEW = timedelta(minutes=10)
_SEPARATORS = re.compile(r"[\s\-‐‑–—'’ʼ`.,;:()/]+")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")

#: what a conflict's reason code means, for the staff who look at it
CONFLICTS = {
    "declined": _l("The registration was declined while the desk was offline."),
    "cancelled": _l("The registration was cancelled while the desk was offline."),
    "pending": _l("The registration is not approved (pending)."),
    "waitlisted": _l("The registration is on the waitlist, not approved."),
    "badge_replaced": _l("The badge scanned was replaced (reported lost) while the desk was offline: check the "
                         "person's ID."),
    "unknown_person": _l("This registration no longer exists."),
    "not_a_meeting_day": _l("The device's clock put this check-in on a day that is not a day of the meeting."),
    "in_the_future": _l("The device's clock was ahead of the server's: the check-in time is in the future."),
}


class ListClosed(DomainError):
    """After the meeting's last day, no list is handed out (and devices wipe theirs)."""

    status_code = 410
    message = _l("The meeting is over: its list is no longer handed out.")


# --- The day's list -------------------------------------------------------------------------------------------------

def payload_hash(payload: str) -> str:
    """The one-way hash the device compares a scanned QR code with (the payload as scanned, trimmed)."""
    return hashlib.sha256(payload.strip().encode()).hexdigest()


def _token_hashes(meeting: Meeting, token: str) -> list[str]:
    """The hashes of every payload that admits with this badge token (one per badge key still accepted)."""
    return [payload_hash(payload) for payload in services.accepted_payloads(meeting.id, token)]


def wipe_after(meeting: Meeting) -> datetime:
    """When devices must wipe the list: the end of the meeting's last day at the venue."""
    return datetime.combine(meeting.ends_on + timedelta(days=1), time(0), tzinfo=meeting.tz).astimezone(UTC)


def search_words(*texts: str) -> list[str]:
    """The folded words the device's search matches typed words against (the desk search's folding)."""
    words: list[str] = []
    for text in texts:
        for word in _SEPARATORS.split(services.normalise(text)):
            if word:
                words.append(word)
                if word.startswith("ال") and len(word) > 3:  # العلي is also found by typing علي
                    words.append(word[2:])
    return words


def folding(texts: list[str]) -> tuple[str, dict[str, str]]:
    """How the device folds a typed query exactly as the server folded the list's words: the combining marks to
    drop and the letters to replace, taken from the characters the list holds (Łukasz ~ lukasz, مُحَمَّد ~ محمد)."""
    marks, folds = set(), {}
    for char in set(unicodedata.normalize("NFKD", "".join(texts).lower())):
        if char.isascii():
            continue
        if unicodedata.combining(char):
            marks.add(char)
        elif (folded := services.normalise(char)) != char:
            folds[char] = folded
    return "".join(sorted(marks)), folds


def _person(meeting: Meeting, registration: Registration, collected: set[int], since: dict) -> dict:
    delegation = registration.delegation.name if registration.delegation else ""
    badge, given, family = registration.name_for("badge"), registration.given_name, registration.family_name
    in_since = since.get(registration.id)
    return {
        "id": registration.id, "name": badge, "latin": registration.latin_name or "",
        "category": registration.category.label if registration.category else "",
        "organisation": registration.organisation or "", "delegation": delegation,
        "status": registration.status.value, "collected": registration.id in collected,
        "in_since": in_since.isoformat() if in_since else None,
        # both orders run together too: 王芳 is typed family name first, without a space
        "words": search_words(badge, given, family, f"{family}{given}", f"{given}{family}",
                              registration.latin_name or "", registration.organisation or "", delegation),
    }


def day_list(meeting: Meeting, *, actor, now: datetime | None = None) -> dict:
    """What a desk device keeps for the day: each approved person as the desk shows them, the hashes of valid badge
    payloads, and the hashes of badges it must refuse (replaced, or of registrations not approved)."""
    now = now or utcnow()
    if now >= wipe_after(meeting):
        raise ListClosed()
    registrations = db.session.scalars(
        select(Registration).where(Registration.meeting_id == meeting.id)
        .options(selectinload(Registration.category), selectinload(Registration.delegation))
    ).all()
    approved = [r for r in registrations if r.status == RegistrationStatus.approved]
    ids = [r.id for r in approved]
    collected = set(db.session.scalars(
        select(BadgeCollection.registration_id).where(BadgeCollection.registration_id.in_(ids))))
    day = services.default_day(meeting, now)
    since = services.checked_in_since(meeting, ids, day)
    refused = {digest: r.status.value for r in registrations if r.status != RegistrationStatus.approved
               for digest in _token_hashes(meeting, r.badge_token)}
    replaced = db.session.scalars(select(ReplacedBadge.token).join(Registration)
                                  .where(Registration.meeting_id == meeting.id))
    refused.update({digest: "replaced" for token in replaced for digest in _token_hashes(meeting, token)})
    record("checkin.offline_list_downloaded", actor=actor, meeting=meeting, people=len(approved))
    people = [_person(meeting, r, collected, since) for r in approved]
    marks, folds = folding([text for p in people for text in (p["name"], p["latin"], p["organisation"],
                                                               p["delegation"], " ".join(p["words"]))])
    return {
        "meeting": meeting.id, "day": day.isoformat(), "days": [d.isoformat() for d in services.meeting_days(meeting)],
        "timezone": meeting.timezone, "downloaded_at": now.isoformat(), "wipe_after": wipe_after(meeting).isoformat(),
        "people": people, "marks": marks, "folds": folds,
        "badges": {digest: r.id for r in approved for digest in _token_hashes(meeting, r.badge_token)},
        "refused": refused,
    }


# --- Sync -----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueuedCheckIn:
    """One check-in as the device queued it, after its shape was checked."""

    client_id: str
    registration_id: int
    happened_at: datetime
    method: CheckInMethod
    badge_hash: str | None  #: the hash of the payload scanned (a search has none)
    kind: OfflineKind = OfflineKind.check_in


def _uuid(value) -> str:
    return str(uuid.UUID(str(value)))


def _moment(value) -> datetime:
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment.astimezone(UTC)


def _item(raw) -> QueuedCheckIn:
    method = CheckInMethod(raw["method"])
    if method == CheckInMethod.manual or not isinstance(raw["registration"], int) or isinstance(
            raw["registration"], bool):
        raise ValueError("bad item")
    badge_hash = raw.get("hash")
    if method == CheckInMethod.scan and not (isinstance(badge_hash, str) and _HEX64.match(badge_hash)):
        raise ValueError("a scan carries the hash of its badge")
    kind = OfflineKind(raw.get("kind", "check_in"))
    if kind == OfflineKind.hand_over and raw.get("id_checked") is not True:
        raise ValueError("a badge is handed over only after a photo ID check")
    return QueuedCheckIn(_uuid(raw["id"]), raw["registration"], _moment(raw["at"]), method,
                         badge_hash if method == CheckInMethod.scan else None, kind)


def parse_sync(data) -> tuple[str, list[QueuedCheckIn]]:
    """The device id and queued check-ins of a sync request, or ValidationFailed (then nothing is recorded)."""
    try:
        device_id = _uuid(data["device"])
        raw_items = data["items"]
        if not isinstance(raw_items, list):
            raise TypeError("items")
        items = [_item(raw) for raw in raw_items]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ValidationFailed(_l("The sync request is not one the desk sends: nothing was recorded.")) from None
    if len(items) > SYNC_BATCH:
        raise ValidationFailed(lazy_ngettext("Send at most %(num)d check-in at a time: nothing was recorded.",
                                             "Send at most %(num)d check-ins at a time: nothing was recorded.",
                                             SYNC_BATCH))
    if len({item.client_id for item in items}) != len(items):
        raise ValidationFailed(_l("The same check-in id appears twice in one request: nothing was recorded."))
    return device_id, items


def _conflict_reason(meeting: Meeting, registration: Registration | None, item: QueuedCheckIn,
                     now: datetime) -> str | None:
    if registration is None or registration.meeting_id != meeting.id:
        return "unknown_person"
    if registration.status != RegistrationStatus.approved:
        return registration.status.value
    if item.badge_hash is not None and item.badge_hash not in _token_hashes(meeting, registration.badge_token):
        return "badge_replaced"
    if item.happened_at > now + CLOCK_SKEW:
        return "in_the_future"
    if services.today(meeting, item.happened_at) not in services.meeting_days(meeting):
        return "not_a_meeting_day"
    return None


def _present(meeting: Meeting, registration_ids, days) -> dict[tuple[int, date], Attendance]:
    """The check-in that holds on the day list, per (registration, day): the day list has no check-outs, so a
    person is in from their first check-in that no correction voids."""
    correction = aliased(Attendance)
    rows = db.session.scalars(
        select(Attendance).where(
            Attendance.meeting_id == meeting.id, Attendance.registration_id.in_(registration_ids),
            Attendance.day.in_(days), Attendance.session_id.is_(None), Attendance.kind == AttendanceKind.check_in,
            ~exists().where(correction.voids_id == Attendance.id))
        .order_by(Attendance.at.desc(), Attendance.id.desc()))
    return {(row.registration_id, row.day): row for row in rows}  # the earliest wins: it comes last


def _check_in(meeting: Meeting, registration: Registration, item: QueuedCheckIn, actor,
              present: dict) -> tuple[OfflineOutcome, Attendance]:
    """An attendance at the device's time on that day's list, unless the person is in already."""
    day = services.today(meeting, item.happened_at)
    if (earlier := present.get((registration.id, day))) is not None:
        return OfflineOutcome.already_in, earlier
    row = present[(registration.id, day)] = Attendance(
        meeting_id=meeting.id, registration_id=registration.id, kind=AttendanceKind.check_in, day=day,
        at=item.happened_at, by_id=getattr(actor, "id", None), method=item.method)
    db.session.add(row)
    return OfflineOutcome.recorded, row


def _hand_over(registration: Registration, item: QueuedCheckIn, actor,
               collected: dict) -> tuple[OfflineOutcome, BadgeCollection]:
    """The badge handed over at the device's time, unless it was already (a replacement is the online desk's)."""
    if (earlier := collected.get(registration.id)) is not None:
        return OfflineOutcome.already_in, earlier
    row = collected[registration.id] = BadgeCollection(
        registration_id=registration.id, collected_at=item.happened_at, handed_over_by_id=getattr(actor, "id", None),
        id_checked=True, replacement=False)
    db.session.add(row)
    return OfflineOutcome.recorded, row


def _sync_batch(meeting: Meeting, device_id: str, items: list[QueuedCheckIn], actor, now: datetime) -> list[dict]:
    done = {row.client_id: row for row in db.session.scalars(
        select(OfflineCheckIn).where(OfflineCheckIn.client_id.in_([item.client_id for item in items]))
        .options(selectinload(OfflineCheckIn.attendance), selectinload(OfflineCheckIn.badge_collection)))}
    if any(row.meeting_id != meeting.id for row in done.values()):
        raise ValidationFailed(_l("A check-in id of another meeting was sent: nothing was recorded."))
    fresh = [item for item in items if item.client_id not in done]  # the rest was sent before: same answer again
    # Two desks syncing the same person at once must not both record: their rows are locked (PostgreSQL; SQLite has
    # one writer), in id order so that two batches never wait on each other.
    people = {r.id: r for r in db.session.scalars(
        select(Registration).where(Registration.id.in_({item.registration_id for item in fresh}))
        .order_by(Registration.id).with_for_update())}
    present = _present(meeting, list(people), {services.today(meeting, item.happened_at) for item in fresh})
    collected = {c.registration_id: c for c in db.session.scalars(
        select(BadgeCollection).where(BadgeCollection.registration_id.in_(list(people)))
        .order_by(BadgeCollection.collected_at.desc(), BadgeCollection.id.desc()))}
    for item in fresh:
        registration = people.get(item.registration_id)
        reason = _conflict_reason(meeting, registration, item, now)
        row = done[item.client_id] = OfflineCheckIn(
            client_id=item.client_id, meeting_id=meeting.id, device_id=device_id, kind=item.kind,
            registration_id=None if reason == "unknown_person" else registration.id, method=item.method,
            happened_at=item.happened_at, synced_by_id=getattr(actor, "id", None), outcome=OfflineOutcome.conflict,
            reason=reason or "")
        if reason is None and item.kind == OfflineKind.hand_over:
            row.outcome, row.badge_collection = _hand_over(registration, item, actor, collected)
        elif reason is None:
            row.outcome, row.attendance = _check_in(meeting, registration, item, actor, present)
        db.session.add(row)
    db.session.flush()
    return [_answer(done[item.client_id], meeting) for item in items]


def _answer(row: OfflineCheckIn, meeting: Meeting) -> dict:
    held = row.badge_collection if row.kind == OfflineKind.hand_over else row.attendance
    since = (held.collected_at if row.kind == OfflineKind.hand_over else held.at) if held is not None else None
    return {"id": row.client_id, "kind": row.kind.value, "outcome": row.outcome.value, "reason": row.reason,
            "message": str(CONFLICTS.get(row.reason, "")),
            "since": services.local_time(meeting, since) if since else None}


def sync_check_ins(meeting: Meeting, data, *, actor, now: datetime | None = None) -> list[dict]:
    """Record the check-ins a device queued, each id once; answers each with recorded, already_in or conflict."""
    device_id, items = parse_sync(data)
    now = now or utcnow()
    try:
        with db.session.begin_nested():
            answers = _sync_batch(meeting, device_id, items, actor, now)
    except IntegrityError:  # the same ids sent by two requests at once: the loser reads the winner's answers
        with db.session.begin_nested():
            answers = _sync_batch(meeting, device_id, items, actor, now)
    counts = {o.value: sum(a["outcome"] == o.value for a in answers) for o in OfflineOutcome}
    if items:
        record("checkin.offline_synced", actor=actor, meeting=meeting, device=device_id[:8], **counts)
    return answers


def list_offline_log(meeting: Meeting, outcomes: tuple[OfflineOutcome, ...],
                     kinds: tuple[OfflineKind, ...] = tuple(OfflineKind)) -> list[OfflineCheckIn]:
    """Synced offline check-ins of these outcomes, newest first (conflicts for staff; desks that overlapped)."""
    return list(db.session.scalars(
        select(OfflineCheckIn).where(OfflineCheckIn.meeting_id == meeting.id, OfflineCheckIn.outcome.in_(outcomes),
                                     OfflineCheckIn.kind.in_(kinds))
        .options(selectinload(OfflineCheckIn.registration), selectinload(OfflineCheckIn.synced_by),
                 selectinload(OfflineCheckIn.attendance))
        .order_by(OfflineCheckIn.happened_at.desc(), OfflineCheckIn.id.desc())
    ))
