"""Meetings: creating and editing editions, their categories, and listing them."""
import enum
from datetime import UTC, datetime
from typing import overload
from zoneinfo import ZoneInfo

from flask_babel import ngettext
from sqlalchemy import func, select

from ..accounts.models import MeetingRole, MeetingRoleName
from ..audit.services import record
from ..errors import ValidationFailed
from ..extensions import db
from ..i18n_text import CONTENT_LANGUAGES, set_texts, texts_of
from ..reference.services import default_scheme
from ..registration.models import Registration, RegistrationStatus
from ..signals import default_language_changed, seat_freed
from .models import DEFAULT_CATEGORIES, Category, Meeting, MeetingStatus

#: form fields that hold a local wall-clock time in the meeting's time zone
LOCAL_TIME_FIELDS = ("registration_opens_at", "registration_closes_at", "edit_deadline")
#: fields written per language: {language: text} (or a plain string, the default language's text)
TRANSLATED_FIELDS = ("title", "description")


@overload
def to_utc(local: datetime, tz: str) -> datetime: ...
@overload
def to_utc(local: None, tz: str) -> None: ...
def to_utc(local: datetime | None, tz: str) -> datetime | None:
    return local.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC) if local else None


@overload
def to_local(moment: datetime, tz: str) -> datetime: ...
@overload
def to_local(moment: None, tz: str) -> None: ...
def to_local(moment: datetime | None, tz: str) -> datetime | None:
    """A stored UTC moment as a naive wall-clock time in the meeting's zone (for form fields)."""
    return moment.astimezone(ZoneInfo(tz)).replace(tzinfo=None) if moment else None


def _apply(meeting: Meeting, data: dict) -> None:
    # the columns hold the default language's text: the language they held until now decides what moves where
    held = meeting.default_language or data.get("default_language") or "en"
    language = data.get("default_language") or held
    for name, value in data.items():
        if name in TRANSLATED_FIELDS:
            set_texts(meeting, name, value, column_language=held, default_language=language)
            continue
        if name == "content_languages":  # all six (the default) is kept as None: a seventh would join it
            value = None if not value or set(value) >= set(CONTENT_LANGUAGES) else list(value)
        if name in LOCAL_TIME_FIELDS:
            value = to_utc(value, data.get("timezone", meeting.timezone))
        if name in ("region_scheme_id", "previous_id") and not value:
            value = None
        if name == "country_code" and not value:
            value = None
        setattr(meeting, name, value)


def create_meeting(data: dict, *, actor) -> Meeting:
    """Create a meeting with the default categories; its creator becomes an organiser of it."""
    meeting = Meeting()
    _apply(meeting, data)
    # Balance is counted by UN Regional Groups unless the organiser picks another scheme.
    meeting.region_scheme_id = meeting.region_scheme_id or getattr(default_scheme(), "id", None)
    meeting.categories = [
        Category(code=code, name=name, counts_toward_balance=counts, colour=colour, position=i)
        for i, (code, name, counts, colour) in enumerate(DEFAULT_CATEGORIES)
    ]
    db.session.add(meeting)
    db.session.flush()
    if actor is not None:
        db.session.add(MeetingRole(user=actor, meeting=meeting, role=MeetingRoleName.organiser))
    record("meeting.create", actor=actor, meeting=meeting, subject=meeting)
    return meeting


class CapacityBelowApproved(ValidationFailed):
    """A capacity below the approved registrations: refused unless the organiser insists."""

    def __init__(self, capacity: int, approved: int):
        super().__init__(ngettext("%(num)d registration is approved already, more than a capacity of %(capacity)s.",
                                  "%(num)d registrations are approved already, more than a capacity of %(capacity)s.",
                                  approved, capacity=capacity))
        self.capacity, self.approved = capacity, approved


def _approved_total(meeting: Meeting) -> int:
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.meeting_id == meeting.id, Registration.status == RegistrationStatus.approved)) or 0


def update_meeting(meeting: Meeting, data: dict, *, actor) -> Meeting:
    """Save an organiser's edits; raising the capacity frees seats for the waitlist. A capacity below the approved
    registrations is refused with the numbers, unless `data["over_capacity_ok"]`: then it is saved and audited, and
    the excess is shown wherever balance is (capacity is the room: nobody is unapproved behind the organiser's back)."""
    data = dict(data)
    insist = bool(data.pop("over_capacity_ok", False))
    old_capacity = meeting.capacity
    capacity = data.get("capacity", old_capacity)
    if capacity is not None and capacity < old_capacity and (approved := _approved_total(meeting)) > capacity:
        if not insist:
            raise CapacityBelowApproved(capacity, approved)
        record("meeting.capacity_below_approved", actor=actor, meeting=meeting, subject=meeting,
               capacity=capacity, approved=approved)
    old_language = meeting.default_language
    _apply(meeting, data)
    record("meeting.update", actor=actor, meeting=meeting, subject=meeting, fields=sorted(data))
    if meeting.default_language != old_language:
        default_language_changed.send(meeting, old=old_language, new=meeting.default_language)
    if meeting.capacity > old_capacity:
        db.session.flush()
        seat_freed.send(meeting, actor=actor)
    return meeting


def form_data(meeting: Meeting) -> dict:
    """The meeting's values as the form shows them (times in the meeting's zone)."""
    return {
        "title": texts_of(meeting, "title", meeting.default_language),
        "description": texts_of(meeting, "description", meeting.default_language),
        "default_language": meeting.default_language,
        "content_languages": list(meeting.content_languages or CONTENT_LANGUAGES),
    } | {
        name: _form_value(meeting, name)
        for name in ("edition", "starts_on", "ends_on", "timezone", "venue", "city",
                     "country_code", "capacity", "registration_mode", "status", "region_scheme_id",
                     "previous_id", "require_verified_note_verbale", "require_captcha", "retention_days",
                     "visa_signatory_name", "visa_signatory_title", "visa_signatory_contact", *LOCAL_TIME_FIELDS)
    }


def _form_value(meeting: Meeting, name: str):
    value = getattr(meeting, name)
    if name in LOCAL_TIME_FIELDS:
        return to_local(value, meeting.timezone)
    return value.value if isinstance(value, enum.Enum) else value


def list_public_meetings() -> list[Meeting]:
    """Every meeting past and present except drafts, newest first."""
    return list(
        db.session.scalars(
            select(Meeting).where(Meeting.status != MeetingStatus.draft).order_by(Meeting.starts_on.desc())
        )
    )


def list_meetings_for(user) -> list[Meeting]:
    """Meetings a user manages or staffs (all for an admin): the current edition first (see `work_order`)."""
    query = select(Meeting)
    if not user.is_admin:
        query = query.where(Meeting.id.in_([r.meeting_id for r in user.meeting_roles]))
    return sorted(db.session.scalars(query), key=work_order)


def work_order(meeting: Meeting) -> tuple:
    """Where an edition goes in an organiser's list: open and coming ones first, the soonest first (the one being
    worked on), then drafts and closed ones still to come, then past ones, then archived ones, newest first."""
    if meeting.status == MeetingStatus.archived:
        return (3, -meeting.starts_on.toordinal())
    if meeting.is_past:
        return (2, -meeting.starts_on.toordinal())
    return (0 if meeting.status == MeetingStatus.open else 1, meeting.starts_on.toordinal())
