"""The registration services other features call: status changes, cancellation, registering without a request."""
import itertools
from dataclasses import dataclass

import pytest

from meeting_manager.audit.models import AuditEvent
from meeting_manager.delegations.models import Delegation, DelegationKind
from meeting_manager.errors import ValidationFailed
from meeting_manager.meetings.models import MeetingStatus
from meeting_manager.registration import services
from meeting_manager.registration.models import RegistrationStatus as S
from meeting_manager.signals import seat_freed

ALLOWED = {
    (S.pending, S.approved), (S.pending, S.waitlisted), (S.pending, S.declined), (S.pending, S.cancelled),
    (S.waitlisted, S.approved), (S.waitlisted, S.declined), (S.waitlisted, S.cancelled),
    (S.approved, S.declined), (S.approved, S.cancelled),
}


@pytest.mark.parametrize("old, new", list(itertools.product(S, S)))
def test_status_transitions(db, meeting, make_registration, organiser, outbox, old, new):
    registration = make_registration(meeting, status=old)
    if (old, new) not in ALLOWED:
        with pytest.raises(services.InvalidTransition):
            services.change_status(registration, new, actor=organiser)
        assert registration.status == old and registration.history == [] and outbox() == []
        return
    change = services.change_status(registration, new, actor=organiser)
    db.session.commit()
    assert registration.status == new
    assert (change.from_status, change.to_status, change.actor_id) == (old, new, organiser.id)
    assert registration.history == [change]
    assert (registration.decided_at is not None) == (new in services.DECISIONS)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == f"registration.{new.value}"))
    assert (event.subject_id, event.actor_id, event.meeting_id) == (registration.id, organiser.id, meeting.id)
    assert event.details == {"from_status": old.value, "status_change_id": change.id, "overridden": False}
    [mail] = outbox()
    assert (mail.kind, mail.recipient) == (f"registration_{new.value}", registration.email)


def test_findings_and_override_are_kept_in_the_history(db, meeting, make_registration, organiser):
    @dataclass(frozen=True)
    class Finding:
        rule: str
        outcome: S  # any enum is stored by value
        message: str

    registration = make_registration(meeting)
    change = services.change_status(
        registration, S.approved, actor=organiser, override_reason="Keynote speaker",
        findings=[Finding("region", S.approved, "Approving would put WEOG at 31 of 30 seats"), {"rule": "gender"}])
    db.session.commit()
    db.session.expire_all()
    assert change.findings == [
        {"rule": "region", "outcome": "approved", "message": "Approving would put WEOG at 31 of 30 seats"},
        {"rule": "gender"}]
    assert change.override_reason == "Keynote speaker"
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "registration.approved"))
    assert event.details["overridden"] is True and "Keynote" not in str(event.details)


def test_notify_false_sends_no_mail(meeting, make_registration, organiser, outbox):
    services.change_status(make_registration(meeting), S.waitlisted, actor=organiser, notify=False)
    assert outbox() == []


@pytest.mark.parametrize("status, mail_text", [
    (S.approved, "is approved"), (S.waitlisted, "waiting list"), (S.declined, "cannot offer you a place"),
    (S.cancelled, "is cancelled"),
])
def test_status_mails_say_what_happened(db, meeting, make_registration, organiser, outbox, status, mail_text):
    registration = make_registration(meeting, given_name="Zoë")
    services.change_status(registration, status, actor=organiser)
    [mail] = outbox()
    assert mail_text in mail.text_body and mail_text in mail.html_body
    assert f"Dear Zoë {registration.family_name}," in mail.text_body and meeting.title in mail.subject
    assert f"/my/registrations/{registration.id}" in mail.text_body


def test_mail_html_escapes_names(meeting, make_registration, organiser, outbox):
    registration = make_registration(meeting, given_name="<b>Zoë</b>")
    services.change_status(registration, S.approved, actor=organiser)
    [mail] = outbox()
    assert "&lt;b&gt;Zoë&lt;/b&gt;" in mail.html_body and "<b>Zoë" not in mail.html_body


def test_mail_in_the_registrations_locale_does_not_break(meeting, make_registration, organiser, outbox):
    registration = make_registration(meeting, locale="fr")
    services.change_status(registration, S.approved, actor=organiser)
    assert outbox()[0].kind == "registration_approved"


