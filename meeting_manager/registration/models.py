"""Registrations (one person's application to one meeting), their status history and sensitive extras."""
import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import TimestampMixin, utcnow
from ..names import NameOrder, Purpose, default_order, render_name
from ..privacy.sealing import Sealed


class RegistrationStatus(str, enum.Enum):
    pending = "pending"
    approved = "approved"
    waitlisted = "waitlisted"
    declined = "declined"
    cancelled = "cancelled"


class Gender(str, enum.Enum):
    woman = "woman"
    man = "man"
    another = "another"  #: another identity
    undisclosed = "undisclosed"  #: prefer not to say; shown apart, never guessed


class Relation(str, enum.Enum):
    """A participant's relation to the network, apart from the category."""

    member = "member"
    prospective = "prospective"
    guest = "guest"
    expert = "expert"


STATELESS = "stateless"  #: nationality value for stateless persons


def _default_name_order(context) -> NameOrder:
    """A row inserted without an order (CLI, imports, demo) gets the one its script or nationality suggests."""
    row = context.get_current_parameters()
    return default_order(row.get("given_name") or "", row.get("family_name") or "", row.get("nationality"))


class Registration(TimestampMixin, db.Model):
    __tablename__ = "registrations"
    # Balance counts group a meeting's registrations by status on every decision and every rule check: the index
    # covers every column they group on, so counting reads the index alone, never the rows.
    __table_args__ = (
        UniqueConstraint("meeting_id", "email"),
        Index("ix_registrations_balance", "meeting_id", "status", "category_id", "represented_country", "gender",
              "delegation_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id", ondelete="SET NULL"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(default=RegistrationStatus.pending, index=True)

    #: given name(s) and family name(s): either may be empty (mononyms), not both; rendered only by names.render_name
    given_name: Mapped[str] = mapped_column(String(120), default="")
    family_name: Mapped[str] = mapped_column(String(120), default="")
    #: title or honorific as the person writes it (H.E., Ambassador, Dr, Prof.): used by the formal salutation
    title: Mapped[str] = mapped_column(String(60), default="")
    #: the order the person writes their name in (asked on the form, defaulted from the script)
    name_order: Mapped[NameOrder] = mapped_column(default=_default_name_order)
    #: the name exactly as in the passport: the only name on visa letters and visa lists
    passport_name: Mapped[str] = mapped_column(String(200), default="")
    badge_name: Mapped[str] = mapped_column(String(200))
    #: optional Latin-script form, printed small under a name in another script (door staff who read only Latin)
    latin_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254))  #: lower-cased
    gender: Mapped[Gender]
    #: ISO 3166-1 alpha-2 of any country or territory, or "stateless"
    nationality: Mapped[str] = mapped_column(String(10))
    residence_country: Mapped[str] = mapped_column(String(2))
    #: the country counted for regional balance: the State of a State delegation, else the organisation's country
    represented_country: Mapped[str] = mapped_column(String(2), index=True)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    organisation_country: Mapped[str | None] = mapped_column(String(2))
    position: Mapped[str] = mapped_column(String(200), default="")
    relation: Mapped[Relation] = mapped_column(default=Relation.guest)
    dietary: Mapped[str] = mapped_column(String(500), default="")
    accessibility: Mapped[str] = mapped_column(String(500), default="")
    interpretation_language: Mapped[str | None] = mapped_column(String(2))
    locale: Mapped[str] = mapped_column(String(5), default="en")
    data_consent_at: Mapped[datetime]
    public_listing_consent: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    decided_at: Mapped[datetime | None]
    #: signed into the badge QR; random so that it says nothing about the person
    badge_token: Mapped[str] = mapped_column(String(64), unique=True)
    #: secret of the person's private calendar feed URL (None: no feed); replaced or cleared to revoke it
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: the visa letter's address line, as the organiser edited it ("" = the embassy of the meeting's country in
    #: the country of residence)
    visa_letter_address: Mapped[str] = mapped_column(String(300), default="")
    #: random key of the verification page an embassy opens from the letter's QR code (set with the first letter)
    visa_letter_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: random key of the form that created it, so that a double click or a resubmit creates one registration
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    meeting: Mapped["Meeting"] = relationship()  # noqa: F821
    user: Mapped["User | None"] = relationship()  # noqa: F821
    invitation: Mapped["Invitation | None"] = relationship()  # noqa: F821
    delegation: Mapped["Delegation | None"] = relationship(back_populates="registrations")  # noqa: F821
    category: Mapped["Category | None"] = relationship()  # noqa: F821
    visa_request: Mapped["VisaRequest | None"] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )
    travel: Mapped["TravelDetails | None"] = relationship(back_populates="registration", cascade="all, delete-orphan")
    history: Mapped[list["StatusChange"]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", order_by="StatusChange.at"
    )

    def name_for(self, purpose: Purpose | str) -> str:
        """The person's name for a purpose (badge, list, letter, salutation, latin): see names.render_name."""
        return render_name(self, purpose)

    @property
    def full_name(self) -> str:
        """The whole name in the person's order, as written (pages, agenda, messages); lists use Purpose.list."""
        return render_name(self, Purpose.salutation)


