"""Attendance (an append-only log of check-ins, check-outs and corrections) and badge collection at the desk."""
import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import utcnow


class AttendanceKind(str, enum.Enum):
    check_in = "check_in"
    check_out = "check_out"
    #: voids an earlier check-in or check-out (`voids_id`); nothing is ever edited or deleted
    correction = "correction"


class CheckInMethod(str, enum.Enum):
    scan = "scan"  #: the badge QR was scanned
    search = "search"  #: found by name or delegation at the desk
    manual = "manual"  #: corrections and imported lists


class Attendance(db.Model):
    """One event on one attendance list: the meeting-day list (no session) or a session's list.

    Rows are only ever added: the state of a person on a list is the last check-in or check-out that no
    correction voids. The ORM refuses updates and deletes (see the listeners below).
    """

    __tablename__ = "attendances"
    __table_args__ = (
        Index("ix_attendances_meeting_day_session", "meeting_id", "day", "session_id"),
        Index("ix_attendances_registration_day", "registration_id", "day"),
        CheckConstraint("(kind = 'correction') = (voids_id IS NOT NULL)", name="correction_voids_a_row"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    kind: Mapped[AttendanceKind]
    #: the meeting day of the list, in the meeting's time zone
    day: Mapped[date]
    #: the agenda session of a session list; NULL for the meeting-day list. No ON DELETE: a session with recorded
    #: attendance cannot be deleted on its own (deleting the whole meeting still cascades)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    method: Mapped[CheckInMethod]
    voids_id: Mapped[int | None] = mapped_column(ForeignKey("attendances.id", ondelete="CASCADE"), unique=True)
    #: why a correction was made (free text from staff; no personal data expected)
    reason: Mapped[str] = mapped_column(String(300), default="")

    registration: Mapped["Registration"] = relationship()  # noqa: F821
    by: Mapped["User | None"] = relationship()  # noqa: F821
    voids: Mapped["Attendance | None"] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Attendance {self.id} {self.kind.value}>"


class AttendanceIsAppendOnly(RuntimeError):
    """Raised when code tries to edit or delete an attendance row; add a correction instead."""


@event.listens_for(Attendance, "before_update")
def _refuse_update(mapper, connection, target):
    raise AttendanceIsAppendOnly("Attendance rows are never updated; add a correction row instead.")


@event.listens_for(Attendance, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise AttendanceIsAppendOnly("Attendance rows are never deleted; add a correction row instead.")


class BadgeCollection(db.Model):
    """A badge handed over at the desk after staff checked a photo ID (UN practice): who handed it, and when."""

    __tablename__ = "badge_collections"
    __table_args__ = (CheckConstraint("id_checked", name="photo_id_checked"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    collected_at: Mapped[datetime] = mapped_column(default=utcnow)
    handed_over_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: staff confirmed a photo ID matching the registration; a badge is never handed over without it
    id_checked: Mapped[bool]
    #: a second badge (lost or reprinted) handed over after an earlier one
    replacement: Mapped[bool] = mapped_column(default=False)

    registration: Mapped["Registration"] = relationship()  # noqa: F821
    handed_over_by: Mapped["User | None"] = relationship()  # noqa: F821


class ReplacedBadge(db.Model):
    """A badge token that was replaced (a lost badge): scanning it says when, and asks for an ID."""

    __tablename__ = "replaced_badges"
    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    registration: Mapped["Registration"] = relationship()  # noqa: F821


class OfflineOutcome(str, enum.Enum):
    recorded = "recorded"  #: the check-in became an attendance row
    already_in = "already_in"  #: another desk (or this one, online) had checked the person in first
    conflict = "conflict"  #: not recorded: staff must look (a registration declined while the desk was offline)


class OfflineKind(str, enum.Enum):
    check_in = "check_in"
    hand_over = "hand_over"  #: the badge handed over after a photo ID check


class OfflineCheckIn(db.Model):
    """A check-in made on a desk device while offline, as synced: the log of what each device sent.

    `client_id` is made on the device, so that a check-in sent twice (a sync cut off halfway, a double tap) is
    recorded once. `happened_at` is the device's clock when staff checked the person in; two desks that checked the
    same person in give one attendance and two rows here, each with its own time.
    """

    __tablename__ = "offline_check_ins"
    __table_args__ = (Index("ix_offline_check_ins_meeting_outcome", "meeting_id", "outcome"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    #: NULL when the device named a registration that does not exist (erased since the list was downloaded)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"),
                                                        index=True)
    #: a random id the device made for itself (no hardware identifier)
    device_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[OfflineKind] = mapped_column(default=OfflineKind.check_in)
    method: Mapped[CheckInMethod]
    happened_at: Mapped[datetime]
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)
    synced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[OfflineOutcome]
    #: why a conflict was not recorded, as a code (declined, cancelled, badge_replaced, not_a_meeting_day, ...)
    reason: Mapped[str] = mapped_column(String(40), default="")
    #: the attendance row it recorded, or the earlier check-in that already held
    attendance_id: Mapped[int | None] = mapped_column(ForeignKey("attendances.id", ondelete="SET NULL"))
    #: the badge collection a hand-over recorded, or the earlier one that already held
    badge_collection_id: Mapped[int | None] = mapped_column(ForeignKey("badge_collections.id", ondelete="SET NULL"))

    registration: Mapped["Registration | None"] = relationship()  # noqa: F821
    synced_by: Mapped["User | None"] = relationship()  # noqa: F821
    attendance: Mapped["Attendance | None"] = relationship()
    badge_collection: Mapped["BadgeCollection | None"] = relationship()
