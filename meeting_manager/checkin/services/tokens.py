"""The badge token: a signed payload in the QR code that names a registration of one meeting."""
from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from ...extensions import db
from ...meetings.models import Meeting
from ...registration.models import Registration, RegistrationStatus
from ..models import ReplacedBadge
from .refusals import (
    NOT_ADMITTED,
    BadgeOfAnotherMeeting,
    BadgeReplaced,
    CheckInRefused,
    RegistrationNotAdmitted,
    UnknownBadge,
)

BADGE_SALT = "meeting-manager.badge-checkin.v1"
#: a QR payload longer than this is not one of ours; refuse it before any parsing
MAX_PAYLOAD_LENGTH = 400


def _serializer() -> URLSafeSerializer:
    """Signs with BADGE_KEY (the last key signs, every key verifies).

    BADGE_KEY_FALLBACKS keep printed badges valid across a rotation of the badge key. Badges printed before the
    badge key existed were signed with SECRET_KEY (or one of its fallbacks): they verify while the deployment
    has never set BADGE_KEY itself (BADGE_ACCEPT_SECRET_KEY), and never sign.
    """
    config = current_app.config
    legacy = [*(config.get("SECRET_KEY_FALLBACKS") or []), config["SECRET_KEY"]]
    keys = [*(legacy if config.get("BADGE_ACCEPT_SECRET_KEY") else []),
            *(config.get("BADGE_KEY_FALLBACKS") or []), config["BADGE_KEY"]]
    return URLSafeSerializer(keys, salt=BADGE_SALT)


def accepted_payloads(meeting_id: int, token: str) -> list[str]:
    """Every payload that verifies as this badge: one per badge key still accepted (a badge printed before a key
    rotation carries the older key's signature). The offline desk keeps a hash of each."""
    return [URLSafeSerializer(key, salt=BADGE_SALT).dumps([meeting_id, token]) for key in _serializer().secret_keys]


def badge_payload(registration: Registration) -> str:
    """The text of a badge's QR code: the meeting id and the random badge token, signed; no personal data."""
    return _serializer().dumps([registration.meeting_id, registration.badge_token])


def resolve_badge(payload: str, meeting: Meeting) -> Registration:
    """The registration a scanned payload names, or a CheckInRefused with a message to show at the door."""
    payload = (payload or "").strip()
    if not payload or len(payload) > MAX_PAYLOAD_LENGTH:
        raise UnknownBadge()
    try:
        meeting_id, token = _serializer().loads(payload)
    except (BadSignature, TypeError, ValueError):
        raise UnknownBadge() from None
    if meeting_id != meeting.id:
        raise BadgeOfAnotherMeeting()
    registration = db.session.scalar(
        select(Registration).where(Registration.meeting_id == meeting.id, Registration.badge_token == token)
    )
    if registration is None:
        replaced = db.session.scalar(select(ReplacedBadge).join(Registration).where(
            ReplacedBadge.token == token, Registration.meeting_id == meeting.id))
        if replaced is not None:
            raise BadgeReplaced(_("This badge was replaced on %(day)s: it no longer admits anyone. Check the "
                                  "person's ID and look them up by name.",
                                  day=format_date(replaced.replaced_at.astimezone(meeting.tz).date(), "medium")))
        raise UnknownBadge()  # a signed token whose registration was erased
    ensure_admitted(meeting, registration)
    return registration


def ensure_admitted(meeting: Meeting, registration: Registration) -> None:
    """Refuse a registration of another meeting or one that is not approved."""
    if registration.meeting_id != meeting.id:
        raise BadgeOfAnotherMeeting()
    if registration.status != RegistrationStatus.approved:
        raise RegistrationNotAdmitted(NOT_ADMITTED.get(registration.status, CheckInRefused.message),
                                      status=registration.status.value)
