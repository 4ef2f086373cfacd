"""Requests for erasure: a participant asks, an admin erases (or refuses, with a reason the participant is told)."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import utcnow


class ErasureRequest(db.Model):
    __tablename__ = "erasure_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: set when an admin erased the data; the request then names no one (the account is gone)
    erased_at: Mapped[datetime | None]
    erased_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[dict] = mapped_column(default=dict)  #: {what: how many} erased, no personal data
    note: Mapped[str] = mapped_column(String(500), default="")
    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])  # noqa: F821
