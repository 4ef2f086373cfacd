"""Registration: applying to a meeting, status changes, edits, cancellation and travel details.

Other features call these (keep them stable):

- `register_participant(meeting, data, *, invitation=None, actor=None) -> Registration`
- `link_account(registration, *, signed_in=None, email_proven=False) -> (User | None, may_sign_in)`
- `change_status(registration, new_status, *, actor, findings=(), override_reason=None, notify=True)
  -> StatusChange` — checks only that the transition exists (see TRANSITIONS); balance wraps it with its rules.
- `cancel_registration(registration, *, actor) -> StatusChange` — the participant's own cancellation.
- `update_registration(registration, data, *, actor) -> list[str]` — until `edit_deadline_for(meeting)`.
- `represented_country_for(...)`, `answers_for(registrations)`, `edit_deadline_for(meeting)`.

Like every service they take explicit arguments, never read the request, and add/flush but never commit. They work
in a CLI context too (no request): links in mails are built against PUBLIC_URL there.
"""
import enum
import importlib
import importlib.util
import re
import secrets
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts import throttle
from ..accounts.models import User
from ..accounts.services import create_user, get_user_by_email, mail_domain_problem, normalise_email, prove_email
from ..audit.services import record
from ..delegations.models import DelegationKind
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..mail.services import queue_message
from ..meetings.models import Meeting, MeetingStatus, RegistrationMode
from ..meetings.services import to_utc
from ..models_base import utcnow
from ..names import NameOrder, Purpose, default_order, render_name
from ..signals import (address_awaits_proof, email_proven, erasing_person, registration_status_changed,
                       registration_submitted, retention_due, seat_freed)
from ..reference.services import iso_countries
from .models import (
    STATELESS, UN_LANGUAGES, Answer, Gender, Question, Registration, RegistrationStatus, Relation, StatusChange,
    TravelDetails, VisaRequest,
)
from .questions import answers_for  # noqa: F401  (re-exported: part of this module's API)
from .questions import answer_values, clean_answers, list_questions, save_answers
from .validation import clean_enum, clean_text, column_length, label

# --- errors ---------------------------------------------------------------------------------------------------


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


# --- statuses ---------------------------------------------------------------------------------------------------

S = RegistrationStatus
#: allowed status changes. Declined and cancelled are final. An approval may still be withdrawn (approved → declined)
#: by an organiser, e.g. when a delegation is found not to be accredited; the caller then decides about the seat.
TRANSITIONS: dict[RegistrationStatus, frozenset[RegistrationStatus]] = {
    S.pending: frozenset({S.approved, S.waitlisted, S.declined, S.cancelled}),
    S.waitlisted: frozenset({S.approved, S.declined, S.cancelled}),
    S.approved: frozenset({S.declined, S.cancelled}),
    S.declined: frozenset(),
    S.cancelled: frozenset(),
}
#: statuses an organiser's decision sets (they stamp `decided_at`)
DECISIONS = frozenset({S.approved, S.waitlisted, S.declined})
STATUS_LABELS = {S.pending: "pending", S.approved: "approved", S.waitlisted: "waitlisted", S.declined: "declined",
                 S.cancelled: "cancelled"}


def status_label(status: RegistrationStatus) -> str:
    """The status as the participant reads it."""
    return {S.pending: _("Pending review"), S.approved: _("Approved"), S.waitlisted: _("On the waiting list"),
            S.declined: _("Declined"), S.cancelled: _("Cancelled")}[RegistrationStatus(status)]


def can_change(registration: Registration, new_status: RegistrationStatus) -> bool:
    """Whether TRANSITIONS allow this change now."""
    return RegistrationStatus(new_status) in TRANSITIONS[registration.status]


# --- small rules --------------------------------------------------------------------------------------------------


def represented_country_for(residence_country: str, organisation_country: str | None = None,
                            delegation=None) -> str:
    """The country a participant counts for in regional balance.

    The State of a State delegation; otherwise the country where the organisation is based; else residence.
    """
    if delegation is not None and delegation.kind == DelegationKind.state and delegation.country_code:
        return delegation.country_code
    return organisation_country or residence_country


