"""API tokens, idempotent answers, webhook subscriptions and their deliveries."""
import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import TimestampMixin, utcnow

SCOPES = ("read", "decide", "checkin", "admin")


class ApiToken(TimestampMixin, db.Model):
    """A user's token for the API; only its hash is kept, the token is shown once when it is made."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the first characters, shown in the list so that a person can tell their tokens apart
    prefix: Mapped[str] = mapped_column(String(12))
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    user: Mapped["User"] = relationship()  # noqa: F821


class IdempotentAnswer(db.Model):
    """The answer given to a write with an Idempotency-Key: the same key gets it again, nothing is done twice."""

    __tablename__ = "api_idempotent_answers"
    __table_args__ = (UniqueConstraint("token_id", "key", name="uq_api_idempotent_answers_token_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    #: method, path and body digest: the same key with another request is refused, not answered wrongly
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int]
    body: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class WebhookEvent(str, enum.Enum):
    registration_submitted = "registration.submitted"
    registration_decided = "registration.decided"
    registration_cancelled = "registration.cancelled"
    checked_in = "attendance.checked_in"


class WebhookSubscription(TimestampMixin, db.Model):
    __tablename__ = "webhook_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list] = mapped_column(JSON, default=list)
    #: signs each delivery (HMAC-SHA256); shown to the organiser who made the subscription
    secret: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    meeting: Mapped["Meeting"] = relationship()  # noqa: F821
    deliveries: Mapped[list["WebhookDelivery"]] = relationship(back_populates="subscription",
                                                               cascade="all, delete-orphan")


class DeliveryStatus(str, enum.Enum):
    queued = "queued"
    sending = "sending"
    delivered = "delivered"
    failed = "failed"


class WebhookDelivery(db.Model):
    """One event for one subscription, stored before it is sent, retried with back-off like mail."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"),
                                                 index=True)
    event: Mapped[str] = mapped_column(String(40))
    #: the event's id, the same in every attempt and replay: receivers drop what they have seen
    event_id: Mapped[str] = mapped_column(String(40), index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[DeliveryStatus] = mapped_column(default=DeliveryStatus.queued, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_at: Mapped[datetime | None]
    response_status: Mapped[int | None]
    response_body: Mapped[str] = mapped_column(Text, default="")
    last_error: Mapped[str] = mapped_column(String(500), default="")
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    subscription: Mapped[WebhookSubscription] = relationship(back_populates="deliveries")
