"""Meetings (one edition each) and the participant categories of a meeting."""
import enum
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import TimestampMixin, utcnow


class MeetingStatus(str, enum.Enum):
    draft = "draft"
    open = "open"
    closed = "closed"
    archived = "archived"


class RegistrationMode(str, enum.Enum):
    open = "open"  #: anyone may apply
    invitation_only = "invitation_only"


class Meeting(TimestampMixin, db.Model):
    __tablename__ = "meetings"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    edition: Mapped[int | None]
    description: Mapped[str] = mapped_column(Text, default="")
    #: the language `title` and `description` (and the meeting's sessions and questions) are written in; the
    #: other languages' texts are in the `*_i18n` columns ({language: text}), see meeting_manager/i18n_text.py
    default_language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    #: the languages content is entered in (None: all six)
    content_languages: Mapped[list | None]
    title_i18n: Mapped[dict] = mapped_column(default=dict, server_default="{}")
    description_i18n: Mapped[dict] = mapped_column(default=dict, server_default="{}")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    venue: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    country_code: Mapped[str | None] = mapped_column(String(2))
    capacity: Mapped[int]
    registration_opens_at: Mapped[datetime | None]
    registration_closes_at: Mapped[datetime | None]
    #: participants may edit their details until then (default: registration close)
    edit_deadline: Mapped[datetime | None]
    status: Mapped[MeetingStatus] = mapped_column(default=MeetingStatus.draft)
    registration_mode: Mapped[RegistrationMode] = mapped_column(default=RegistrationMode.invitation_only)
    region_scheme_id: Mapped[int | None] = mapped_column(ForeignKey("region_schemes.id"))
    #: the edition this one follows, for comparisons and copying the policy
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    require_verified_note_verbale: Mapped[bool] = mapped_column(default=False)
    logo_path: Mapped[str | None] = mapped_column(String(300))
    #: passport, visa, travel and free-text needs are erased this many days after the meeting (None: RETENTION_DAYS)
    retention_days: Mapped[int | None]
    #: every application without an invitation answers a CAPTCHA (else only from a busy network address)
    require_captcha: Mapped[bool] = mapped_column(default=False)
    #: who signs visa letters, with title and contact (an address, phone or email an embassy can use)
    visa_signatory_name: Mapped[str] = mapped_column(String(200), default="")
    visa_signatory_title: Mapped[str] = mapped_column(String(200), default="")
    visa_signatory_contact: Mapped[str] = mapped_column(String(300), default="")
    #: bumped by every balance decision: the UPDATE takes the meeting's row lock (PostgreSQL) or SQLite's single
    #: write lock, so that decisions on one meeting are serialised and can never together exceed a bound
    decision_seq: Mapped[int] = mapped_column(default=0)

    region_scheme: Mapped["RegionScheme | None"] = relationship()  # noqa: F821
    previous: Mapped["Meeting | None"] = relationship(remote_side=[id])
    categories: Mapped[list["Category"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Category.position"
    )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_past(self) -> bool:
        return self.ends_on < utcnow().astimezone(self.tz).date()

    @property
    def registration_opens_later(self) -> bool:
        return self.registration_opens_at is not None and utcnow() < self.registration_opens_at

    def registration_is_open(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return (
            self.status == MeetingStatus.open
            and (self.registration_opens_at is None or self.registration_opens_at <= now)
            and (self.registration_closes_at is None or now < self.registration_closes_at)
        )

    def __repr__(self) -> str:
        return f"<Meeting {self.id}>"


class Category(db.Model):
    """A kind of participant; `counts_toward_balance` says whether region and gender bounds count it."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("meeting_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    counts_toward_balance: Mapped[bool] = mapped_column(default=True)
    colour: Mapped[str] = mapped_column(String(7), default="#1f5f8b")  #: badge band colour
    position: Mapped[int] = mapped_column(default=0)
    meeting: Mapped[Meeting] = relationship(back_populates="categories")

    @property
    def label(self) -> str:
        """The name in the reader's language: a default category's is translated until an organiser renames it,
        a name an organiser wrote is shown as written."""
        english, translated = _default_category_names().get(self.code, (None, None))
        return translated if self.name == english else self.name


def _default_category_names() -> dict[str, tuple[str, str]]:
    """code -> (the name stored in English, the name in the reader's language) of DEFAULT_CATEGORIES."""
    said = {"state": _("State representative"), "civil_society": _("Civil society"), "academia": _("Academia"),
            "international_org": _("International organisation"), "expert": _("Expert / speaker"),
            "press": pgettext("participant category", "Press"), "staff": _("Organiser staff")}
    return {code: (name, said[code]) for code, name, _counts, _colour in DEFAULT_CATEGORIES}


DEFAULT_CATEGORIES = (
    # code, name, counts toward balance, badge colour
    ("state", "State representative", True, "#1f5f8b"),
    ("civil_society", "Civil society", True, "#2e7d32"),
    ("academia", "Academia", True, "#6a1b9a"),
    ("international_org", "International organisation", True, "#00838f"),
    ("expert", "Expert / speaker", True, "#ef6c00"),
    ("press", "Press", False, "#c62828"),
    ("staff", "Organiser staff", False, "#455a64"),
)
