"""Archived editions are read-only: every request that would change one is refused on the server.

One before-request hook for the whole app, so that a route added later is covered without remembering to: it
finds the meeting a request concerns from the route's arguments (a meeting, delegation, registration, invitation
or job id, or an invitation link) and refuses any write to an archived one, and any use of its invitation links.

Under it, the database refuses too: a flush that adds, changes or deletes an archived edition's records (its
registrations, delegations, invitations, agenda, policy, check-ins, questions...) raises ArchivedEdition, whoever
flushes (a CLI command, the API, a job). Erasure and retention are the exception (`changes_allowed`): a person's
right to erasure knows no archive.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import chain

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session as OrmSession

from ..accounts.models import MeetingRole
from ..api.models import WebhookSubscription
from ..audit.models import AuditEvent
from ..delegations.models import Delegation
from ..errors import DomainError
from ..extensions import db
from ..invitations.models import Invitation
from ..jobs.models import Job
from ..mail.models import OutboxMessage
from ..registration.models import Registration
from ..tokens import hash_token
from .models import Meeting, MeetingStatus

#: writes that change nothing of the edition: exports and searches (read), a participant's own calendar feed link
READ_ONLY_WRITES = frozenset({"reports.export", "checkin.search", "agenda.make_feed", "agenda.revoke_feed"})
#: pages behind an invitation link: an archived edition's links open nothing, not even the form
LINK_ENDPOINTS = frozenset({"invitations.landing", "invitations.accept", "invitations.decline",
                            "registration.register_invited"})
#: a row's id in the route -> the model that says which meeting it belongs to
OWNED_BY_ROUTE_ARG = (("delegation_id", Delegation), ("registration_id", Registration), ("job_id", Job))


def meeting_id_of_request() -> int | None:
    """The id of the meeting the current request concerns, or None when it concerns none."""
    args = request.view_args or {}
    if (meeting_id := args.get("meeting_id")) is not None:
        return meeting_id
    for name, model in OWNED_BY_ROUTE_ARG:
        if (row_id := args.get(name)) is not None:
            return db.session.scalar(select(model.meeting_id).where(model.id == row_id))
    if (token := args.get("token")) is not None and request.endpoint in LINK_ENDPOINTS:
        return db.session.scalar(select(Invitation.meeting_id).where(Invitation.token_hash == hash_token(token)))
    return None


def archived_meeting_of_request() -> Meeting | None:
    meeting_id = meeting_id_of_request()
    meeting = db.session.get(Meeting, meeting_id) if meeting_id is not None else None
    return meeting if meeting is not None and meeting.status == MeetingStatus.archived else None


def _reopens(meeting: Meeting) -> bool:
    """The meeting's own edit form, setting a status other than archived: the one way back."""
    return request.endpoint == "meetings.edit" and request.form.get("status", MeetingStatus.archived.value) != \
        MeetingStatus.archived.value


def refuse_changes_to_archived_editions():
    """before_request: a write to an archived edition (or use of its invitation link) gets 409 and a page that
    says why; nothing runs."""
    writes = request.method not in ("GET", "HEAD", "OPTIONS")
    if request.endpoint is None or request.endpoint in READ_ONLY_WRITES:
        return None
    if not writes and request.endpoint not in LINK_ENDPOINTS:
        return None
    meeting = archived_meeting_of_request()
    if meeting is None or (writes and _reopens(meeting)):
        return None
    current_app.logger.info("Refused %s %s: meeting %s is archived", request.method, request.endpoint, meeting.id)
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        # the API turns this into problem details with the message as their detail (api/views.py)
        return jsonify(error="archived", message=_("This edition is archived: it is read-only, and nothing was "
                                                   "changed.")), 409
    return render_template("meetings/archived.html", meeting=meeting,
                           link=request.endpoint in LINK_ENDPOINTS, hide_archived_notice=True), 409


# --- the same rule at the database ------------------------------------------------------------------------------

class ArchivedEdition(DomainError):
    """A change to an archived edition's records reached the database (not through a page, which refuses first)."""

    def __init__(self):
        super().__init__(_("This edition is archived: it is read-only, and nothing was changed."))


#: rows that carry a meeting id but are not the edition's content: who may work on it, its integrations, what was
#: done and sent (the audit log, the outbox, jobs that export it)
NOT_CONTENT = (MeetingRole, WebhookSubscription, AuditEvent, OutboxMessage, Job)
#: how a row without a meeting id of its own belongs to one (an answer to its registration, a speaker to a session)
PARENTS = ("registration", "session", "policy", "delegation", "question")
_changes_allowed: ContextVar[bool] = ContextVar("archived_changes_allowed", default=False)


@contextmanager
def changes_allowed() -> Iterator[None]:
    """Erasure and retention change archived editions too."""
    token = _changes_allowed.set(True)
    try:
        yield
    finally:
        _changes_allowed.reset(token)


def _meeting_id_of(row) -> int | None:
    if isinstance(row, (Meeting, *NOT_CONTENT)):
        return None  # the meeting row itself: its edit form is the one way back (guarded above)
    if (meeting_id := getattr(row, "meeting_id", None)) is not None:
        return meeting_id
    if isinstance(meeting := getattr(row, "meeting", None), Meeting):  # a new row, linked but not flushed yet
        return meeting.id
    for name in PARENTS:
        if (parent := getattr(row, name, None)) is not None and hasattr(parent, "meeting_id"):
            return _meeting_id_of(parent)
    return None


@event.listens_for(OrmSession, "before_flush")
def _refuse_flushes_into_archived_editions(session, _flush_context, _instances) -> None:
    if _changes_allowed.get():
        return
    with session.no_autoflush:
        changed = chain(session.new, session.deleted, (row for row in session.dirty if session.is_modified(row)))
        meeting_ids = {meeting_id for row in changed if (meeting_id := _meeting_id_of(row)) is not None}
        # the status as this transaction sees it (reopening and changing in one transaction is allowed)
        if any(getattr(session.get(Meeting, meeting_id), "status", None) == MeetingStatus.archived
               for meeting_id in meeting_ids):
            raise ArchivedEdition()
