"""Webhooks: an organiser subscribes a URL to a meeting's events; each delivery is stored before it is sent,
signed with the subscription's secret, retried with the mail's back-off, kept with its answer, and replayable.

Deliveries carry ids and statuses, never names: the receiver reads the person through the API with its token.
"""
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..audit.services import record
from ..errors import ValidationFailed
from ..extensions import db
from ..jobs.dispatch import run_after_commit, task
from ..mail.services import RETRY_DELAYS
from ..models_base import utcnow
from .models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription

TIMEOUT = 10  # seconds a receiver has to answer
STUCK_AFTER = timedelta(minutes=5)
KEPT_BODY = 2000  # characters of a receiver's answer kept for the organiser to read
SIGNATURE_HEADER = "Webhook-Signature"


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def subscribe(meeting, *, url: str, events: list[str], actor) -> WebhookSubscription:
    url = (url or "").strip()
    if not url.startswith(("http://", "https://")) or len(url) > 500 or not _host(url):
        raise ValidationFailed(_l("The address must start with http:// or https://."))
    known = {e.value for e in WebhookEvent}
    if not events or set(events) - known:
        raise ValidationFailed(_l("Choose at least one event."))
    subscription = WebhookSubscription(meeting_id=meeting.id, url=url, events=[e for e in known if e in events],
                                       secret=secrets.token_hex(32), created_by_id=getattr(actor, "id", None))
    subscription.events.sort()
    db.session.add(subscription)
    db.session.flush()
    record("webhook.subscribe", actor=actor, meeting=meeting, subject=subscription, events=subscription.events)
    return subscription


def subscriptions_of(meeting) -> list[WebhookSubscription]:
    return list(db.session.scalars(select(WebhookSubscription).where(WebhookSubscription.meeting_id == meeting.id)
                                   .order_by(WebhookSubscription.id)))


def subscription_of(meeting, subscription_id: int) -> WebhookSubscription | None:
    row = db.session.get(WebhookSubscription, subscription_id)
    return row if row is not None and row.meeting_id == meeting.id else None


def unsubscribe(subscription: WebhookSubscription, *, actor) -> None:
    record("webhook.unsubscribe", actor=actor, meeting=subscription.meeting, subject=subscription)
    db.session.delete(subscription)


def deliveries_of(subscription: WebhookSubscription, *, after: int | None = None, limit: int = 50):
    query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
    if after:
        query = query.where(WebhookDelivery.id < after)
    return list(db.session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)))


def delivery_of(subscription: WebhookSubscription, delivery_id: int) -> WebhookDelivery | None:
    row = db.session.get(WebhookDelivery, delivery_id)
    return row if row is not None and row.subscription_id == subscription.id else None


# --- making deliveries ----------------------------------------------------------------------------------------------

def announce(meeting_id: int, event: WebhookEvent, data: dict) -> int:
    """Store one delivery per subscription of the meeting to this event; they are sent after the commit."""
    subscriptions = [s for s in db.session.scalars(select(WebhookSubscription).where(
        WebhookSubscription.meeting_id == meeting_id, WebhookSubscription.active.is_(True)))
        if event.value in s.events]
    if not subscriptions:
        return 0
    event_id = str(uuid.uuid4())
    payload = {"id": event_id, "type": event.value, "created_at": utcnow().isoformat(), "meeting_id": meeting_id,
               "data": data}
    for subscription in subscriptions:
        db.session.add(WebhookDelivery(subscription_id=subscription.id, event=event.value, event_id=event_id,
                                       payload=payload))
    run_after_commit("api.webhooks")
    return len(subscriptions)


def replay(delivery: WebhookDelivery, *, actor) -> WebhookDelivery:
    """Send an event again as a new delivery (same event id, so a receiver that had it can tell)."""
    again = WebhookDelivery(subscription_id=delivery.subscription_id, event=delivery.event,
                            event_id=delivery.event_id, payload=delivery.payload)
    db.session.add(again)
    db.session.flush()
    record("webhook.replay", actor=actor, meeting=delivery.subscription.meeting, subject=again, replays=delivery.id)
    run_after_commit("api.webhooks")
    return again


# --- sending --------------------------------------------------------------------------------------------------------

def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes it and refuses old times."""
    digest = hmac.new(secret.encode(), b"%d." % timestamp + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _claim_due(limit: int) -> list[int]:
    """Claim due deliveries (a conditional update, so that two deliverers never send one twice)."""
    now = utcnow()
    db.session.execute(update(WebhookDelivery).where(WebhookDelivery.status == DeliveryStatus.sending,
                                                     WebhookDelivery.claimed_at < now - STUCK_AFTER)
                       .values(status=DeliveryStatus.queued, claimed_at=None))
    ids = list(db.session.scalars(select(WebhookDelivery.id).where(
        WebhookDelivery.status == DeliveryStatus.queued, WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.id).limit(limit)))
    claimed = []
    for delivery_id in ids:
        done = db.session.execute(update(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.status == DeliveryStatus.queued)
            .values(status=DeliveryStatus.sending, claimed_at=now))
        if done.rowcount:
            claimed.append(delivery_id)
    db.session.commit()
    return claimed


def _send(delivery: WebhookDelivery) -> None:
    body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(delivery.subscription.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "GlobalMeetingManager-Webhooks/1",
        "Webhook-Id": delivery.event_id, "Webhook-Event": delivery.event,
        SIGNATURE_HEADER: signature(delivery.subscription.secret, timestamp, body)})
    delivery.attempts += 1
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            delivery.response_status = response.status
            delivery.response_body = response.read(KEPT_BODY).decode("utf-8", "replace")
        delivery.status, delivery.delivered_at, delivery.last_error = DeliveryStatus.delivered, utcnow(), ""
    except urllib.error.HTTPError as error:
        delivery.response_status = error.code
        delivery.response_body = error.read(KEPT_BODY).decode("utf-8", "replace")
        _failed(delivery, f"HTTP {error.code}")
    except (OSError, ValueError) as error:  # refused, timed out, unreachable, bad address
        delivery.response_status, delivery.response_body = None, ""
        _failed(delivery, type(error).__name__ + ": " + str(error)[:300])
    delivery.claimed_at = None


def _failed(delivery: WebhookDelivery, error: str) -> None:
    delivery.last_error = error[:500]
    if delivery.attempts > len(RETRY_DELAYS):
        delivery.status = DeliveryStatus.failed
    else:
        delivery.status = DeliveryStatus.queued
        delivery.next_attempt_at = utcnow() + timedelta(minutes=RETRY_DELAYS[delivery.attempts - 1])


@task("api.webhooks")
def deliver_due(limit: int = 100) -> dict[str, int]:
    """Send the due deliveries; each is committed on its own, so that a crash loses at most one answer."""
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    for delivery_id in _claim_due(limit):
        delivery = db.session.get(WebhookDelivery, delivery_id)
        _send(delivery)
        counts["delivered" if delivery.status == DeliveryStatus.delivered else
               "failed" if delivery.status == DeliveryStatus.failed else "retry"] += 1
        db.session.commit()
    return counts
