"""The statuses of a registration, the transitions between them and the one place that changes them."""
import enum
from dataclasses import asdict, is_dataclass

from flask_babel import gettext as _

from ...audit.services import record
from ...extensions import db
from ...models_base import utcnow
from ...signals import (
    registration_status_changed,
    seat_freed,
)
from ..models import (
    Registration,
    RegistrationStatus,
    StatusChange,
)
from ..questions import (
    answers_for,  # noqa: F401  (re-exported: part of this module's API)
    )
from .notify import _queue_mail
from .refusals import InvalidTransition

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


def status_label(status: RegistrationStatus) -> str:
    """The status as the participant reads it."""
    return {S.pending: _("Pending review"), S.approved: _("Approved"), S.waitlisted: _("On the waiting list"),
            S.declined: _("Declined"), S.cancelled: _("Cancelled")}[RegistrationStatus(status)]


def can_change(registration: Registration, new_status: RegistrationStatus) -> bool:
    """Whether TRANSITIONS allow this change now."""
    return RegistrationStatus(new_status) in TRANSITIONS[registration.status]


def _jsonable(finding) -> dict:
    if callable(getattr(finding, "as_data", None)):  # a balance finding says how it is stored (code and numbers)
        return finding.as_data()
    if is_dataclass(finding) and not isinstance(finding, type):
        finding = asdict(finding)
    if not isinstance(finding, dict):
        return {"text": str(finding)}
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
        raise InvalidTransition(_("A registration cannot go from %(old)s to %(new)s.",
                                  old=status_label(old), new=status_label(new_status)))
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
    registration_status_changed.send(registration, old=old, new=new_status, actor=actor)
    if notify:
        _queue_mail(registration, f"registration_{new_status.value}")
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
        seat_freed.send(registration.meeting, actor=actor)
    return change
