"""Mail to the participant about their registration, in their language, with links that work outside a request."""

from flask import current_app, has_request_context, url_for

from ...mail.services import queue_message
from ..models import (
    Registration,
)
from ..questions import answers_for  # noqa: F401  (re-exported: part of this module's API)


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
    queue_message(
        registration.email, template, language=registration.locale, kind=template, meeting_id=meeting.id,
        registration=registration,
        attachments=[{"kind": kind, "id": registration.id} for kind in MAIL_ATTACHMENTS.get(template, ())],
        meeting=meeting, link=external_url("registration.show", registration_id=registration.id),
        sign_in_link=external_url("accounts.request_sign_in_link"),
    )
