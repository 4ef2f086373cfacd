"""Why registering, changing or editing a registration is refused: errors the pages show as they are."""

from flask_babel import gettext as _

from ...errors import DomainError
from ..models import (
    Registration,
)
from ..questions import answers_for  # noqa: F401  (re-exported: part of this module's API)


class RegistrationUnavailable(DomainError):
    """The meeting takes no registrations now (invitation only, not yet open, closed)."""

    status_code = 403


class DuplicateRegistration(DomainError):
    """The email is registered for this meeting already."""

    status_code = 409

    def __init__(self):
        super().__init__(_("This email address is already registered for this meeting."))


class AlreadySubmitted(DomainError):
    """The same form was sent twice (double click, back and resubmit): `registration` is the one it created."""

    status_code = 409

    def __init__(self, registration: Registration):
        super().__init__(_("This form was sent already; your registration is received."))
        self.registration = registration


class InvalidTransition(DomainError):
    """The status change is not one of TRANSITIONS."""

    status_code = 409


class EditDeadlinePassed(DomainError):
    """The registration can no longer be changed by the participant."""

    status_code = 403
