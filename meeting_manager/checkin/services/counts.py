"""Live counts at the desk: who is in, by category, region and session."""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from ...extensions import db
from ...i18n_text import LocalText
from ...meetings.models import Meeting
from ...reference.services import UNASSIGNED, region_label, region_map, region_of
from ...registration.models import Registration, RegistrationStatus
from ..models import Attendance, AttendanceKind
from .attendance import MOVES, _not_voided, _on_list
from .days import list_sessions, session_label


@dataclass(frozen=True)
class CountRow:
    label: str
    count: int  #: checked in on the day list
    expected: int  #: approved registrations


@dataclass(frozen=True)
class SessionCount:
    session_id: int
    label: LocalText  #: the session's title may be in the meeting's default language, not the reader's
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
            "sessions": [s.__dict__ | {"label": s.label.text, "lang": s.label.lang if s.label.fell_back else ""}
                         for s in self.sessions],
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
    rows = [CountRow(c.label, checked.get(c.id, 0), approved.get(c.id, 0)) for c in meeting.categories]
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
    label = lambda region: _("Not in a region") if region == UNASSIGNED else region_label(region)  # noqa: E731
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
    unknown = lambda sid: LocalText(_("Session %(id)s", id=sid), "")  # noqa: E731 (a session deleted since)
    return [SessionCount(sid, labels.get(sid) or unknown(sid), int(present), attended, int(entries))
            for sid, present, attended, entries in rows]


def live_counts(meeting: Meeting, day: date) -> LiveCounts:
    """Checked in on the day list, by category and by region (of the represented country), with sessions."""
    present = _day_list_ids(meeting, day)
    by_category = _by_category(meeting, present)
    return LiveCounts(
        day=day, total=sum(r.count for r in by_category), expected=sum(r.expected for r in by_category),
        by_category=by_category, by_region=_by_region(meeting, present), sessions=session_counts(meeting, day),
    )