def edit_deadline_for(meeting: Meeting) -> datetime:
    """Until when participants may change their details: the meeting's edit deadline, else registration close,
    else the start of the first day (meeting time)."""
    return (meeting.edit_deadline or meeting.registration_closes_at
            or datetime.combine(meeting.starts_on, time(0), tzinfo=meeting.tz))


def can_edit(registration: Registration, now: datetime | None = None) -> bool:
    """Whether the participant may still change the details."""
    return registration.status not in (S.declined, S.cancelled) and (now or utcnow()) < edit_deadline_for(
        registration.meeting)


def registration_window_problem(meeting: Meeting, *, invited: bool = False, now: datetime | None = None) -> str | None:
    """Why the meeting takes no registration now, or None.

    An invitation is the opening for its holder: invited people may register before the public opening date and
    in invitation-only meetings, but not once registration has closed or the meeting is not open.
    """
    now = now or utcnow()
    if meeting.status != MeetingStatus.open:
        return _("This meeting is not taking registrations.")
    if not invited and meeting.registration_mode == RegistrationMode.invitation_only:
        return _("This meeting is by invitation only. To take part you need the personal link from your "
                 "invitation; if you think you should be invited, please write to the organisers.")
    if meeting.registration_closes_at and now >= meeting.registration_closes_at:
        return _("Registration for this meeting closed on %(when)s.", when=_local(meeting, meeting.registration_closes_at))
    if not invited and meeting.registration_opens_at and now < meeting.registration_opens_at:
        return _("Registration for this meeting opens on %(when)s.", when=_local(meeting, meeting.registration_opens_at))
    return None


def _local(meeting: Meeting, moment: datetime) -> str:
    return f"{moment.astimezone(meeting.tz):%d %B %Y, %H:%M} ({meeting.timezone})"


# --- cleaning input -----------------------------------------------------------------------------------------------

#: text columns of a registration and whether they may hold line breaks
TEXT_FIELDS = {"title": False, "given_name": False, "family_name": False, "badge_name": False, "passport_name": False,
               "latin_name": False, "organisation": False, "position": False, "dietary": True, "accessibility": True}
#: fields whose change would move a registration between balance groups: locked once it is approved
BALANCE_FIELDS = ("gender", "category_id", "residence_country", "organisation_country")
PASSPORT_RE = re.compile(r"^[A-Z0-9]{5,20}$")
def _country(value, name: str, problems: list, *, stateless=False, required=True) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            problems.append(_("%(field)s is required.", field=label(name)))
        return None
    if value in iso_countries() or (stateless and value == STATELESS):
        return value
    problems.append(_("%(field)s is not a known country.", field=label(name)))
    return None


