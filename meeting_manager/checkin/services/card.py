"""The desk card: what staff see of one person before they hand over a badge."""
from dataclasses import dataclass
from datetime import date, datetime

from ...meetings.models import Meeting
from ...registration.models import Registration
from ..models import Attendance, BadgeCollection
from .attendance import attendance_history, checked_in_since, voided_ids
from .collection import latest_collection


@dataclass(frozen=True)
class DeskCard:
    registration: Registration
    since: datetime | None  #: in on the chosen list since then
    collection: BadgeCollection | None
    history: list[Attendance]
    voided: set[int]


def desk_card(meeting: Meeting, registration: Registration, *, day: date, session_id: int | None) -> DeskCard:
    """What the desk shows about one person: state on the list, badge collection and attendance history."""
    since = checked_in_since(meeting, [registration.id], day, session_id).get(registration.id)
    history = attendance_history(registration)
    return DeskCard(registration, since, latest_collection(registration), history, voided_ids(history))
