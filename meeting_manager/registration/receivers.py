"""What registration does when the meeting's default language changes: its questions' texts follow it."""
from ..signals import default_language_changed
from .questions import follow_default_language


@default_language_changed.connect
def _follow_language(meeting, *, old, new, **_) -> None:
    follow_default_language(meeting, old, new)