def _clean_fields(meeting: Meeting, data: dict, problems: list) -> dict:
    """The built-in fields present in `data`, normalised; problems are appended, not raised."""
    out: dict[str, Any] = {}
    for name, multiline in TEXT_FIELDS.items():
        if name in data:
            out[name] = clean_text(data[name], name, problems, multiline=multiline)
    if ("given_name" in data or "family_name" in data) and not (out.get("given_name") or out.get("family_name")):
        # either part may be empty (a mononym), not both
        problems.append(_("Enter your name: a given name, a family name, or both."))
    if "name_order" in data:
        out["name_order"] = clean_enum(NameOrder, data["name_order"] or None, "name_order", problems,
                                       default=default_order(out.get("given_name") or "",
                                                             out.get("family_name") or "",
                                                             data.get("nationality")))
    if "email" in data:
        out["email"] = normalise_email(data["email"] or "")
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", out["email"]) or len(out["email"]) > 254:
            problems.append(_("Email is not a valid email address."))
        elif problem := mail_domain_problem(out["email"]):
            problems.append(problem)
    if "gender" in data:
        out["gender"] = clean_enum(Gender, data["gender"], "gender", problems)
    if "relation" in data:
        out["relation"] = clean_enum(Relation, data["relation"], "relation", problems, default=Relation.guest)
    if "nationality" in data:
        out["nationality"] = _country(data["nationality"], "nationality", problems, stateless=True)
    if "residence_country" in data:
        out["residence_country"] = _country(data["residence_country"], "residence_country", problems)
    if "organisation_country" in data:
        out["organisation_country"] = _country(data["organisation_country"], "organisation_country", problems,
                                               required=False)
    if "category_id" in data:
        ids = {c.id for c in meeting.categories}
        raw = data["category_id"]
        out["category_id"] = int(raw) if isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit()) else None
        if out["category_id"] not in ids:
            problems.append(_("Choose a category of this meeting."))
    if "interpretation_language" in data:
        out["interpretation_language"] = data["interpretation_language"] or None
        if out["interpretation_language"] not in (None, *UN_LANGUAGES):
            problems.append(_("The interpretation language must be one of the six UN languages."))
    if "public_listing_consent" in data:
        out["public_listing_consent"] = bool(data["public_listing_consent"])
    if "locale" in data:
        out["locale"] = (str(data["locale"] or "en"))[:5]
    return out


def clean_visa(meeting: Meeting, visa: dict) -> tuple[dict, dict[str, str]]:
    """Passport and birth data for a visa letter, and problems by field name.

    The passport must still be valid after the meeting's last day.
    """
    problems: dict[str, str] = {}
    number = re.sub(r"\s+", "", visa.get("passport_number") or "").upper()
    if not PASSPORT_RE.fullmatch(number):
        problems["passport_number"] = _("Enter the passport number as printed: 5 to 20 letters and digits.")
    expiry, born = visa.get("passport_expiry"), visa.get("date_of_birth")
    if not isinstance(expiry, date):
        problems["passport_expiry"] = _("Enter the passport's expiry date.")
    elif expiry <= meeting.ends_on:
        problems["passport_expiry"] = _("The passport must be valid after the meeting's last day (%(day)s).",
                                        day=meeting.ends_on.isoformat())
    if not isinstance(born, date):
        problems["date_of_birth"] = _("Enter the date of birth.")
    elif not date(1900, 1, 1) <= born < date.today():
        problems["date_of_birth"] = _("The date of birth is not plausible.")
    place_problems: list[str] = []
    place = clean_text(visa.get("place_of_birth"), "place_of_birth", place_problems, model=VisaRequest, required=True)
    if place_problems:
        problems["place_of_birth"] = place_problems[0]
    return dict(passport_number=number, passport_expiry=expiry, date_of_birth=born, place_of_birth=place), problems


def _visa_or_problems(meeting: Meeting, visa: dict, problems: list) -> dict:
    cleaned, visa_problems = clean_visa(meeting, visa)
    problems.extend(visa_problems.values())
    return cleaned


# --- registering --------------------------------------------------------------------------------------------------


def find_registration(meeting: Meeting, email: str) -> Registration | None:
    """The meeting's registration for an email (compared lower-cased)."""
    return db.session.scalar(select(Registration).where(
        Registration.meeting_id == meeting.id, Registration.email == normalise_email(email)))


def find_by_submission_key(key: str | None) -> Registration | None:
    """The registration a form with this key created, if it was sent before."""
    if not key:
        return None
    return db.session.scalar(select(Registration).where(Registration.submission_key == key))


def apply_wait(address: str, email: str | None) -> int:
    """Seconds before another application may come from this network address or for this email address (0: now).
    Both are counted in the database, shared by every app server."""
    hour = timedelta(hours=1)
    limits = [(f"apply:address:{address}", current_app.config["APPLY_LIMIT_PER_ADDRESS"])]
    if email:
        limits.append((f"apply:email:{normalise_email(email)}", current_app.config["APPLY_LIMIT_PER_EMAIL"]))
    waits = []
    for key, limit in limits:
        count, last = throttle.recent(key, hour)
        if count >= limit and last is not None:
            waits.append(max(1, int((last + hour - utcnow()).total_seconds())))
    return max(waits, default=0)


