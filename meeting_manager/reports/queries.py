"""Rows for the reports, straight from SQL: one query per table, plain tuples/dicts out (no pandas here).

Attendance is an append-only log (checkin/models.py): a check-in counts unless a correction row voids it, and a
person's time on a list is their first such check-in.
"""
from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from ..agenda.models import Room, Session, SessionPerson, SessionSignup, SignupStatus
from ..checkin.models import Attendance, AttendanceKind
from ..delegations.models import Delegation
from ..extensions import db
from ..meetings.models import Category, Meeting
from ..registration.models import Registration, RegistrationStatus, VisaRequest

APPROVED = RegistrationStatus.approved

#: registration columns most reports need, in this order
PERSON_COLUMNS = ("id", "given_name", "family_name", "name_order", "passport_name", "latin_name", "badge_name",
                  "email", "gender", "represented_country",
                  "nationality", "organisation", "position", "category_code", "category_name", "delegation",
                  "dietary", "accessibility", "public_listing_consent", "status")


def people(meeting: Meeting, statuses=(APPROVED,)) -> list[dict]:
    """Registrations of the meeting with the given statuses, as dicts of PERSON_COLUMNS (in id order: reports sort
    them by names.sort_key, a collation SQL does not know)."""
    query = (
        select(Registration.id, Registration.given_name, Registration.family_name, Registration.name_order,
               Registration.passport_name, Registration.latin_name, Registration.badge_name, Registration.email,
               Registration.gender, Registration.represented_country, Registration.nationality,
               Registration.organisation, Registration.position, Category.code, Category.name, Delegation.name,
               Registration.dietary, Registration.accessibility, Registration.public_listing_consent,
               Registration.status)
        .outerjoin(Category, Registration.category_id == Category.id)
        .outerjoin(Delegation, Registration.delegation_id == Delegation.id)
        .where(Registration.meeting_id == meeting.id, Registration.status.in_(statuses))
        .order_by(Registration.id)
    )
    return [dict(zip(PERSON_COLUMNS, row, strict=True)) for row in db.session.execute(query)]


def first_check_ins(meeting: Meeting, *, day: date | None = None, session_id: int | None = None,
                    day_lists_only: bool = False) -> list[tuple]:
    """(registration id, day, session id or None, first check-in) for each list a person was checked in on.

    A check-in voided by a correction does not count; grouped in SQL so 20,000 rows never reach Python as objects.
    """
    correction = aliased(Attendance)
    voided = exists().where(correction.voids_id == Attendance.id)
    query = (
        select(Attendance.registration_id, Attendance.day, Attendance.session_id, func.min(Attendance.at))
        .where(Attendance.meeting_id == meeting.id, Attendance.kind == AttendanceKind.check_in, ~voided)
        .group_by(Attendance.registration_id, Attendance.day, Attendance.session_id)
    )
    if day is not None:
        query = query.where(Attendance.day == day)
    if session_id is not None:
        query = query.where(Attendance.session_id == session_id)
    elif day_lists_only:
        query = query.where(Attendance.session_id.is_(None))
    return db.session.execute(query).all()


def signups(meeting: Meeting, session_id: int | None = None) -> list[tuple]:
    """(session id, registration id) of every place taken in a session (not the waitlist, not cancelled)."""
    query = (select(SessionSignup.session_id, SessionSignup.registration_id).join(Session)
             .where(Session.meeting_id == meeting.id, SessionSignup.status == SignupStatus.signed_up))
    if session_id is not None:
        query = query.where(SessionSignup.session_id == session_id)
    return db.session.execute(query).all()


def sessions(meeting: Meeting) -> list[tuple]:
    """(id, title, starts_at, ends_at, room name, the title's other languages) of the meeting's sessions, in time
    order."""
    query = (
        select(Session.id, Session.title, Session.starts_at, Session.ends_at, Room.name, Session.title_i18n)
        .outerjoin(Room, Session.room_id == Room.id)
        .where(Session.meeting_id == meeting.id).order_by(Session.starts_at, Session.id)
    )
    return db.session.execute(query).all()


def speakers(meeting: Meeting) -> list[tuple]:
    """(name, role, session id, title, starts_at, ends_at, room, organisation, registration status or None for
    an outside speaker, the title's other languages) for everyone on a panel."""
    query = (
        select(func.coalesce(Registration.badge_name, SessionPerson.name), SessionPerson.role, Session.id,
               Session.title, Session.starts_at, Session.ends_at, Room.name,
               func.coalesce(Registration.organisation, SessionPerson.organisation), Registration.status,
               Session.title_i18n)
        .join(Session, SessionPerson.session_id == Session.id)
        .outerjoin(Registration, SessionPerson.registration_id == Registration.id)
        .outerjoin(Room, Session.room_id == Room.id)
        .where(Session.meeting_id == meeting.id)
        .order_by(Session.starts_at, Session.id, SessionPerson.position, SessionPerson.id)
    )
    return db.session.execute(query).all()


VISA_COLUMNS = ("given_name", "family_name", "name_order", "passport_name", "nationality", "passport_number",
                "passport_expiry", "date_of_birth", "place_of_birth", "status")


def visa_requests(meeting: Meeting) -> list[dict]:
    """Dicts of VISA_COLUMNS: approved and pending people who asked for a visa letter."""
    query = (
        select(Registration.given_name, Registration.family_name, Registration.name_order,
               Registration.passport_name, Registration.nationality,
               VisaRequest.passport_number, VisaRequest.passport_expiry, VisaRequest.date_of_birth,
               VisaRequest.place_of_birth, Registration.status)
        .join(VisaRequest, VisaRequest.registration_id == Registration.id)
        .where(Registration.meeting_id == meeting.id,
               Registration.status.in_((APPROVED, RegistrationStatus.pending)))
        .order_by(Registration.id)
    )
    return [dict(zip(VISA_COLUMNS, row, strict=True)) for row in db.session.execute(query)]


def attended_tally(meeting: Meeting) -> list[tuple]:
    """(country, gender, category code, counts?, n) of approved people checked in on at least one meeting day."""
    correction = aliased(Attendance)
    came = (
        select(Attendance.registration_id)
        .where(Attendance.meeting_id == meeting.id, Attendance.kind == AttendanceKind.check_in,
               Attendance.session_id.is_(None), ~exists().where(correction.voids_id == Attendance.id))
    )
    query = (
        select(Registration.represented_country, Registration.gender, Category.code,
               Category.counts_toward_balance, func.count())
        .outerjoin(Category, Registration.category_id == Category.id)
        .where(Registration.meeting_id == meeting.id, Registration.status == APPROVED, Registration.id.in_(came))
        .group_by(Registration.represented_country, Registration.gender, Category.code,
                  Category.counts_toward_balance)
    )
    return db.session.execute(query).all()
