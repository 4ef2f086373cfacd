"""What a focal point hears: a mail when a member registers, is approved, waitlisted, declined or cancels, and when
the note verbale is verified or refused; or, if they chose so, one digest a day. Each mail carries the
delegation's summary (seats, registered, approved, still missing), so it says where things stand.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..mail.services import queue_message
from ..meetings.models import Meeting, MeetingStatus
from ..models_base import utcnow
from ..registration.models import Registration, RegistrationStatus, StatusChange
from ..registration.services import external_url
from ..signals import registration_status_changed, registration_submitted
from .models import Delegation
from .services import list_members

S = RegistrationStatus
EACH, DIGEST = "each", "digest"
NOTICE_MODES = (EACH, DIGEST)
#: status changes a focal point is told of (pending -> pending never happens; "pending" is the registration)
TOLD = {S.approved: "approved", S.waitlisted: "waitlisted", S.declined: "declined", S.cancelled: "cancelled"}


@dataclass(frozen=True)
class Summary:
    """Where a delegation stands: its seats, and how many members registered, were approved, are still missing."""

    seats: int
    nominated: int
    registered: int  #: registrations that still hold a seat (not declined or cancelled)
    approved: int
    waiting: int  #: pending or waitlisted
    missing: int  #: seats without a registration yet

    @property
    def complete(self) -> bool:
        return self.missing == 0 and self.waiting == 0


def summary(delegation: Delegation) -> Summary:
    members = list_members(delegation)
    registrations = [m.registration for m in members if m.registration is not None]
    holding = [r for r in registrations if r.status not in (S.declined, S.cancelled)]
    return Summary(
        seats=delegation.seats, nominated=sum(m.invitation is not None for m in members),
        registered=len(holding), approved=sum(r.status == S.approved for r in holding),
        waiting=sum(r.status in (S.pending, S.waitlisted) for r in holding),
        missing=max(0, delegation.seats - len(holding)))


def set_notice_mode(delegation: Delegation, mode: str) -> None:
    if mode not in NOTICE_MODES:
        raise ValueError(mode)
    delegation.focal_notice = mode
    if mode == DIGEST and delegation.focal_digest_at is None:
        delegation.focal_digest_at = utcnow()  # the first digest tells what happens from now on


def _language(delegation: Delegation) -> str:
    """The focal point's own language (their account's); before they have chosen one, the meeting's."""
    chosen = delegation.focal_point.locale if delegation.focal_point else None
    return chosen or delegation.meeting.default_language


def _send(delegation: Delegation, template: str, **context) -> None:
    queue_message(delegation.focal_point_email, template, language=_language(delegation), kind=template,
                  meeting_id=delegation.meeting_id, recipient_name=delegation.focal_point_name,
                  delegation=delegation, meeting=delegation.meeting, summary=summary(delegation),
                  link=external_url("delegations.focal", delegation_id=delegation.id), **context)


def tell_focal_point(delegation: Delegation, event: str, registration: Registration | None = None,
                     reason: str = "") -> bool:
    """Mail the focal point about one event at once, unless they chose the daily digest; returns whether sent."""
    if delegation.focal_notice == DIGEST:
        return False
    _send(delegation, "delegation_news", event=event, member=registration, reason=reason)
    return True


def send_digests(now: datetime | None = None) -> int:
    """Once a day, to each focal point who chose the digest: what happened to the members since the last one."""
    now = now or utcnow()
    due = db.session.scalars(select(Delegation).join(Delegation.meeting).where(
        Meeting.status != MeetingStatus.archived,  # an archived edition is read-only, its digests too
        Delegation.focal_notice == DIGEST,
        (Delegation.focal_digest_at.is_(None)) | (Delegation.focal_digest_at <= now - timedelta(hours=23))))
    sent = 0
    for delegation in due:
        since = delegation.focal_digest_at or now - timedelta(days=1)
        events = _events_since(delegation, since)
        delegation.focal_digest_at = now
        if events:
            _send(delegation, "delegation_digest", events=events)
            sent += 1
    return sent


def _events_since(delegation: Delegation, since: datetime) -> list[tuple[str, Registration]]:
    """(event, registration) for each registration and status change of the delegation's members since then."""
    members = [m.registration for m in list_members(delegation) if m.registration is not None]
    ids = [r.id for r in members]
    if not ids:
        return []
    by_id = {r.id: r for r in members}
    events = [(r.submitted_at, "registered", r) for r in members if r.submitted_at > since]
    for change in db.session.scalars(select(StatusChange).where(StatusChange.registration_id.in_(ids),
                                                                StatusChange.at > since)):
        if change.to_status in TOLD:
            events.append((change.at, TOLD[change.to_status], by_id[change.registration_id]))
    if delegation.note_verbale_verified_at and delegation.note_verbale_verified_at > since:
        events.append((delegation.note_verbale_verified_at, "note_verified", None))
    return [(event, registration) for _at, event, registration in sorted(events, key=lambda e: e[0])]


@registration_submitted.connect
def _member_registered(registration: Registration, **_kwargs) -> None:
    if registration.delegation is not None:
        tell_focal_point(registration.delegation, "registered", registration)


@registration_status_changed.connect
def _member_decided(registration: Registration, *, new, **_kwargs) -> None:
    if registration.delegation_id is not None and new in TOLD:
        tell_focal_point(registration.delegation, TOLD[new], registration)