def count_application(address: str, email: str | None = None) -> None:
    """Count a form sent from `address` (every one), or a complete application for `email`."""
    if address is not None:
        throttle.hit(f"apply:address:{address}")
    if email:
        throttle.hit(f"apply:email:{normalise_email(email)}")


def needs_captcha(meeting: Meeting, address: str) -> bool:
    """A CAPTCHA when the meeting asks for one, or from the APPLY_CAPTCHA_AFTER-th application of an address in an
    hour (people registering a whole office from one address see it from then on; a bot sees it at once)."""
    if meeting.require_captcha:
        return True
    after = current_app.config.get("APPLY_CAPTCHA_AFTER")
    return after is not None and throttle.recent(f"apply:address:{address}", timedelta(hours=1))[0] >= after


def register_participant(meeting: Meeting, data: dict, *, invitation=None, actor=None,
                         enforce_window: bool = True) -> Registration:
    """Create a pending registration from the form's data, with its answers, and queue the confirmation mail.

    `data` holds the built-in fields by name (given_name, family_name, badge_name, email, gender, nationality,
    residence_country, organisation, organisation_country, position, category_id, relation, dietary,
    accessibility, interpretation_language, locale, data_consent, public_listing_consent), plus optionally
    `visa` (dict: passport_number, passport_expiry, date_of_birth, place_of_birth), `answers` ({question id:
    value}) and `submission_key`. The delegation comes from the invitation only. Raises ValidationFailed,
    DuplicateRegistration, AlreadySubmitted or RegistrationUnavailable; nothing is changed then.
    """
    if (done := find_by_submission_key(data.get("submission_key"))) is not None:
        raise AlreadySubmitted(done)
    if enforce_window and (problem := registration_window_problem(meeting, invited=invitation is not None)):
        raise RegistrationUnavailable(problem)
    if find_registration(meeting, data.get("email") or "") is not None:
        raise DuplicateRegistration()
    registration, visa, answers, questions = _build(meeting, data, invitation)
    try:
        # A savepoint: if a concurrent request won the race, only this insert is undone, not the caller's work.
        with db.session.begin_nested():
            db.session.add(registration)
            db.session.flush()
    except IntegrityError:
        if (done := find_by_submission_key(data.get("submission_key"))) is not None:
            raise AlreadySubmitted(done)
        raise DuplicateRegistration()
    if visa:
        db.session.add(VisaRequest(registration=registration, **visa))
    save_answers(registration, questions, answers)
    registration.history.append(StatusChange(from_status=None, to_status=S.pending, at=registration.submitted_at,
                                             actor_id=getattr(actor, "id", None)))
    db.session.flush()
    record("registration.submit", actor=actor, meeting=meeting, subject=registration,
           invitation_id=getattr(invitation, "id", None), visa_letter=visa is not None)
    _queue_mail(registration, "registration_received")
    _call_balance_hook("on_registration_submitted", registration, actor=actor)
    registration_submitted.send(registration, actor=actor)
    return registration


