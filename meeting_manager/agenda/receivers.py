"""What the agenda does when a registration or a session changes: session places go to the waiting lists."""
from ..registration.models import RegistrationStatus
from ..signals import registration_status_changed, session_moved
from .services import promote_waitlist, release_signups

_LEAVING = (RegistrationStatus.declined, RegistrationStatus.cancelled)


@registration_status_changed.connect
def _release_places(registration, *, new, actor, **_) -> None:
    if new in _LEAVING:
        release_signups(registration, actor=actor)


@session_moved.connect
def _fill_places(session, *, actor=None, **_) -> None:
    promote_waitlist(session, actor=actor)  # a larger room or a new capacity lets the queue move up
