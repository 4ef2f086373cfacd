"""Invitations: single-use, expiring links for a person or a delegation's focal point."""
import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import TimestampMixin, utcnow
from ..names import Purpose, render_name


class InvitationStatus(str, enum.Enum):
    sent = "sent"
    opened = "opened"
    registered = "registered"
    declined = "declined"
    expired = "expired"
    revoked = "revoked"
    bounced = "bounced"


class Invitation(TimestampMixin, db.Model):
    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("meeting_id", "email"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id", ondelete="SET NULL"))
    is_focal_point: Mapped[bool] = mapped_column(default=False)
    email: Mapped[str] = mapped_column(String(254))  #: lower-cased
    given_name: Mapped[str] = mapped_column(String(120), default="")
    family_name: Mapped[str] = mapped_column(String(120), default="")
    country_code: Mapped[str | None] = mapped_column(String(2))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))
    seats: Mapped[int] = mapped_column(default=1)
    #: the registrant must use the invited address
    lock_email: Mapped[bool] = mapped_column(default=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[InvitationStatus] = mapped_column(default=InvitationStatus.sent)
    expires_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(default=0)
    last_reminded_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    meeting: Mapped["Meeting"] = relationship()  # noqa: F821
    delegation: Mapped["Delegation | None"] = relationship(back_populates="invitations")  # noqa: F821
    category: Mapped["Category | None"] = relationship()  # noqa: F821

    @property
    def full_name(self) -> str:
        """The invitee's whole name (order from the script: the invitation does not ask it)."""
        return render_name(self, Purpose.salutation)

    @property
    def is_unanswered(self) -> bool:
        """Sent or opened and not yet expired: the invitee may still answer (and may be reminded)."""
        return self.status in (InvitationStatus.sent, InvitationStatus.opened) and self.expires_at > utcnow()
