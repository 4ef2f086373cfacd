"""The API's input and output shapes (pydantic): they validate requests and they are the OpenAPI schemas."""
from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

Status = Literal["pending", "approved", "waitlisted", "declined", "cancelled"]
Gender = Literal["woman", "man", "another", "undisclosed"]
#: the largest id a row can have (a 32-bit integer): a bigger one names nothing, and overflows SQLite's driver
MAX_ID = 2**31 - 1


def _no_host_problem(url: str) -> str:
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        ok = False
    if not ok:
        raise ValueError("an http(s) address with a host name")
    return url


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PageQuery(_In):
    cursor: str | None = Field(None, max_length=40, description="`next_cursor` of the previous page")
    limit: int = Field(50, ge=1, le=200)


class MeetingOut(BaseModel):
    id: int
    title: str
    edition: int | None
    starts_on: date
    ends_on: date
    timezone: str
    venue: str
    city: str
    country_code: str | None
    capacity: int
    status: str
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None


class MeetingList(BaseModel):
    items: list[MeetingOut]


REGISTRATION_FIELDS = ("id", "status", "given_name", "family_name", "badge_name", "email", "gender", "nationality",
                       "residence_country", "represented_country", "organisation", "organisation_country",
                       "position", "category", "relation", "delegation_id", "invitation_id", "locale",
                       "submitted_at", "decided_at", "badge_payload")


class RegistrationOut(BaseModel):
    """A registration; with `fields=` only the named fields are present (and `id`, always)."""
    id: int
    status: Status | None = None
    given_name: str | None = None
    family_name: str | None = None
    badge_name: str | None = None
    email: str | None = None
    gender: Gender | None = None
    nationality: str | None = None
    residence_country: str | None = None
    represented_country: str | None = None
    organisation: str | None = None
    organisation_country: str | None = None
    position: str | None = None
    category: str | None = Field(None, description="the category's code")
    relation: str | None = None
    delegation_id: int | None = None
    invitation_id: int | None = None
    locale: str | None = None
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    badge_payload: str | None = Field(None, description="the text of the badge's QR code, for check-in devices")


class RegistrationQuery(PageQuery):
    status: Status | None = None
    delegation_id: int | None = Field(None, ge=1, le=MAX_ID)
    category: str | None = Field(None, max_length=40, description="a category code")
    represented_country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    submitted_since: datetime | None = None
    fields: str | None = Field(None, max_length=400, pattern=r"^[a-z_]+(,[a-z_]+)*$",
                               description="comma-separated field names: " + ", ".join(REGISTRATION_FIELDS))


class RegistrationPage(BaseModel):
    items: list[RegistrationOut]
    next_cursor: str | None


class Finding(BaseModel):
    """One rule as data (code and parameters, for programs) and as a sentence in the language the request's
    Accept-Language asks for (English when it asks for none of the six)."""
    rule: str
    code: str = Field(description="what it says, stable across releases: a decision's finding (e.g. cap.over, "
                      "reservation.short, delegation_mix.single_gender) or a balance summary's state "
                      "(summary.capacity.ok|full|over, summary.bound.ok|full|over|short)")
    params: dict[str, Any] = Field(description="the numbers and keys its sentence is made of (a finding: dimension, "
                                   "value, current, after, limit, ...; a summary: approved, min_seats, max_seats, "
                                   "seats_left, share)")
    state: Literal["holds", "warning", "violation", "ok", "full", "over", "short"]
    dimension: str | None
    value: str | None
    label: str | None = None
    approved: int | None = None
    min_seats: int | None = None
    max_seats: int | None = None
    seats_left: int | None = None
    share: float | None = None
    sentence: str = Field(description="the sentence, in the Accept-Language language")


class BalanceSummary(BaseModel):
    capacity: int
    approved: int
    seats_left: int
    bounds: list[Finding]


