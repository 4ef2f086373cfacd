"""Writing to the audit log."""
from ..extensions import db
from .models import AuditEvent


def record(action: str, *, actor=None, meeting=None, subject=None, **details) -> AuditEvent:
    """Append an audit event; `details` must hold ids and counts, never personal data."""
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        meeting_id=getattr(meeting, "id", None),
        subject_type=type(subject).__name__ if subject is not None else None,
        subject_id=getattr(subject, "id", None),
        details=details,
    )
    db.session.add(event)
    return event
