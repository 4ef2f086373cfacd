"""Waiting-list offers: when a seat frees, the earliest waitlisted registration whose approval keeps every rule is
offered it by mail, with a deadline (per meeting, 72 hours by default).

The seat is held for the offer while it is open: further offers count it as taken. Accepting approves through
balance's own decision (the same rule check, under the meeting's lock); declining withdraws the registration;
either a decline or an expiry offers the seat to the next one, and so on until no seat is free or nobody fits.
A person whose offer expired stays on the waiting list but is not offered a seat again by itself (the organisers
can still approve them). Organisers hear of each freed seat at once, or in one digest a day (their choice).

In a meeting that decides automatically, balance promotes from the waiting list itself; nothing is offered.
"""
import hashlib
import secrets
from datetime import datetime, time, timedelta

from sqlalchemy import select

from ..accounts.models import MeetingRole, MeetingRoleName, User
from ..audit.services import record
from ..balance import engine
from ..balance import services as balance
from ..balance.models import DecisionMode
from ..extensions import db
from ..languages import moments
from ..mail.services import queue_message
from ..meetings.models import Meeting, MeetingStatus
from ..models_base import utcnow
from ..registration.models import Registration, RegistrationStatus
from ..registration.services import change_status, external_url
from ..signals import registration_status_changed, seat_freed, seats_held
from .models import NoticeMode, OfferStatus, WaitlistOffer, WaitlistSettings

S = RegistrationStatus
#: an offer never gives less time than this, even just before the meeting starts
MINIMUM_HOURS = 1


def settings_for(meeting: Meeting) -> WaitlistSettings:
    """The meeting's offer settings (an unsaved default row while the organisers kept the defaults)."""
    return db.session.get(WaitlistSettings, meeting.id) or WaitlistSettings(
        meeting_id=meeting.id, offer_hours=72, organiser_notice=NoticeMode.each)


def save_settings(meeting: Meeting, *, offer_hours: int, organiser_notice: NoticeMode, actor) -> WaitlistSettings:
    row = settings_for(meeting)
    row.offer_hours, row.organiser_notice = int(offer_hours), NoticeMode(organiser_notice)
    db.session.add(row)
    record("waitlist.settings", actor=actor, meeting=meeting, offer_hours=row.offer_hours,
           organiser_notice=row.organiser_notice.value)
    return row


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_offer(token: str) -> WaitlistOffer | None:
    """The offer a mailed link names (None for a wrong or altered link)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(WaitlistOffer).where(WaitlistOffer.token_hash == _hash(token)))


def open_offers(meeting: Meeting) -> list[WaitlistOffer]:
    return list(db.session.scalars(select(WaitlistOffer).where(
        WaitlistOffer.meeting_id == meeting.id, WaitlistOffer.status == OfferStatus.open).order_by(WaitlistOffer.id)))


def offers_of(meeting: Meeting) -> list[WaitlistOffer]:
    """Every offer of the meeting, newest first (the organisers' list)."""
    return list(db.session.scalars(select(WaitlistOffer).where(WaitlistOffer.meeting_id == meeting.id)
                                   .order_by(WaitlistOffer.id.desc())))


def _auto(meeting: Meeting) -> bool:
    row = balance.get_policy_row(meeting)
    return row is not None and row.decision_mode == DecisionMode.auto


def _waitlisted(meeting: Meeting) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).where(Registration.meeting_id == meeting.id, Registration.status == S.waitlisted)
        .order_by(Registration.submitted_at, Registration.id)))


def _deadline(meeting: Meeting, hours: int, now: datetime) -> datetime:
    """`hours` from now, but not past the meeting's first morning (a seat offered the day before is still one)."""
    starts = datetime.combine(meeting.starts_on, time(0, 0), meeting.tz)
    return max(min(now + timedelta(hours=hours), starts), now + timedelta(hours=MINIMUM_HOURS))


def offer_free_seats(meeting: Meeting, *, actor=None, now: datetime | None = None) -> list[WaitlistOffer]:
    """Offer every seat that is free (and not held by an open offer) to the earliest waitlisted registrations that
    keep every rule. Returns the new offers; the organisers are told (at once or in the digest)."""
    if _auto(meeting):
        return []
    now = now or utcnow()
    balance.lock_meeting(meeting)  # offers and decisions on one meeting are serialised
    regions = balance.region_map(meeting.region_scheme_id)
    policy, (counts, _held) = balance.build_policy(meeting), balance.counts_with_held_seats(meeting, regions)
    asked_before = set(db.session.scalars(select(WaitlistOffer.registration_id)
                                          .where(WaitlistOffer.meeting_id == meeting.id)))
    waiting = [r for r in _waitlisted(meeting) if r.id not in asked_before]
    hours, made = settings_for(meeting).offer_hours, []
    # Passes repeat, as balance's promotion does: an offer can make an earlier registration fit (the mix rule).
    while waiting and counts.total < policy.capacity:
        fits = next((r for r in waiting if _fits(policy, counts, r, regions)), None)
        if fits is None:
            break
        made.append(_make_offer(meeting, fits, _deadline(meeting, hours, now), now, actor=actor))
        counts = engine.apply(counts, balance.candidate_for(fits, regions))
        waiting.remove(fits)
    free_left = max(0, policy.capacity - counts.total)
    if made or (free_left and waiting):  # a seat nobody on the list fits is worth telling too
        _tell_organisers(meeting, made, free_left, now)
    return made


