"""What the agenda does when a registration or a session changes: session places go to the waiting lists; and when
the meeting's default language changes, the sessions' texts follow it."""
from ..registration.models import RegistrationStatus
from ..signals import default_language_changed, registration_status_changed, session_moved
from .services import follow_default_language, promote_waitlist, release_signups

_LEAVING = (RegistrationStatus.declined, RegistrationStatus.cancelled)


@registration_status_changed.connect
def _release_places(registration, *, new, actor, **_) -> None:
    if new in _LEAVING:
        release_signups(registration, actor=actor)


@session_moved.connect
def _fill_places(session, *, actor=None, **_) -> None:
    promote_waitlist(session, actor=actor)  # a larger room or a new capacity lets the queue move up


@default_language_changed.connect
def _follow_language(meeting, *, old, new, **_) -> None:
    follow_default_language(meeting, old, new)
