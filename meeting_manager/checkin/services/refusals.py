"""Why the desk refuses a check-in: each refusal says what the staff member sees."""
from flask_babel import lazy_gettext as _l

from ...errors import DomainError
from ...registration.models import RegistrationStatus


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
