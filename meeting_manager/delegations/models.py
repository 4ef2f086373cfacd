"""Delegations: a State, NGO, university or other body invited as one, with a focal point and seats."""
import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import TimestampMixin


class DelegationKind(str, enum.Enum):
    state = "state"
    ngo = "ngo"
    academic = "academic"
    international_org = "international_org"
    other = "other"


class Delegation(TimestampMixin, db.Model):
    __tablename__ = "delegations"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[DelegationKind]
    country_code: Mapped[str | None] = mapped_column(String(2))
    seats: Mapped[int]
    focal_point_name: Mapped[str] = mapped_column(String(200))
    focal_point_email: Mapped[str] = mapped_column(String(254))
    focal_point_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]
    #: path inside STORAGE_DIR, never under the web root
    note_verbale_path: Mapped[str | None] = mapped_column(String(300))
    note_verbale_uploaded_at: Mapped[datetime | None]
    note_verbale_verified_at: Mapped[datetime | None]
    #: how the focal point hears what happens to the delegation: "each" (a mail per event), "digest" (one a day)
    focal_notice: Mapped[str] = mapped_column(String(10), default="each")
    #: until when the focal point's digest has told them what happened (None: nothing sent yet)
    focal_digest_at: Mapped[datetime | None]
    #: why the organisers did not accept the note verbale ("" while not refused; cleared by a new upload)
    note_verbale_rejection: Mapped[str] = mapped_column(String(500), default="")
    note_verbale_verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    meeting: Mapped["Meeting"] = relationship()  # noqa: F821
    focal_point: Mapped["User | None"] = relationship(foreign_keys=[focal_point_user_id])  # noqa: F821
    registrations: Mapped[list["Registration"]] = relationship(back_populates="delegation")  # noqa: F821
    invitations: Mapped[list["Invitation"]] = relationship(back_populates="delegation")  # noqa: F821

    @property
    def is_state(self) -> bool:
        return self.kind == DelegationKind.state
