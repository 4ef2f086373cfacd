"""Small rules of registration: the represented country, the edit deadline, the registration window."""
from datetime import datetime, time

from flask_babel import gettext as _

from ...delegations.models import DelegationKind
from ...meetings.models import Meeting, MeetingStatus, RegistrationMode
from ...models_base import utcnow
from ..models import (
    Registration,
)
from ..questions import answers_for  # noqa: F401  (re-exported: part of this module's API)
from .status import S


def represented_country_for(residence_country: str, organisation_country: str | None = None,
                            delegation=None) -> str:
    """The country a participant counts for in regional balance.

    The State of a State delegation; otherwise the country where the organisation is based; else residence.
    """
    if delegation is not None and delegation.kind == DelegationKind.state and delegation.country_code:
        return delegation.country_code
    return organisation_country or residence_country


def edit_deadline_for(meeting: Meeting) -> datetime:
    """Until when participants may change their details: the meeting's edit deadline, else registration close,
    else the start of the first day (meeting time)."""
    return (meeting.edit_deadline or meeting.registration_closes_at
            or datetime.combine(meeting.starts_on, time(0), tzinfo=meeting.tz))


def can_edit(registration: Registration, now: datetime | None = None) -> bool:
    """Whether the participant may still change the details."""
    return registration.status not in (S.declined, S.cancelled) and (now or utcnow()) < edit_deadline_for(
        registration.meeting)


def registration_window_problem(meeting: Meeting, *, invited: bool = False, now: datetime | None = None) -> str | None:
    """Why the meeting takes no registration now, or None.

    An invitation is the opening for its holder: invited people may register before the public opening date and
    in invitation-only meetings, but not once registration has closed or the meeting is not open.
    """
    now = now or utcnow()
    if meeting.status != MeetingStatus.open:
        return _("This meeting is not taking registrations.")
    if not invited and meeting.registration_mode == RegistrationMode.invitation_only:
        return _("This meeting is by invitation only. To take part you need the personal link from your "
                 "invitation; if you think you should be invited, please write to the organisers.")
    if meeting.registration_closes_at and now >= meeting.registration_closes_at:
        return _("Registration for this meeting closed on %(when)s.",
                 when=_local(meeting, meeting.registration_closes_at))
    if not invited and meeting.registration_opens_at and now < meeting.registration_opens_at:
        return _("Registration for this meeting opens on %(when)s.",
                 when=_local(meeting, meeting.registration_opens_at))
    return None


def _local(meeting: Meeting, moment: datetime) -> str:
    return f"{moment.astimezone(meeting.tz):%d %B %Y, %H:%M} ({meeting.timezone})"