class StatusChange(db.Model):
    """Each status change, with who made it; for decisions also the rule check and any override reason."""

    __tablename__ = "status_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[RegistrationStatus | None]
    to_status: Mapped[RegistrationStatus]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    findings: Mapped[list] = mapped_column(default=list)
    override_reason: Mapped[str | None] = mapped_column(Text)
    registration: Mapped[Registration] = relationship(back_populates="history")
    actor: Mapped["User | None"] = relationship()  # noqa: F821


class VisaRequest(db.Model):
    """Passport and birth data for a visa letter: the most sensitive data here, kept apart, sealed at rest
    (meeting_manager.privacy.sealing) and shown sparingly."""

    __tablename__ = "visa_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), unique=True)
    passport_number: Mapped[str] = mapped_column(Sealed(str, 40))
    passport_expiry: Mapped[date] = mapped_column(Sealed(date))
    date_of_birth: Mapped[date] = mapped_column(Sealed(date))
    place_of_birth: Mapped[str] = mapped_column(Sealed(str, 120))
    registration: Mapped[Registration] = relationship(back_populates="visa_request")

    def __repr__(self) -> str:  # never print passport data, even in a debugger or a log line
        return f"<VisaRequest {self.id}>"


class TravelDetails(TimestampMixin, db.Model):
    __tablename__ = "travel_details"
    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), unique=True)
    arrival_at: Mapped[datetime | None]
    departure_at: Mapped[datetime | None]
    flight: Mapped[str] = mapped_column(String(60), default="")
    hotel: Mapped[str] = mapped_column(String(200), default="")
    registration: Mapped[Registration] = relationship(back_populates="travel")


class QuestionKind(str, enum.Enum):
    short_text = "short_text"
    long_text = "long_text"
    single_choice = "single_choice"
    multiple_choice = "multiple_choice"
    yes_no = "yes_no"
    date = "date"


class Question(db.Model):
    """A meeting's own question on the registration form, besides the built-in fields."""

    __tablename__ = "questions"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[QuestionKind]
    label: Mapped[str] = mapped_column(String(300))
    #: the label in the meeting's other languages ({language: text})
    label_i18n: Mapped[dict] = mapped_column(default=dict, server_default="{}")
    #: in the meeting's default language: these are the values answers store
    options: Mapped[list] = mapped_column(default=list)
    #: {language: [option, ...]} in the order of `options` (an empty entry falls back to the default language)
    options_i18n: Mapped[dict] = mapped_column(default=dict, server_default="{}")
    required: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    #: shown only if that question's answer equals `shown_if_value`
    shown_if_question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    shown_if_value: Mapped[str | None] = mapped_column(String(200))
    archived: Mapped[bool] = mapped_column(default=False)


class Answer(db.Model):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("registration_id", "question_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    #: the question's label when answered, so that later edits of the question keep answers readable
    question_label: Mapped[str] = mapped_column(String(300))
    value: Mapped[dict] = mapped_column(default=dict)  #: {"value": ...}