def _build(meeting: Meeting, data: dict, invitation) -> tuple[Registration, dict | None, dict, list[Question]]:
    problems: list[str] = []
    required = ("given_name", "family_name", "name_order", "email", "gender", "nationality", "residence_country",
                "category_id")
    fields = _clean_fields(meeting, {name: data.get(name) for name in required} | data, problems)
    if not data.get("data_consent"):
        problems.append(_("Consent to the processing of your data is needed to register."))
    visa = _visa_or_problems(meeting, data["visa"], problems) if data.get("visa") else None
    questions = list_questions(meeting)
    answers, answer_problems = clean_answers(questions, data.get("answers") or {})
    labels = {q.id: q.label for q in questions}
    problems += [f"{labels[qid]}: {message}" for qid, message in answer_problems.items()]
    if problems:
        raise ValidationFailed(_("The registration has problems; nothing was saved."), problems=problems)
    delegation = getattr(invitation, "delegation", None)
    fields["given_name"], fields["family_name"] = fields.get("given_name") or "", fields.get("family_name") or ""
    fields["badge_name"] = fields.get("badge_name") or render_name(fields, Purpose.salutation)
    if visa and not fields.get("passport_name"):
        fields["passport_name"] = render_name(fields, Purpose.salutation)
    now = utcnow()
    registration = Registration(
        # ids, not relationships: the backref would touch the session before this row is added to it
        meeting=meeting, invitation_id=getattr(invitation, "id", None), delegation_id=getattr(delegation, "id", None),
        status=S.pending,
        data_consent_at=now, submitted_at=now, badge_token=secrets.token_urlsafe(24),
        submission_key=(data.get("submission_key") or None), **fields,
    )
    registration.represented_country = represented_country_for(
        registration.residence_country, registration.organisation_country, delegation)
    return registration, visa, answers, questions


def link_account(registration: Registration, *, signed_in: User | None = None,
                 email_proven: bool = False) -> tuple[User | None, bool]:
    """Attach the participant's account where that is safe; say whether to sign them in now.

    Typing an address proves nothing: unless the person is signed in with that very address, or the address is
    proven (an invitation sent to it), no account is made or touched; the registration waits, unattached, for a
    sign-in link to that address to be used (see `_attach_on_proof`). A proven address gets its account (made if
    new, earlier sessions ended); only a plain participant account is signed in at once, accounts with a
    password or a role go through the emailed link.
    """
    if signed_in is not None and signed_in.email == registration.email:
        registration.user = signed_in
        return signed_in, False
    if not email_proven:
        return None, False
    user = get_user_by_email(registration.email)
    if user is None:
        user = create_user(registration.email, "")
    if user.email_proven_at is None:
        prove_email(user)  # attaches this registration, and any other of the address, through the signal
    registration.user = user
    plain = not (user.is_admin or user.meeting_roles or user.password_hash)
    return user, plain and signed_in is None


@address_awaits_proof.connect
def _unattached_registrations(email: str) -> bool:
    """A sign-in link to an address opens its registrations that no account holds yet."""
    return db.session.scalar(select(Registration.id).where(
        Registration.email == email, Registration.user_id.is_(None)).limit(1)) is not None


@email_proven.connect
def _attach_on_proof(user: User) -> None:
    """The address is proven: its registrations that no account holds are this account's now."""
    waiting = list(db.session.scalars(select(Registration).where(
        Registration.email == user.email, Registration.user_id.is_(None)).order_by(Registration.submitted_at)))
    for registration in waiting:
        registration.user = user
    if waiting and not user.name:
        user.name = (waiting[-1].full_name or waiting[-1].badge_name)[:column_length(User, "name")]
        user.locale = waiting[-1].locale


# --- status changes -----------------------------------------------------------------------------------------------


def _jsonable(finding) -> dict:
    if is_dataclass(finding):
        finding = asdict(finding)
    if not isinstance(finding, dict):
        return {"message": str(finding)}
    return {k: (v.value if isinstance(v, enum.Enum) else v if isinstance(v, (int, float, bool, type(None), list, dict))
                else str(v)) for k, v in finding.items()}


