"""Registration and check-in events become webhook deliveries."""
from ..registration.models import RegistrationStatus as S
from ..signals import checked_in, registration_status_changed, registration_submitted
from .models import WebhookEvent
from .webhooks import announce

DECIDED = {S.approved, S.waitlisted, S.declined}


@registration_submitted.connect
def _submitted(registration, **_kwargs):
    announce(registration.meeting_id, WebhookEvent.registration_submitted,
             {"registration_id": registration.id, "status": registration.status.value})


@registration_status_changed.connect
def _status_changed(registration, *, old=None, new=None, **_kwargs):
    new = S(new)
    event = (WebhookEvent.registration_cancelled if new == S.cancelled else
             WebhookEvent.registration_decided if new in DECIDED else None)
    if event is not None:
        announce(registration.meeting_id, event, {"registration_id": registration.id, "status": new.value,
                                                  "previous_status": S(old).value if old else None})


@checked_in.connect
def _checked_in(attendance, *, registration=None, **_kwargs):
    announce(attendance.meeting_id, WebhookEvent.checked_in,
             {"registration_id": attendance.registration_id, "attendance_id": attendance.id,
              "day": attendance.day.isoformat(), "session_id": attendance.session_id})
