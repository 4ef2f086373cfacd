"""Reads of a participant's registrations, and the audit of who looked at passport data or documents."""

from sqlalchemy import select

from ...accounts.models import User
from ...audit.services import record
from ...extensions import db
from ...meetings.models import Meeting
from ..models import (
    Registration,
)
from ..questions import answers_for  # noqa: F401  (re-exported: part of this module's API)


def list_registrations_of(user: User) -> list[Registration]:
    """A participant's own registrations, newest meeting first."""
    return list(db.session.scalars(
        select(Registration).join(Meeting).where(Registration.user_id == user.id).order_by(Meeting.starts_on.desc())))


def find_registration_of(meeting: Meeting, user: User) -> Registration | None:
    """The user's own registration for a meeting, if any."""
    return db.session.scalar(select(Registration).where(
        Registration.meeting_id == meeting.id, Registration.user_id == user.id))


def record_visa_view(registration: Registration, *, actor) -> None:
    """Passport data was shown to an organiser: the audit log keeps who and when (ids only)."""
    record("registration.view_visa", actor=actor, meeting=registration.meeting, subject=registration)


def record_document(registration: Registration, kind: str, *, actor) -> None:
    """A document holding passport data (the visa letter) was produced: audited like a view of it."""
    record(f"registration.{kind}", actor=actor, meeting=registration.meeting, subject=registration)
