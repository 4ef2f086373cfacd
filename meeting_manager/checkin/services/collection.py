"""Badge collection at the desk, and badges replaced (the old one is refused from then on)."""
import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from ...audit.services import record
from ...errors import DomainError, ValidationFailed
from ...extensions import db
from ...meetings.models import Meeting
from ...registration.models import Registration
from ..models import BadgeCollection, ReplacedBadge
from .days import local_time
from .tokens import ensure_admitted


def latest_collection(registration: Registration) -> BadgeCollection | None:
    return db.session.scalar(
        select(BadgeCollection).where(BadgeCollection.registration_id == registration.id)
        .order_by(BadgeCollection.collected_at.desc(), BadgeCollection.id.desc()).limit(1)
    )


def collect_badge(meeting: Meeting, registration: Registration, *, actor, id_checked: bool,
                  replacement: bool = False) -> BadgeCollection:
    """Record that staff checked a photo ID and handed the badge over (who and when)."""
    ensure_admitted(meeting, registration)
    if not id_checked:
        raise ValidationFailed(_("Check a photo ID before handing over the badge."))
    previous = latest_collection(registration)
    if previous is not None and not replacement:
        raise DomainError(_("This badge was already handed over at %(time)s on %(day)s. Tick “replacement badge” "
                            "to hand over a new one.", time=local_time(meeting, previous.collected_at),
                            day=previous.collected_at.astimezone(meeting.tz).date().isoformat()))
    row = BadgeCollection(registration_id=registration.id, handed_over_by_id=getattr(actor, "id", None),
                          id_checked=True, replacement=previous is not None)
    db.session.add(row)
    db.session.flush()
    if row.replacement:  # a second badge in circulation is worth a trace
        record("badge.replacement_handed_over", actor=actor, meeting=meeting, subject=registration)
    return row


def replace_badge(meeting: Meeting, registration: Registration, *, actor) -> ReplacedBadge:
    """A lost badge: the registration gets a new badge token (a new QR code, to print), and the old one is kept
    so that its scan says it was replaced and when."""
    ensure_admitted(meeting, registration)
    old = ReplacedBadge(registration_id=registration.id, token=registration.badge_token,
                        by_id=getattr(actor, "id", None))
    db.session.add(old)
    registration.badge_token = secrets.token_urlsafe(24)
    db.session.flush()
    record("badge.replaced", actor=actor, meeting=meeting, subject=registration)
    return old


def replaced_badges(registration: Registration) -> list[ReplacedBadge]:
    return list(db.session.scalars(select(ReplacedBadge).where(ReplacedBadge.registration_id == registration.id)
                                   .order_by(ReplacedBadge.replaced_at.desc())))
