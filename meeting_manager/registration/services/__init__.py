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
from ..questions import answer_values, answers_for, list_questions
from .changes import locked_fields, save_travel_details, update_registration
from .cleaning import BALANCE_FIELDS, PASSPORT_RE, TEXT_FIELDS, clean_visa
from .erasure import ERASED_NAME
from .notify import external_url
from .reads import find_registration_of, list_registrations_of, record_document, record_visa_view
from .refusals import (
    AlreadySubmitted,
    DuplicateRegistration,
    EditDeadlinePassed,
    InvalidTransition,
    RegistrationUnavailable,
)
from .registering import (
    Registered,
    apply_wait,
    count_application,
    find_by_submission_key,
    find_registration,
    link_account,
    needs_captcha,
    register,
    register_participant,
)
from .rules import can_edit, edit_deadline_for, registration_window_problem, represented_country_for
from .status import (
    DECISIONS,
    TRANSITIONS,
    S,
    can_change,
    cancel_registration,
    change_status,
    link_status_audits,
    status_label,
)
