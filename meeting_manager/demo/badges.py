"""Demo print log: most badges of a held edition were printed by the desk staff."""
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from ..badges.models import BadgePrint
from ..extensions import db
from ..registration.models import Registration, RegistrationStatus


def add_demo_print_log(meeting, staff_user, rng) -> None:
    printed_at = datetime.combine(meeting.starts_on - timedelta(days=2), time(15), tzinfo=UTC)
    approved = db.session.scalars(select(Registration.id).where(Registration.meeting_id == meeting.id,
                                                                Registration.status == RegistrationStatus.approved))
    db.session.add_all(BadgePrint(meeting_id=meeting.id, registration_id=i, printed_by_id=staff_user.id, format="a4-4",
                                  printed_at=printed_at + timedelta(minutes=rng.randrange(600)))
                       for i in approved if rng.random() < 0.95)
