"""A meeting's mail settings and the texts its organisers wrote in place of the default ones."""
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class MeetingMailSettings(db.Model):
    """How a meeting's mail looks and who it comes from (absent row: the installation's sender, default colour)."""

    __tablename__ = "meeting_mail_settings"
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    #: the From: display name ("Global Meeting 2026 Secretariat"); the address stays the installation's own, which
    #: its mail server is allowed to send for
    sender_name: Mapped[str] = mapped_column(String(120), default="")
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    #: the organisers' contact for the footer (a line or two: office, address, phone)
    contact: Mapped[str] = mapped_column(String(500), default="")
    colour: Mapped[str] = mapped_column(String(7), default="#1f5f8b")


class MailText(db.Model):
    """An organiser's own subject and body for one kind of message, in one language."""

    __tablename__ = "mail_texts"
    __table_args__ = (UniqueConstraint("meeting_id", "template", "locale"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    template: Mapped[str] = mapped_column(String(60))
    locale: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
