"""Archived editions are read-only: every request that would change one is refused on the server.

One before-request hook for the whole app, so that a route added later is covered without remembering to: it
finds the meeting a request concerns from the route's arguments (a meeting, delegation, registration, invitation
or job id, or an invitation link) and refuses any write to an archived one, and any use of its invitation links.
"""
from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from ..delegations.models import Delegation
from ..extensions import db
from ..invitations.models import Invitation
from ..jobs.models import Job
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
