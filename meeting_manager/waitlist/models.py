"""A seat offered to a waitlisted registration, with a deadline, and each meeting's offer settings."""
import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import utcnow


class OfferStatus(str, enum.Enum):
    open = "open"  #: mailed, waiting for the answer; the seat is held for them
    accepted = "accepted"
    declined = "declined"
    expired = "expired"  #: the deadline passed unanswered
    withdrawn = "withdrawn"  #: the registration was decided otherwise meanwhile (an organiser, a cancellation)


class NoticeMode(str, enum.Enum):
    each = "each"  #: one mail to the organisers per freed seat
    digest = "digest"  #: one mail a day with everything that happened


class WaitlistOffer(db.Model):
    __tablename__ = "waitlist_offers"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    #: sha256 of the link's secret: the link in the mail is the only way in, and the database cannot recreate it
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[OfferStatus] = mapped_column(default=OfferStatus.open, index=True)
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    #: when the organisers heard of it (at once, or in the day's digest); None: still to tell them
    organisers_told_at: Mapped[datetime | None]

    registration: Mapped["Registration"] = relationship()  # noqa: F821
    meeting: Mapped["Meeting"] = relationship()  # noqa: F821


class WaitlistSettings(db.Model):
    """A meeting's offer deadline and how its organisers hear of offers (absent row: the defaults)."""

    __tablename__ = "waitlist_settings"
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    offer_hours: Mapped[int] = mapped_column(default=72)
    organiser_notice: Mapped[NoticeMode] = mapped_column(default=NoticeMode.each)
    last_digest_on: Mapped[date | None]
