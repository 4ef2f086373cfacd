"""The one way a view loads "this meeting" or "this object of this meeting": found, or 404.

An object of another meeting is as unknown as a missing one, so ids cannot be probed across meetings; a draft
meeting does not exist for the public pages.
"""
from typing import TypeVar

from flask import abort

from ..extensions import db
from .models import Meeting, MeetingStatus

T = TypeVar("T")


def meeting_or_404(meeting_id: int, *, published: bool = False) -> Meeting:
    """The meeting with that id; with `published`, a draft is not found either (pages for participants)."""
    meeting = db.get_or_404(Meeting, meeting_id)
    if published and meeting.status == MeetingStatus.draft:
        abort(404)
    return meeting


def of_meeting_or_404(model: type[T], meeting: Meeting, object_id: int) -> T:
    """The `model` row with that id if it belongs to `meeting` (it has a `meeting_id`), else 404."""
    found = db.session.get(model, object_id)
    if found is None or found.meeting_id != meeting.id:
        abort(404)
    return found
