"""Erasure and retention of registrations (meeting_manager.privacy announces them)."""
import secrets

from sqlalchemy import select

from ...extensions import db
from ...meetings.models import Meeting
from ...signals import (
    erasing_person,
    retention_due,
)
from ..models import (
    Answer,
    Registration,
)
from ..questions import answers_for  # noqa: F401  (re-exported: part of this module's API)

#: what an erased registration keeps: what balance and attendance count, and nothing that names the person
ERASED_NAME = "—"


@erasing_person.connect
def _erase_registrations(email: str) -> dict[str, int]:
    """Anonymise the address's registrations: names, contact, organisation, needs, answers, passport and travel
    go; status, gender, represented country, category, delegation and history stay, so past counts hold."""
    found = list(db.session.scalars(select(Registration).where(Registration.email == email)))
    for registration in found:
        country = registration.represented_country
        registration.given_name, registration.family_name, registration.badge_name = ERASED_NAME, "", ERASED_NAME
        registration.title = ""
        registration.email = f"erased-{registration.id}@erased.invalid"
        registration.nationality = registration.residence_country = country
        registration.organisation = registration.position = registration.dietary = registration.accessibility = ""
        registration.passport_name = registration.latin_name = registration.visa_letter_address = ""
        registration.organisation_country = registration.calendar_token = registration.visa_letter_token = None
        registration.user_id = registration.submission_key = None
        registration.badge_token = secrets.token_urlsafe(24)  # a printed badge no longer opens anything
        registration.visa_request = registration.travel = None
        for answer in db.session.scalars(select(Answer).where(Answer.registration_id == registration.id)):
            db.session.delete(answer)
    db.session.flush()
    return {"registrations": len(found)}


@retention_due.connect
def _erase_after_retention(meeting: Meeting, dry_run: bool = False) -> dict[str, int]:
    """After the retention period: passport and visa data, travel details and free-text needs go."""
    registrations = list(db.session.scalars(select(Registration).where(Registration.meeting_id == meeting.id)))
    visas = [r for r in registrations if r.visa_request is not None]
    passport_names = [r for r in registrations if r.passport_name or r.visa_letter_token or r.visa_letter_address]
    travel = [r for r in registrations if r.travel is not None]
    needs = [r for r in registrations if r.dietary or r.accessibility]
    if not dry_run:
        for registration in visas:
            registration.visa_request = None
        for registration in passport_names:  # the visa letter's check page closes with them
            registration.passport_name = registration.visa_letter_address = ""
            registration.visa_letter_token = None
        for registration in travel:
            registration.travel = None
        for registration in needs:
            registration.dietary = registration.accessibility = ""
        db.session.flush()
    return {"visa_requests": len(visas), "passport_names": len(passport_names), "travel_details": len(travel),
            "needs": len(needs)}