def _fits(policy, counts, registration: Registration, regions) -> bool:
    check = engine.check_approval(policy, counts, balance.candidate_for(registration, regions))
    return check.allowed and not balance.waits_for_note_verbale(registration)


def _make_offer(meeting: Meeting, registration: Registration, expires_at: datetime, now: datetime,
                *, actor) -> WaitlistOffer:
    token = secrets.token_urlsafe(32)
    offer = WaitlistOffer(meeting_id=meeting.id, registration=registration, token_hash=_hash(token),
                          offered_at=now, expires_at=expires_at)
    db.session.add(offer)
    db.session.flush()
    record("waitlist.offer", actor=actor, meeting=meeting, subject=registration, offer_id=offer.id)
    queue_message(registration.email, "waitlist_offer", language=registration.locale, kind="waitlist_offer",
                  meeting_id=meeting.id, recipient_name=registration.full_name, registration=registration,
                  meeting=meeting, offer_link=external_url("waitlist.offer", token=token),
                  link=external_url("registration.show", registration_id=registration.id),
                  deadline_text=moment_text(meeting, expires_at, registration.locale))
    return offer


def moment_text(meeting: Meeting, moment: datetime, locale: str) -> str:
    """A moment written out in the reader's language, in the meeting's time zone, with the zone named."""
    return moments.moment_text(moment, meeting.timezone, locale)


# --- answers ------------------------------------------------------------------------------------------------------

def is_open(offer: WaitlistOffer, now: datetime | None = None) -> bool:
    return offer.status == OfferStatus.open and (now or utcnow()) < offer.expires_at


def accept_offer(offer: WaitlistOffer, *, actor=None, now: datetime | None = None) -> str:
    """The person takes the seat: approved through balance's decision (the same rules, under the lock).

    Returns "accepted", "closed" (answered, withdrawn or expired before) or "no_longer_fits" (the rules changed
    meanwhile: the offer is withdrawn, the person stays on the waiting list, the next one is offered)."""
    now = now or utcnow()
    if offer.status == OfferStatus.open and now >= offer.expires_at:
        _expire(offer, now)
    if offer.status != OfferStatus.open:
        return "closed"
    offer.status, offer.answered_at = OfferStatus.accepted, now  # before the decision: its signal sees no open offer
    try:
        balance.decide(offer.registration, S.approved, actor=actor)
    except (balance.RuleViolation, balance.CapacityExceeded):
        offer.status = OfferStatus.withdrawn
        record("waitlist.offer_no_longer_fits", actor=actor, meeting=offer.meeting, subject=offer.registration,
               offer_id=offer.id)
        offer_free_seats(offer.meeting, actor=actor, now=now)
        return "no_longer_fits"
    record("waitlist.offer_accepted", actor=actor, meeting=offer.meeting, subject=offer.registration,
           offer_id=offer.id)
    return "accepted"


def decline_offer(offer: WaitlistOffer, *, actor=None, now: datetime | None = None) -> str:
    """The person does not take the seat: their registration is withdrawn (cancelled) and the next one offered."""
    now = now or utcnow()
    if offer.status == OfferStatus.open and now >= offer.expires_at:
        _expire(offer, now)
    if offer.status != OfferStatus.open:
        return "closed"
    offer.status, offer.answered_at = OfferStatus.declined, now
    record("waitlist.offer_declined", actor=actor, meeting=offer.meeting, subject=offer.registration,
           offer_id=offer.id)
    if offer.registration.status == S.waitlisted:
        change_status(offer.registration, S.cancelled, actor=actor)
    offer_free_seats(offer.meeting, actor=actor, now=now)
    return "declined"


def _expire(offer: WaitlistOffer, now: datetime) -> None:
    offer.status, offer.answered_at = OfferStatus.expired, now
    record("waitlist.offer_expired", meeting=offer.meeting, subject=offer.registration, offer_id=offer.id)
    registration = offer.registration
    queue_message(registration.email, "waitlist_offer_expired", language=registration.locale,
                  kind="waitlist_offer_expired", meeting_id=offer.meeting_id, recipient_name=registration.full_name,
                  registration=registration, meeting=offer.meeting,
                  link=external_url("registration.show", registration_id=registration.id))


