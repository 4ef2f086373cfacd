"""Read endpoints: meetings, registrations, the balance summary, delegations, sessions and attendance."""
from datetime import UTC

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ..accounts.models import MeetingRole
from ..agenda.services import list_sessions
from ..balance.dashboard import build_dashboard
from ..checkin.models import Attendance
from ..checkin.services import badge_payload
from ..delegations.services import list_delegations, list_members, seats_held
from ..extensions import db
from ..meetings.models import Category, Meeting
from ..registration.models import Registration, RegistrationStatus
from . import schemas as s
from .blueprint import v1
from .edge import ORGANISER_ROLES, STAFF_ROLES, acts_as_admin, endpoint
from .pages import chosen_fields, page_of
from .problems import Problem


def meeting_out(meeting: Meeting) -> s.MeetingOut:
    return s.MeetingOut.model_validate(
        {name: getattr(meeting, name) for name in s.MeetingOut.model_fields} | {"status": meeting.status.value})


@endpoint(v1, "GET", "/meetings", summary="The meetings the token's owner has a role in", scope="read",
          response=s.MeetingList)
def list_meetings(token, _meeting, _query, _body):
    query = select(Meeting).order_by(Meeting.starts_on.desc(), Meeting.id)
    if not acts_as_admin(token):
        query = query.where(Meeting.id.in_(select(MeetingRole.meeting_id).where(MeetingRole.user_id == token.user_id)))
    return s.MeetingList(items=[meeting_out(m) for m in db.session.scalars(query)])


@endpoint(v1, "GET", "/meetings/<int:meeting_id>", summary="One meeting", scope="read", roles=STAFF_ROLES,
          response=s.MeetingOut)
def get_meeting(_token, meeting, _query, _body):
    return meeting_out(meeting)


def registration_out(registration: Registration, fields: set[str] | None = None) -> dict:
    values = {name: getattr(registration, name) for name in s.REGISTRATION_FIELDS
              if name not in ("category", "badge_payload") and (fields is None or name in fields)}
    for name in ("status", "gender", "relation"):
        if name in values:
            values[name] = values[name].value
    if fields is None or "category" in fields:
        values["category"] = registration.category.code if registration.category else None
    if fields is None or "badge_payload" in fields:
        values["badge_payload"] = (badge_payload(registration)
                                   if registration.status == RegistrationStatus.approved else None)
    return s.RegistrationOut.model_validate(values).model_dump(mode="json", include=fields)


@endpoint(v1, "GET", "/meetings/<int:meeting_id>/registrations", summary="Registrations, filtered, a page at a time",
          scope="read", roles=STAFF_ROLES, query=s.RegistrationQuery, response=s.RegistrationPage,
          tag="registrations")
def list_registrations(_token, meeting, query: s.RegistrationQuery, _body):
    fields = chosen_fields(query.fields, s.REGISTRATION_FIELDS)
    statement = select(Registration).where(Registration.meeting_id == meeting.id)
    if query.status:
        statement = statement.where(Registration.status == RegistrationStatus(query.status))
    if query.delegation_id:
        statement = statement.where(Registration.delegation_id == query.delegation_id)
    if query.represented_country:
        statement = statement.where(Registration.represented_country == query.represented_country)
    if query.category:
        statement = statement.join(Category, Registration.category_id == Category.id).where(
            Category.code == query.category)
    if query.submitted_since:
        statement = statement.where(Registration.submitted_at >= as_utc(query.submitted_since, "submitted_since"))
    rows, cursor = page_of(statement, Registration.id, query, db.session)
    return {"items": [registration_out(r, fields) for r in rows], "next_cursor": cursor}


def as_utc(moment, field: str):
    """A time in UTC; one without an offset is taken as UTC."""
    try:
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError:
        raise Problem(422, _("This time is out of range."), kind="validation",
                      errors=[{"field": field, "in": "query", "detail": "out of range"}]) from None


