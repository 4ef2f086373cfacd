"""The outbox: every message is stored before it is sent, so that none is lost."""
import enum
from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import utcnow


class MessageStatus(str, enum.Enum):
    queued = "queued"  #: waiting for its first or next attempt
    sent = "sent"
    failed = "failed"  #: gave up after the last retry
    held = "held"  #: no mail server configured: readable in the in-app outbox


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[MessageStatus] = mapped_column(default=MessageStatus.queued, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    meeting_id: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(40), default="")  #: e.g. "invitation", "password_reset"
