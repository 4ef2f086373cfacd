"""What the participant changes after registering: their details (until the edit deadline) and travel."""

from flask_babel import gettext as _

from ...audit.services import record
from ...errors import DomainError, ValidationFailed
from ...extensions import db
from ...meetings.services import to_utc
from ...models_base import utcnow
from ...names import Purpose, render_name
from ..models import (
    Registration,
    TravelDetails,
    VisaRequest,
)
from ..questions import (
    answer_values,
    answers_for,  # noqa: F401  (re-exported: part of this module's API)
    clean_answers,
    list_questions,
    save_answers,
)
from ..validation import clean_text, label
from .cleaning import BALANCE_FIELDS, _clean_fields, _visa_or_problems
from .refusals import EditDeadlinePassed
from .rules import _local, edit_deadline_for, represented_country_for
from .status import S, status_label


def locked_fields(registration: Registration) -> tuple[str, ...]:
    """Fields the participant may no longer change: email always, balance fields once approved."""
    return ("email", *BALANCE_FIELDS) if registration.status == S.approved else ("email",)


def update_registration(registration: Registration, data: dict, *, actor) -> list[str]:
    """Change a registration's details until the edit deadline; returns the names of the changed fields.

    `data` as for register_participant; absent keys are left alone. `visa`: a dict replaces the passport data,
    False removes the request, None/absent keeps it. Balance fields are refused once approved.
    """
    meeting = registration.meeting
    if registration.status in (S.declined, S.cancelled):
        raise EditDeadlinePassed(_("This registration cannot be changed: its status is %(status)s.",
                                   status=status_label(registration.status)))
    if utcnow() >= edit_deadline_for(meeting):
        raise EditDeadlinePassed(_("Changes were possible until %(when)s. Please write to the organisers.",
                                   when=_local(meeting, edit_deadline_for(meeting))))
    problems: list[str] = []
    fields = _clean_fields(meeting, data, problems)
    for name in locked_fields(registration):
        if name in fields and fields.pop(name) != getattr(registration, name):
            problems.append(_("%(field)s cannot be changed now; please write to the organisers.", field=label(name)))
    visa = _visa_or_problems(meeting, data["visa"], problems) if data.get("visa") else data.get("visa")
    questions = list_questions(meeting)
    answers, answer_problems = ({}, {}) if "answers" not in data else clean_answers(questions, data["answers"])
    labels = {q.id: q.label for q in questions}
    problems += [f"{labels[qid]}: {message}" for qid, message in answer_problems.items()]
    if problems:
        raise ValidationFailed(_("The changes have problems; nothing was saved."), problems=problems)
    for part in ("given_name", "family_name"):
        if part in fields:
            fields[part] = fields[part] or ""
    if "badge_name" in fields and not fields["badge_name"]:
        current = {name: fields.get(name, getattr(registration, name))
                   for name in ("given_name", "family_name", "name_order")}
        fields["badge_name"] = render_name(current, Purpose.salutation)
    changed = [name for name, value in fields.items() if getattr(registration, name) != value]
    for name in changed:
        setattr(registration, name, fields[name])
    registration.represented_country = represented_country_for(
        registration.residence_country, registration.organisation_country, registration.delegation)
    changed += _apply_visa(registration, visa)
    if "answers" in data:
        before = answer_values(registration)
        save_answers(registration, questions, answers)
        db.session.flush()
        if answer_values(registration) != before:
            changed.append("answers")
    record("registration.update", actor=actor, meeting=meeting, subject=registration, fields=sorted(changed))
    return changed


def _apply_visa(registration: Registration, visa) -> list[str]:
    if visa is None:
        return []
    if visa is False:
        if registration.visa_request is None:
            return []
        registration.visa_request = None
        return ["visa"]
    if registration.visa_request is None:
        registration.visa_request = VisaRequest(**visa)
    else:
        for name, value in visa.items():
            setattr(registration.visa_request, name, value)
    return ["visa"]


def save_travel_details(registration: Registration, data: dict, *, actor) -> TravelDetails:
    """Arrival and departure (wall-clock times in the meeting's zone), flight and hotel, once approved."""
    meeting = registration.meeting
    if registration.status != S.approved:
        raise DomainError(_("Travel details can be given once the registration is approved."))
    problems: list[str] = []
    flight = clean_text(data.get("flight"), "flight", problems, model=TravelDetails)
    hotel = clean_text(data.get("hotel"), "hotel", problems, model=TravelDetails)
    arrival, departure = (to_utc(data.get(k), meeting.timezone) for k in ("arrival_at", "departure_at"))
    if arrival and departure and departure <= arrival:
        problems.append(_("The departure must be after the arrival."))
    if problems:
        raise ValidationFailed(_("The travel details have problems; nothing was saved."), problems=problems)
    travel = registration.travel or TravelDetails(registration=registration)
    travel.arrival_at, travel.departure_at, travel.flight, travel.hotel = arrival, departure, flight, hotel
    db.session.add(travel)
    record("registration.travel", actor=actor, meeting=meeting, subject=registration)
    return travel