class DelegationOut(BaseModel):
    id: int
    name: str
    kind: str
    country_code: str | None
    seats: int
    seats_taken: int
    members: int
    confirmed_at: datetime | None


class DelegationList(BaseModel):
    items: list[DelegationOut]


class SessionOut(BaseModel):
    id: int
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    room: str | None
    capacity: int | None


class SessionList(BaseModel):
    items: list[SessionOut]


class AttendanceQuery(PageQuery):
    day: date | None = None
    session_id: int | None = Field(None, ge=1, le=MAX_ID)


class AttendanceOut(BaseModel):
    id: int
    registration_id: int
    kind: str
    day: date
    session_id: int | None
    at: datetime
    method: str


class AttendancePage(BaseModel):
    items: list[AttendanceOut]
    next_cursor: str | None


class InvitationIn(_In):
    email: str = Field(max_length=254)
    given_name: str = Field("", max_length=120)
    family_name: str = Field("", max_length=120)
    country: str = Field("", max_length=100, description="a country code or name, as in the spreadsheet upload")
    organisation: str = Field("", max_length=200)
    category: str = Field("", max_length=120, description="a category code or name")
    seats: int = Field(1, ge=1, le=10000)
    delegation: str = Field("", max_length=200, description="a delegation's name in this meeting")


class InvitationsIn(_In):
    invitations: list[InvitationIn] = Field(min_length=1, max_length=2000)
    lock_email: bool = True
    send: bool = Field(True, description="mail each person their invitation link")


class InvitationOut(BaseModel):
    id: int
    email: str
    status: str
    seats: int
    delegation_id: int | None
    expires_at: datetime


class InvitationList(BaseModel):
    items: list[InvitationOut]


class RegistrationIn(_In):
    invitation_id: int = Field(ge=1, le=MAX_ID, description="the invitation this registration answers")
    given_name: str = Field("", max_length=120)
    family_name: str = Field("", max_length=120)
    email: EmailStr | None = Field(None, description="defaults to the invitation's address")
    gender: Gender
    nationality: str = Field(pattern=r"^[A-Z]{2}$")
    residence_country: str = Field(pattern=r"^[A-Z]{2}$")
    organisation: str = Field("", max_length=200)
    organisation_country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    position: str = Field("", max_length=200)
    category: str | None = Field(None, max_length=40, description="a category code; the invitation's by default")
    locale: Literal["en", "fr", "es", "ar", "zh", "ru"] = "en"
    data_consent: Literal[True] = Field(description="the person consented to the processing of their data")


class DecisionIn(_In):
    outcome: Literal["approved", "waitlisted", "declined"]
    override_reason: str | None = Field(None, max_length=1000,
                                        description="needed to approve where a balance rule is broken")


class DecisionOut(BaseModel):
    registration: RegistrationOut
    findings: list[Finding]


class CheckInIn(_In):
    payload: str = Field(min_length=1, max_length=500, description="the text of the badge's QR code")
    session_id: int | None = Field(None, ge=1, le=MAX_ID)
    leaving: bool = False


class CheckInOut(BaseModel):
    registration_id: int
    attendance_id: int
    kind: str
    day: date
    session_id: int | None
    created: bool = Field(description="false when the person was already in: nothing was recorded")


class WebhookIn(_In):
    url: Annotated[str, AfterValidator(_no_host_problem)] = Field(min_length=8, max_length=500,
                                                                  pattern=r"^https?://[^\s]+$",
                                                                  description="http(s) address")
    events: list[Literal["registration.submitted", "registration.decided", "registration.cancelled",
                         "attendance.checked_in"]] = Field(min_length=1)


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[str]
    active: bool
    secret: str | None = Field(None, description="only in the answer that made the subscription")


class WebhookList(BaseModel):
    items: list[WebhookOut]


class DeliveryOut(BaseModel):
    id: int
    event: str
    event_id: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    response_status: int | None
    response_body: str
    last_error: str
    delivered_at: datetime | None
    created_at: datetime


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None
