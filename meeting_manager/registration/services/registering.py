"""Registering: one application per person and meeting, submitted once, its account linked."""
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...accounts import throttle
from ...accounts.models import User
from ...accounts.services import create_user, get_user_by_email, normalise_email, prove_email, send_sign_in_link
from ...audit.services import record
from ...errors import ValidationFailed
from ...extensions import db
from ...invitations.services import mark_registered
from ...meetings.models import Meeting
from ...models_base import utcnow
from ...names import Purpose, render_name
from ...signals import (
    address_awaits_proof,
    email_proven,
    registration_submitted,
)
from ..models import (
    Question,
    Registration,
    StatusChange,
    VisaRequest,
)
from ..questions import (
    clean_answers,
    list_questions,
    save_answers,
)
from ..validation import column_length
from .cleaning import _clean_fields, _visa_or_problems
from .notify import _queue_mail
from .refusals import AlreadySubmitted, DuplicateRegistration, RegistrationUnavailable
from .rules import registration_window_problem, represented_country_for
from .status import S


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
            raise AlreadySubmitted(done) from None
        raise DuplicateRegistration() from None
    if visa:
        db.session.add(VisaRequest(registration=registration, **visa))
    save_answers(registration, questions, answers)
    registration.history.append(StatusChange(from_status=None, to_status=S.pending, at=registration.submitted_at,
                                             actor_id=getattr(actor, "id", None)))
    db.session.flush()
    record("registration.submit", actor=actor, meeting=meeting, subject=registration,
           invitation_id=getattr(invitation, "id", None), visa_letter=visa is not None)
    _queue_mail(registration, "registration_received")
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


@dataclass(frozen=True)
class Registered:
    """What registering did: the registration, the account it is linked to, and whether to sign in now."""
    registration: Registration
    user: User | None
    sign_in_now: bool


def register(meeting: Meeting, data: dict, *, invitation=None, signed_in: User | None = None) -> Registered:
    """A person registers on the form, from an invitation or the open form: the registration is made, the
    invitation used up, the account linked where the address is proven, and a sign-in link mailed when the
    person is not signed in with that address (its owner, perhaps not the person typing, gets a way in)."""
    registration = register_participant(meeting, data, invitation=invitation, actor=signed_in)
    if invitation is not None:
        mark_registered(invitation)
    proven = invitation is not None and registration.email == invitation.email
    user, sign_in_now = link_account(registration, signed_in=signed_in, email_proven=proven)
    if not sign_in_now and (user is None or user != signed_in):
        send_sign_in_link(registration.email, language=registration.locale)
    return Registered(registration, user, sign_in_now)


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
