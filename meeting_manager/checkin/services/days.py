"""The desk's days and the agenda sessions that take attendance."""
from datetime import date, datetime, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from ...agenda.models import Session, SessionKind
from ...errors import DomainError, ValidationFailed
from ...extensions import db
from ...i18n_text import LocalText, localized
from ...meetings.models import Meeting
from ...models_base import utcnow
from .refusals import NotToday


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


def session_label(meeting: Meeting, session: Session) -> LocalText:
    """"09:00 Opening plenary", in the reader's language or, marked as such, the meeting's default one."""
    title = localized(session, "title", meeting)
    return LocalText(f"{local_time(meeting, session.starts_at)} {title.text}", title.lang, title.fell_back)


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