def expire_due(now: datetime | None = None) -> int:
    """Close the offers whose deadline passed and offer their seats to the next; returns how many expired."""
    now = now or utcnow()
    due = list(db.session.scalars(select(WaitlistOffer).join(Meeting, Meeting.id == WaitlistOffer.meeting_id).where(
        Meeting.status != MeetingStatus.archived,  # an archived edition is read-only: its offers stay as they were
        WaitlistOffer.status == OfferStatus.open, WaitlistOffer.expires_at <= now).order_by(WaitlistOffer.id)))
    meetings = {}
    for offer in due:
        _expire(offer, now)
        meetings[offer.meeting_id] = offer.meeting
    for meeting in meetings.values():
        offer_free_seats(meeting, now=now)
    return len(due)


def withdraw_for(registration: Registration, new_status: RegistrationStatus) -> None:
    """The registration was decided otherwise while its offer was open: the offer ends; a seat it held that is
    now free (a decline or cancellation) goes to the next one."""
    offers = [o for o in open_offers(registration.meeting) if o.registration_id == registration.id]
    for offer in offers:
        offer.status, offer.answered_at = OfferStatus.withdrawn, utcnow()
    if offers and new_status in (S.declined, S.cancelled):
        offer_free_seats(registration.meeting)


# --- the organisers -----------------------------------------------------------------------------------------------

def organisers_of(meeting: Meeting) -> list[User]:
    return list(db.session.scalars(select(User).join(MeetingRole).where(
        MeetingRole.meeting_id == meeting.id, MeetingRole.role == MeetingRoleName.organiser).order_by(User.id)))


def _tell_organisers(meeting: Meeting, made: list[WaitlistOffer], free_left: int, now: datetime) -> None:
    """One notice per freed seat (mode "each"); in digest mode the day's digest tells it instead."""
    if settings_for(meeting).organiser_notice != NoticeMode.each:
        return
    for offer in made:
        offer.organisers_told_at = now
    for user in organisers_of(meeting):
        language = _organiser_language(user, meeting)
        queue_message(user.email, "waitlist_organiser_notice", language=language, kind="waitlist_notice",
                      meeting_id=meeting.id, recipient_name=user.name, user=user, meeting=meeting,
                      free_left=free_left, offers=[(o, moment_text(meeting, o.expires_at, language)) for o in made],
                      queue_link=external_url("waitlist.index", meeting_id=meeting.id))


def _organiser_language(user: User, meeting: Meeting) -> str:
    """Organisers read their notices in their own language (their account's), else in the meeting's."""
    return user.locale or meeting.default_language


def send_digests(now: datetime | None = None) -> int:
    """Once a day per meeting in digest mode: the offers made and answered since the last digest; returns how
    many digests were queued."""
    now = now or utcnow()
    rows = db.session.scalars(select(WaitlistSettings).where(WaitlistSettings.organiser_notice == NoticeMode.digest))
    sent = 0
    for row in rows:
        meeting = db.session.get(Meeting, row.meeting_id)
        if meeting is None or meeting.status == MeetingStatus.archived:  # gone (CASCADE), or read-only
            continue
        today = now.astimezone(meeting.tz).date()
        if row.last_digest_on == today:
            continue
        untold = list(db.session.scalars(select(WaitlistOffer).where(
            WaitlistOffer.meeting_id == meeting.id, WaitlistOffer.organisers_told_at.is_(None))
            .order_by(WaitlistOffer.id)))
        row.last_digest_on = today
        if not untold:
            continue
        for offer in untold:
            offer.organisers_told_at = now
        for user in organisers_of(meeting):
            language = _organiser_language(user, meeting)
            queue_message(user.email, "waitlist_digest", language=language, kind="waitlist_digest",
                          meeting_id=meeting.id, recipient_name=user.name, user=user, meeting=meeting,
                          offers=[(o, moment_text(meeting, o.expires_at, language)) for o in untold],
                          queue_link=external_url("waitlist.index", meeting_id=meeting.id))
        sent += 1
    return sent


def tick(now: datetime | None = None) -> dict[str, int]:
    """The periodic pass: expire offers past their deadline (offering the seats on), then send due digests."""
    return {"expired": expire_due(now), "digests": send_digests(now)}


# --- what other features announce ---------------------------------------------------------------------------------

@seats_held.connect
def _held_by_offers(meeting: Meeting, **_kwargs) -> list[Registration]:
    """A seat offered is a seat taken (for the next offer and for the suggestions) until the offer ends."""
    return [offer.registration for offer in open_offers(meeting)]


@seat_freed.connect
def _on_seat_freed(meeting: Meeting, *, actor=None, **_kwargs) -> list[Registration]:
    return [offer.registration for offer in offer_free_seats(meeting, actor=actor)]


@registration_status_changed.connect
def _on_status_changed(registration: Registration, *, new, **_kwargs) -> None:
    if new != S.waitlisted:
        withdraw_for(registration, new)