def change_status(registration: Registration, new_status: RegistrationStatus, *, actor, findings=(),
                  override_reason: str | None = None, notify: bool = True, flush: bool = True) -> StatusChange:
    """Move a registration to `new_status` (see TRANSITIONS), stamp it, keep the history, audit and mail it.

    No balance rule is checked here: balance.services wraps this with its checks and locks and passes the
    `findings` (dicts or dataclasses) and any `override_reason` to be kept in the history.
    With `flush=False` (thousands of changes in one go) the audit event learns the history row's id at the next
    `link_status_audits()`, after the caller's flush, so that rows are written in batches rather than one by one.
    """
    new_status, old = RegistrationStatus(new_status), registration.status
    if new_status not in TRANSITIONS[old]:
        raise InvalidTransition(_("A registration that is %(old)s cannot become %(new)s.",
                                  old=STATUS_LABELS[old], new=STATUS_LABELS[new_status]))
    now = utcnow()
    registration.status = new_status
    if new_status in DECISIONS:
        registration.decided_at = now
    change = StatusChange(from_status=old, to_status=new_status, at=now, actor_id=getattr(actor, "id", None),
                          findings=[_jsonable(f) for f in findings], override_reason=override_reason or None)
    registration.history.append(change)
    if flush:
        db.session.flush()
    event = record(f"registration.{new_status.value}", actor=actor, meeting=registration.meeting,
                   subject=registration, from_status=old.value, status_change_id=change.id,
                   overridden=bool(override_reason))
    if not flush:
        db.session.info.setdefault(_UNLINKED, []).append((event, change))
    if new_status in (S.declined, S.cancelled):
        from ..agenda.services import release_signups  # the agenda builds on registration, not the reverse

        release_signups(registration, actor=actor)  # their session places go to the waiting lists
    if notify:
        _queue_mail(registration, f"registration_{new_status.value}")
    registration_status_changed.send(registration, old=old, new=new_status, actor=actor)
    return change


_UNLINKED = "status_audits_to_link"  #: session.info key: (audit event, status change) written without a flush


def link_status_audits() -> None:
    """Flush, then give the audit events of changes made with `flush=False` their history row's id."""
    db.session.flush()
    for event, change in db.session.info.pop(_UNLINKED, []):
        event.details = {**event.details, "status_change_id": change.id}


def cancel_registration(registration: Registration, *, actor) -> StatusChange:
    """The participant cancels; if they held a seat, balance is told so that the waitlist can use it."""
    held_seat = registration.status == S.approved
    change = change_status(registration, S.cancelled, actor=actor)
    if held_seat:
        _call_balance_hook("on_seat_freed", registration.meeting, actor=actor)
        seat_freed.send(registration.meeting, actor=actor)
    return change


def _call_balance_hook(name: str, *args, **kwargs) -> None:
    """Call balance.services.<name> if the balance feature provides it (features land one by one)."""
    if importlib.util.find_spec("meeting_manager.balance.services") is None:
        return
    hook = getattr(importlib.import_module("meeting_manager.balance.services"), name, None)
    if hook is not None:
        hook(*args, **kwargs)


# --- changes by the participant -----------------------------------------------------------------------------------


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
        raise EditDeadlinePassed(_("A %(status)s registration cannot be changed.",
                                   status=STATUS_LABELS[registration.status]))
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


# --- reads --------------------------------------------------------------------------------------------------------


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


# --- mail ---------------------------------------------------------------------------------------------------------


def external_url(endpoint: str, **values) -> str:
    """An absolute link for a mail, in a request or (CLI, jobs) against PUBLIC_URL."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["SERVER_NAME_FOR_LINKS"]):
        return url_for(endpoint, _external=True, **values)


#: what a mail of that kind carries: the approval brings the e-ticket and the meeting for the calendar
MAIL_ATTACHMENTS = {"registration_approved": ("e_ticket", "ics")}


def _queue_mail(registration: Registration, template: str) -> None:
    """The participant's mail about their registration, in the language they registered in."""
    meeting = registration.meeting
    with force_locale(registration.locale or "en"):
        queue_message(
            registration.email, template, kind=template, meeting_id=meeting.id, registration=registration,
            attachments=[{"kind": kind, "id": registration.id} for kind in MAIL_ATTACHMENTS.get(template, ())],
            meeting=meeting, link=external_url("registration.show", registration_id=registration.id),
            sign_in_link=external_url("accounts.request_sign_in_link"),
        )




# --- erasure and retention (meeting_manager.privacy announces them) -----------------------------------------------

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