def test_cancel_calls_the_seat_hook_only_for_a_held_seat(db, meeting, make_registration, seat_freed_calls):
    pending, approved = make_registration(meeting), make_registration(meeting, status=S.approved)
    services.cancel_registration(pending, actor=None)
    assert seat_freed_calls == []
    services.cancel_registration(approved, actor=None)
    assert seat_freed_calls == [(meeting.id, None)]


def test_cancel_works_when_nobody_listens_for_freed_seats(db, meeting, make_registration):
    registration = make_registration(meeting, status=S.approved)
    with seat_freed.muted():
        services.cancel_registration(registration, actor=None)
    assert registration.status == S.cancelled


@pytest.mark.parametrize("residence, organisation, delegation, expected", [
    ("FR", None, None, "FR"),
    ("FR", "KE", None, "KE"),
    ("FR", "KE", (DelegationKind.state, "BR"), "BR"),
    ("FR", "KE", (DelegationKind.ngo, "BR"), "KE"),
    ("FR", None, (DelegationKind.academic, "BR"), "FR"),
    ("FR", None, (DelegationKind.state, None), "FR"),
])
def test_represented_country(app, residence, organisation, delegation, expected):
    if delegation is not None:
        kind, country = delegation
        delegation = Delegation(name="D", kind=kind, country_code=country, seats=2, focal_point_name="F",
                                focal_point_email="f@example.org")
    assert services.represented_country_for(residence, organisation, delegation) == expected


def cli_data(meeting, **overrides):
    return dict(given_name="Ольга", family_name="Петрова", email="Olga@Example.org", gender="woman",
                nationality="stateless", residence_country="DE", category_id=meeting.categories[0].id,
                relation="expert", data_consent=True) | overrides


def test_register_participant_works_without_a_request(app, db, meeting, outbox):
    """As the CLI or a job calls it: no request context, links built on PUBLIC_URL."""
    from flask import has_request_context

    assert not has_request_context()
    registration = services.register_participant(meeting, cli_data(meeting))
    db.session.commit()
    assert registration.email == "olga@example.org" and registration.status == S.pending
    assert registration.relation.value == "expert" and registration.locale == "en"
    [mail] = outbox()
    assert mail.text_body.count(app.config["SERVER_NAME_FOR_LINKS"]) == 2


@pytest.mark.parametrize("overrides, problem", [
    ({"data_consent": False}, "Consent"),
    ({"given_name": "  ", "family_name": ""}, "Enter your name"),
    ({"gender": "robot"}, "Gender is not a valid choice"),
    ({"nationality": "XX"}, "Nationality is not a known country"),
    ({"residence_country": "stateless"}, "Country of residence is not a known country"),
    ({"category_id": 99999}, "Choose a category of this meeting"),
    ({"interpretation_language": "de"}, "six UN languages"),
    ({"family_name": "x" * 121}, "longer than 120"),
    ({"organisation": "a\x00b"}, "control characters"),
    ({"email": "not an email"}, "not a valid email"),
    ({"visa": {"passport_number": "P1", "passport_expiry": None, "date_of_birth": None, "place_of_birth": ""}},
     "passport number"),
])
def test_register_participant_checks_its_input(db, meeting, registrations, overrides, problem):
    with pytest.raises(ValidationFailed) as error:
        services.register_participant(meeting, cli_data(meeting, **overrides))
    assert any(problem in p for p in error.value.problems), error.value.problems
    assert registrations() == []


def test_register_participant_respects_the_window_unless_told(db, make_meeting, registrations):
    closed = make_meeting(status=MeetingStatus.closed)
    with pytest.raises(services.RegistrationUnavailable):
        services.register_participant(closed, cli_data(closed))
    services.register_participant(closed, cli_data(closed), enforce_window=False)  # e.g. a late organiser's entry
    assert len(registrations()) == 1


def test_register_participant_refuses_a_second_registration_for_the_email(db, meeting):
    services.register_participant(meeting, cli_data(meeting))
    with pytest.raises(services.DuplicateRegistration):
        services.register_participant(meeting, cli_data(meeting, email=" OLGA@example.org"))


def test_same_email_may_register_for_another_meeting(db, meeting, make_meeting, registrations):
    other = make_meeting(title="Regional")
    services.register_participant(meeting, cli_data(meeting))
    services.register_participant(other, cli_data(other))
    assert len(registrations()) == 2


def test_registration_is_audited_with_ids_only(db, meeting, organiser):
    registration = services.register_participant(meeting, cli_data(meeting), actor=organiser)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "registration.submit"))
    assert event.subject_id == registration.id and event.details == {"invitation_id": None, "visa_letter": False}
