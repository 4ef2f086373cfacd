"""The append-only attendance log: check-in, check-out and corrections, per day or session list."""
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import and_, exists, select
from sqlalchemy.orm import aliased, selectinload

from ...audit.services import record
from ...errors import DomainError, ValidationFailed
from ...extensions import db
from ...meetings.models import Meeting
from ...registration.models import Registration
from ..models import Attendance, AttendanceKind, CheckInMethod
from .days import _check_list, desk_day, meeting_days, today
from .refusals import BadgeOfAnotherMeeting, NotToday
from .tokens import ensure_admitted, resolve_badge

MOVES = (AttendanceKind.check_in, AttendanceKind.check_out)


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
