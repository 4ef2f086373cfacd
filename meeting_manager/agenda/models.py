"""The agenda of a meeting: rooms, sessions, the people on a session's panel, and participants' sign-ups.

Times are stored as UTC instants; they are entered and shown in the meeting's time zone (see services).
"""
import enum
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import TimestampMixin, utcnow
from ..registration.models import Gender


class SessionKind(str, enum.Enum):
    plenary = "plenary"
    workshop = "workshop"
    side_event = "side_event"
    break_ = "break"  #: coffee or lunch; `break` is a Python keyword
    reception = "reception"

    @property
    def has_panel(self) -> bool:
        """Kinds with speakers on a stage (panel balance and speaker conflicts apply)."""
        return self in (SessionKind.plenary, SessionKind.workshop, SessionKind.side_event)

    @property
    def for_everyone(self) -> bool:
        """Kinds every participant attends without signing up (and that sit in everyone's own agenda)."""
        return self in (SessionKind.plenary, SessionKind.break_, SessionKind.reception)


class PersonRole(str, enum.Enum):
    speaker = "speaker"
    moderator = "moderator"
    rapporteur = "rapporteur"


class SignupStatus(str, enum.Enum):
    signed_up = "signed_up"
    waitlisted = "waitlisted"
    cancelled = "cancelled"


class Room(db.Model):
    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("meeting_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int | None]  #: seats; None when not known
    interpretation_booths: Mapped[int] = mapped_column(default=0)
    accessible: Mapped[bool] = mapped_column(default=True)  #: step-free access and space for wheelchairs
    equipment: Mapped[str] = mapped_column(String(500), default="")  #: e.g. "projector, hearing loop"
    position: Mapped[int] = mapped_column(default=0)  #: column order in the room-columns layout

    meeting: Mapped["Meeting"] = relationship()  # noqa: F821
    sessions: Mapped[list["Session"]] = relationship(back_populates="room")

    def __repr__(self) -> str:
        return f"<Room {self.id}>"


class Session(TimestampMixin, db.Model):
    """One agenda item in a room at a time."""

    __tablename__ = "sessions"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SessionKind] = mapped_column(default=SessionKind.workshop)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    #: the meeting's other languages ({language: text}); the columns above hold its default language
    title_i18n: Mapped[dict] = mapped_column(default=dict, server_default="{}")
    description_i18n: Mapped[dict] = mapped_column(default=dict, server_default="{}")
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="RESTRICT"), index=True)
    #: seats that participants can sign up for; None: no sign-up limit
    capacity: Mapped[int | None]
    #: ISO 639-1 codes of the floor languages
    languages: Mapped[list] = mapped_column(default=list)
    interpretation: Mapped[bool] = mapped_column(default=False)
    track: Mapped[str] = mapped_column(String(120), default="")
    #: who runs a side event (an organisation), shown on the agenda
    organiser_name: Mapped[str] = mapped_column(String(200), default="")
    published: Mapped[bool] = mapped_column(default=False)
    #: the `id` an imported file gave this session: importing that file again updates it instead of adding a copy
    import_key: Mapped[str | None] = mapped_column(String(80), index=True)

    meeting: Mapped["Meeting"] = relationship()  # noqa: F821
    room: Mapped[Room | None] = relationship(back_populates="sessions")
    people: Mapped[list["SessionPerson"]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionPerson.position"
    )
    signups: Mapped[list["SessionSignup"]] = relationship(back_populates="session", cascade="all, delete-orphan")

    def local_start(self, tz: ZoneInfo) -> datetime:
        return self.starts_at.astimezone(tz)

    def local_end(self, tz: ZoneInfo) -> datetime:
        return self.ends_at.astimezone(tz)

    def local_day(self, tz: ZoneInfo) -> date:
        return self.starts_at.astimezone(tz).date()

    def overlaps(self, other: "Session") -> bool:
        """Touching sessions (one ends as the next starts) do not overlap."""
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at

    def __repr__(self) -> str:
        return f"<Session {self.id}>"


class SessionPerson(db.Model):
    """A speaker, moderator or rapporteur: a registered participant, or an outside person named here."""

    __tablename__ = "session_people"
    __table_args__ = (
        CheckConstraint("registration_id IS NOT NULL OR name <> ''", name="registration_or_name"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    role: Mapped[PersonRole] = mapped_column(default=PersonRole.speaker)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    #: outside people only (registered ones are described by their registration)
    name: Mapped[str] = mapped_column(String(200), default="")
    gender: Mapped[Gender | None]
    country: Mapped[str | None] = mapped_column(String(10))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)

    session: Mapped[Session] = relationship(back_populates="people")
    registration: Mapped["Registration | None"] = relationship()  # noqa: F821

    @property
    def display_name(self) -> str:
        return self.registration.full_name if self.registration else self.name

    @property
    def person_gender(self) -> Gender | None:
        return self.registration.gender if self.registration else self.gender

    @property
    def person_country(self) -> str | None:
        """The country counted for regional balance: the registration's represented country."""
        return self.registration.represented_country if self.registration else self.country

    @property
    def person_key(self) -> str:
        """Identifies one human across sessions (outside people by their name, case- and space-folded)."""
        if self.registration_id:
            return f"r{self.registration_id}"
        return "n" + " ".join(self.name.casefold().split())

    def __repr__(self) -> str:
        return f"<SessionPerson {self.id}>"


class SessionSignup(TimestampMixin, db.Model):
    """A participant's place (or place in the queue) in a session; `created_at` orders the waitlist."""

    __tablename__ = "session_signups"
    __table_args__ = (UniqueConstraint("session_id", "registration_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    status: Mapped[SignupStatus] = mapped_column(default=SignupStatus.signed_up)
    #: when the current request was made (reset when someone signs up again after cancelling)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[Session] = relationship(back_populates="signups")
    registration: Mapped["Registration"] = relationship()  # noqa: F821