def meeting_registration(meeting: Meeting, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.meeting_id != meeting.id:
        raise Problem(404, _("No such registration in this meeting."), kind="not-found")
    return registration


@endpoint(v1, "GET", "/meetings/<int:meeting_id>/registrations/<int:registration_id>", summary="One registration",
          scope="read", roles=STAFF_ROLES, response=s.RegistrationOut, tag="registrations")
def get_registration(_token, meeting, _query, _body, registration_id: int):
    return registration_out(meeting_registration(meeting, registration_id))


def bound_sentence(row: dict) -> str:
    """A bound's state as a sentence in the reader's language; the code and params beside it are what programs
    read."""
    values = {"group": row["label"], "approved": row["approved"], "left": row["headroom"]}
    if row["state"] == "over":
        return ngettext("%(group)s is at %(approved)d of at most %(num)d seat: over its cap.",
                        "%(group)s is at %(approved)d of at most %(num)d seats: over its cap.", row["max"], **values)
    if row["state"] == "full":
        return ngettext("%(group)s is at %(approved)d of at most %(num)d seat: full.",
                        "%(group)s is at %(approved)d of at most %(num)d seats: full.", row["max"], **values)
    if row["state"] == "short":
        return ngettext("%(group)s has %(approved)d of the %(num)d seat reserved for it.",
                        "%(group)s has %(approved)d of the %(num)d seats reserved for it.", row["min"], **values)
    if row["max"] is not None:
        return ngettext("%(group)s is at %(approved)d of at most %(num)d seat; %(left)d more can be approved.",
                        "%(group)s is at %(approved)d of at most %(num)d seats; %(left)d more can be approved.",
                        row["max"], **values)
    return ngettext("%(group)s has %(num)d seat, its minimum of %(min)d is met.",
                    "%(group)s has %(num)d seats, its minimum of %(min)d is met.", row["approved"],
                    group=row["label"], min=row["min"] or 0)


def capacity_sentence(approved: int, capacity: int, left: int) -> str:
    return ngettext("%(approved)d of %(num)d seat is taken; %(left)d is free.",
                    "%(approved)d of %(num)d seats are taken; %(left)d are free.", capacity, approved=approved,
                    left=left)


@endpoint(v1, "GET", "/meetings/<int:meeting_id>/balance", summary="Every balance bound with its state, as codes "
          "with params and as sentences in the Accept-Language language", scope="read", roles=ORGANISER_ROLES,
          response=s.BalanceSummary, tag="balance")
def balance_summary(_token, meeting, _query, _body):
    board = build_dashboard(meeting)
    bounds = []
    for row in board.bounds:
        params = {"dimension": row["dimension"], "value": row["value"], "approved": row["approved"],
                  "min_seats": row["min"], "max_seats": row["max"], "seats_left": row["headroom"],
                  "share": row["share"]}
        bounds.append(s.Finding(rule="cap" if row["max"] is not None else "reservation", code=f"summary.bound."
                                f"{row['state']}", params=params, state=row["state"], dimension=row["dimension"],
                                value=row["value"], label=row["label"], approved=row["approved"],
                                min_seats=row["min"], max_seats=row["max"], seats_left=row["headroom"],
                                share=row["share"], sentence=bound_sentence(row)))
    left = max(0, board.capacity - board.approved_total)
    state = "over" if board.approved_total > board.capacity else "full" if left == 0 else "ok"
    capacity = s.Finding(rule="capacity", code=f"summary.capacity.{state}", state=state, dimension=None, value=None,
                         params={"approved": board.approved_total, "max_seats": board.capacity, "seats_left": left},
                         approved=board.approved_total, max_seats=board.capacity, seats_left=left,
                         sentence=capacity_sentence(board.approved_total, board.capacity, left))
    return s.BalanceSummary(capacity=board.capacity, approved=board.approved_total, seats_left=left,
                            bounds=[capacity, *bounds])


@endpoint(v1, "GET", "/meetings/<int:meeting_id>/delegations", summary="Delegations with their seats",
          scope="read", roles=ORGANISER_ROLES, response=s.DelegationList, tag="delegations")
def delegations(_token, meeting, _query, _body):
    items = []
    for delegation in list_delegations(meeting):
        members = list_members(delegation)
        items.append(s.DelegationOut(id=delegation.id, name=delegation.name, kind=delegation.kind.value,
                                     country_code=delegation.country_code, seats=delegation.seats,
                                     seats_taken=seats_held(members), members=len(members),
                                     confirmed_at=delegation.confirmed_at))
    return s.DelegationList(items=items)


@endpoint(v1, "GET", "/meetings/<int:meeting_id>/sessions", summary="The agenda's sessions", scope="read",
          roles=STAFF_ROLES, response=s.SessionList, tag="agenda")
def sessions(_token, meeting, _query, _body):
    return s.SessionList(items=[
        s.SessionOut(id=x.id, kind=x.kind.value, title=x.title, starts_at=x.starts_at, ends_at=x.ends_at,
                     room=x.room.name if x.room else None, capacity=x.capacity) for x in list_sessions(meeting)])


@endpoint(v1, "GET", "/meetings/<int:meeting_id>/attendance", summary="Check-ins and check-outs, a page at a time",
          scope="read", roles=STAFF_ROLES, query=s.AttendanceQuery, response=s.AttendancePage, tag="check-in")
def attendance(_token, meeting, query: s.AttendanceQuery, _body):
    statement = select(Attendance).where(Attendance.meeting_id == meeting.id)
    if query.day:
        statement = statement.where(Attendance.day == query.day)
    if query.session_id:
        statement = statement.where(Attendance.session_id == query.session_id)
    rows, cursor = page_of(statement, Attendance.id, query, db.session)
    return s.AttendancePage(next_cursor=cursor, items=[
        s.AttendanceOut(id=r.id, registration_id=r.registration_id, kind=r.kind.value, day=r.day,
                        session_id=r.session_id, at=r.at, method=r.method.value) for r in rows])
