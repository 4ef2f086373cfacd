"""The outbox: every message is stored before it is sent, so that none is lost."""
import enum
from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import utcnow


class MessageStatus(str, enum.Enum):
    queued = "queued"  #: waiting for its first or next attempt
    sending = "sending"  #: claimed by one deliverer; back to queued if it stays here too long (a crashed process)
    sent = "sent"
    failed = "failed"  #: gave up after the last retry, or the server refused the recipient for good
    held = "held"  #: no mail server configured: readable in the in-app outbox


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    #: shown beside the address in the To: header (any script); empty for a bare address
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text, default="")
    #: the Message-ID header, fixed when queued so that every attempt sends the same one (receivers can deduplicate)
    rfc_message_id: Mapped[str] = mapped_column(String(250), default="")
    status: Mapped[MessageStatus] = mapped_column(default=MessageStatus.queued, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: when a deliverer claimed it (status `sending`)
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    meeting_id: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(40), default="")  #: e.g. "invitation", "password_reset"
    #: the meeting's own From: name and Reply-To (empty: the installation's sender, no Reply-To)
    sender_name: Mapped[str] = mapped_column(String(120), default="")
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    #: what to attach, as recipes made into files when the message is built: [{"kind": "e_ticket", "id": 7}, ...]
    attachments: Mapped[list] = mapped_column(default=list)

    @property
    def can_retry(self) -> bool:
        return self.status in (MessageStatus.queued, MessageStatus.failed, MessageStatus.held)
