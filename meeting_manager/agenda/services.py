"""Agenda services: rooms, sessions and their people, publishing, and participants' sign-ups with a waitlist.

Times come in as wall-clock times in the meeting's zone and are stored as UTC instants. Saving a session refuses
hard errors (ValidationFailed, nothing changed) and returns the conflicts it now has as warnings (see checks.py).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import groupby

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..audit.services import record
from ..errors import DomainError, NotAllowed, ValidationFailed
from ..extensions import db
from ..i18n_text import change_default_language, set_texts, texts_of
from ..languages import moments
from ..mail.services import queue_message
from ..meetings.models import Meeting, MeetingStatus
from ..meetings.services import to_local, to_utc
from ..models_base import utcnow
from ..reference.services import iso_countries
from ..registration.models import Gender, Registration, RegistrationStatus
from ..signals import deleting_session, session_moved
from ..tokens import hash_token, link_for, new_token
from .checks import Finding, agenda_findings
from .models import PersonRole, Room, Session, SessionKind, SessionPerson, SessionSignup, SignupStatus

# --- input shapes shared by the form, the import and (later) the API ---------------------------------------

@dataclass
class PersonInput:
    role: PersonRole = PersonRole.speaker
    email: str = ""  #: a registered participant of this meeting
    name: str = ""  #: or an outside person
    gender: Gender | None = None
    country: str = ""
    organisation: str = ""


@dataclass
class SessionInput:
    """A session as typed: day and times are wall-clock times in the meeting's zone."""

    title: str
    day: date
    start: time
    end: time
    kind: SessionKind = SessionKind.workshop
    room_id: int | None = None
    description: str = ""
    capacity: int | None = None
    languages: list[str] = field(default_factory=list)
    interpretation: bool = False
    track: str = ""
    organiser_name: str = ""
    published: bool = False
    people: list[PersonInput] = field(default_factory=list)
    #: the other languages' texts: {"title": {language: text}, "description": {...}} (None: keep those stored)
    translations: dict[str, dict[str, str]] | None = None


# --- reading -----------------------------------------------------------------------------------------------

def list_rooms(meeting: Meeting) -> list[Room]:
    return list(db.session.scalars(
        select(Room).where(Room.meeting_id == meeting.id).order_by(Room.position, Room.name)))


def list_sessions(meeting: Meeting, *, published_only: bool = False) -> list[Session]:
    """The meeting's sessions in time order, with rooms and people loaded."""
    query = (
        select(Session).where(Session.meeting_id == meeting.id)
        .options(selectinload(Session.room),
                 selectinload(Session.people).selectinload(SessionPerson.registration))
        .order_by(Session.starts_at, Session.ends_at, Session.id)
    )
    if published_only:
        query = query.where(Session.published.is_(True))
    return list(db.session.scalars(query))


def get_session(meeting: Meeting, session_id: int, *, published_only: bool = False) -> Session | None:
    session = db.session.get(Session, session_id)
    if session is None or session.meeting_id != meeting.id or (published_only and not session.published):
        return None
    return session


def by_day(meeting: Meeting, sessions: list[Session]) -> list[tuple[date, list[Session]]]:
    """Sessions grouped by their local day in the meeting's zone, in order."""
    tz = meeting.tz
    return [(day, list(group)) for day, group in groupby(sessions, key=lambda s: s.local_day(tz))]


def list_tracks(sessions: list[Session]) -> list[str]:
    return sorted({s.track for s in sessions if s.track}, key=str.casefold)


def is_public(meeting: Meeting) -> bool:
    """A meeting's agenda is public once the meeting is out of draft."""
    return meeting.status != MeetingStatus.draft


def session_form_data(meeting: Meeting, session: Session) -> dict:
    """The session's values as the form shows them (times in the meeting's zone)."""
    start, end = to_local(session.starts_at, meeting.timezone), to_local(session.ends_at, meeting.timezone)
    language = meeting.default_language
    return dict(
        kind=session.kind.value, title=texts_of(session, "title", language),
        description=texts_of(session, "description", language), day=start.date(),
        starts=start.time(), ends=end.time(), room_id=session.room_id or 0, capacity=session.capacity,
        languages=list(session.languages or []), interpretation=session.interpretation, track=session.track,
        organiser_name=session.organiser_name, published=session.published,
        people=[dict(role=p.role.value, email=p.registration.email if p.registration else "", outside_name=p.name,
                     gender=p.gender.value if p.gender else "", country=p.country or "",
                     organisation=p.organisation) for p in session.people],
    )


# --- rooms -------------------------------------------------------------------------------------------------

def _check_room_name(meeting: Meeting, name: str, room: Room | None) -> None:
    clash = db.session.scalar(select(Room.id).where(
        Room.meeting_id == meeting.id, func.lower(Room.name) == name.strip().lower(),
        Room.id != getattr(room, "id", 0)))
    if clash:
        raise ValidationFailed(_("There is already a room called “%(name)s”.", name=name.strip()))


def save_room(meeting: Meeting, data: dict, *, room: Room | None = None, actor) -> Room:
    """Create a room, or update `room`, with name, capacity, booths, access and equipment."""
    _check_room_name(meeting, data["name"], room)
    room = room or Room(meeting_id=meeting.id)
    room.name = data["name"].strip()
    room.capacity = data.get("capacity")
    room.interpretation_booths = data.get("interpretation_booths") or 0
    room.accessible = bool(data.get("accessible"))
    room.equipment = (data.get("equipment") or "").strip()
    room.position = data.get("position") or 0
    db.session.add(room)
    db.session.flush()
    record("agenda.room_save", actor=actor, meeting=meeting, subject=room)
    return room


def delete_room(meeting: Meeting, room: Room, *, actor) -> None:
    """Delete a room that no session uses (moving sessions is the organiser's choice, not ours)."""
    used = db.session.scalar(select(func.count(Session.id)).where(Session.room_id == room.id))
    if used:
        raise DomainError(ngettext("“%(name)s” still has %(num)d session. Move it to another room first.",
                                   "“%(name)s” still has %(num)d sessions. Move them to another room first.",
                                   used, name=room.name))
    record("agenda.room_delete", actor=actor, meeting=meeting, subject=room)
    db.session.delete(room)


# --- sessions ----------------------------------------------------------------------------------------------

def local_instant(meeting: Meeting, day: date, at: time) -> tuple[datetime, bool]:
    """(UTC instant, exists) of a wall-clock time on a day in the meeting's zone.

    A time skipped when clocks go forward (02:30 on a spring-forward night) does not exist; it would silently
    move an hour, so callers refuse it.
    """
    local = datetime.combine(day, at)
    instant = to_utc(local, meeting.timezone)
    return instant, to_local(instant, meeting.timezone) == local


def registrations_by_email(meeting: Meeting, emails: set[str]) -> dict[str, Registration]:
    if not emails:
        return {}
    rows = db.session.scalars(select(Registration).where(
        Registration.meeting_id == meeting.id, Registration.email.in_(sorted(emails))))
    return {r.email: r for r in rows}


def check_session_input(meeting: Meeting, data: SessionInput, *, rooms: dict[int, Room] | None = None,
                        registrations: dict[str, Registration] | None = None) -> list[str]:
    """The hard errors of a session as typed, each a sentence; an empty list means it can be saved."""
    problems = []
    if not data.title.strip():
        problems.append(_("The title is empty."))
    starts_at, start_ok = local_instant(meeting, data.day, data.start)
    ends_at, end_ok = local_instant(meeting, data.day, data.end)
    for ok, at in ((start_ok, data.start), (end_ok, data.end)):
        if not ok:
            problems.append(_("%(time)s does not exist on %(day)s in %(tz)s (the clocks change that night).",
                              time=at.strftime("%H:%M"), day=data.day.isoformat(), tz=meeting.timezone))
    if ends_at <= starts_at:
        problems.append(_("The session ends (%(end)s) before it starts (%(start)s).",
                          end=data.end.strftime("%H:%M"), start=data.start.strftime("%H:%M")))
    if rooms is None:
        rooms = {r.id: r for r in list_rooms(meeting)}
    if data.room_id is not None and data.room_id not in rooms:
        problems.append(_("The room chosen does not exist in this meeting."))
    if data.capacity is not None and data.capacity < 1:
        problems.append(_("Places for sign-up must be at least 1, or empty for no limit."))
    problems += _check_people(meeting, data.people, registrations)
    return problems


def _check_people(meeting: Meeting, people: list[PersonInput], registrations) -> list[str]:
    emails = {p.email.strip().lower() for p in people if p.email.strip()}
    if registrations is None:
        registrations = registrations_by_email(meeting, emails)
    countries, problems = iso_countries(), []
    for number, person in enumerate(people, start=1):
        email = person.email.strip().lower()
        if email and email not in registrations:
            problems.append(_("Person %(n)s: nobody is registered for this meeting with the email %(email)s.",
                              n=number, email=email))
        elif not email and not person.name.strip():
            problems.append(_("Person %(n)s: give a participant's email or an outside person's name.", n=number))
        elif not email and person.country and person.country.upper() not in countries:
            problems.append(_("Person %(n)s: unknown country code “%(code)s”.", n=number, code=person.country))
    return problems


def _apply(meeting: Meeting, session: Session, data: SessionInput, registrations: dict[str, Registration]):
    language = meeting.default_language
    for name, text in (("title", data.title), ("description", data.description)):
        set_texts(session, name, {language: text, **(data.translations or {}).get(name, {})},
                  column_language=language, default_language=language)
    session.kind = data.kind
    session.starts_at = local_instant(meeting, data.day, data.start)[0]
    session.ends_at = local_instant(meeting, data.day, data.end)[0]
    session.room_id, session.capacity = data.room_id, data.capacity
    session.languages, session.interpretation = list(data.languages), data.interpretation
    session.track, session.organiser_name = data.track.strip(), data.organiser_name.strip()
    session.published = data.published
    session.people = [_person(p, registrations, position) for position, p in enumerate(data.people)]


def _person(data: PersonInput, registrations: dict[str, Registration], position: int) -> SessionPerson:
    email = data.email.strip().lower()
    if email:
        return SessionPerson(role=data.role, registration=registrations[email], position=position)
    return SessionPerson(role=data.role, name=data.name.strip(), gender=data.gender,
                         country=(data.country or "").upper() or None, organisation=data.organisation.strip(),
                         position=position)


def save_session(meeting: Meeting, data: SessionInput, *, session: Session | None = None, actor,
                 with_findings: bool = True) -> tuple[Session, list[Finding]]:
    """Create or update a session; refuse hard errors, return the conflicts it is now part of as warnings.

    Bulk callers (the import) pass `with_findings=False` and check the agenda once at the end.
    """
    registrations = registrations_by_email(meeting, {p.email.strip().lower() for p in data.people if p.email})
    problems = check_session_input(meeting, data, registrations=registrations)
    if problems:
        raise ValidationFailed(_("The session was not saved."), problems=problems)
    creating = session is None
    session = session or Session(meeting_id=meeting.id)
    before = _placing(session)
    _apply(meeting, session, data, registrations)
    db.session.add(session)
    db.session.flush()
    if not creating and _placing(session) != before:
        session_moved.send(session, old_starts_at=before[0], old_ends_at=before[1], actor=actor)
    record("agenda.session_create" if creating else "agenda.session_update", actor=actor, meeting=meeting,
           subject=session, people=len(session.people))
    return session, findings_for(meeting, session) if with_findings else []


def follow_default_language(meeting: Meeting, old: str, new: str) -> None:
    """The meeting's default language changed: each session's columns take the new default's text, if it has one."""
    for session in db.session.scalars(select(Session).where(Session.meeting_id == meeting.id)):
        for name in ("title", "description"):
            change_default_language(session, name, old, new)


def _placing(session: Session) -> tuple:
    """When, where and for how many a session is: what its sign-ups depend on."""
    return session.starts_at, session.ends_at, session.room_id, session.capacity


def findings_for(meeting: Meeting, session: Session) -> list[Finding]:
    """The conflicts and balance warnings a session is part of (checked against the whole agenda)."""
    return [f for f in agenda_findings(meeting, list_sessions(meeting)) if f.involves(session.id)]


def delete_session(meeting: Meeting, session: Session, *, actor) -> None:
    """Delete a session and its sign-ups; refused once anyone was checked in to it (attendance is a record)."""
    if refusals := [reason for _receiver, reason in deleting_session.send(session) if reason]:
        raise DomainError(refusals[0])
    record("agenda.session_delete", actor=actor, meeting=meeting, subject=session,
           signups=sum(1 for s in session.signups if s.status != SignupStatus.cancelled))
    db.session.delete(session)


def set_published(meeting: Meeting, sessions: list[Session], published: bool, *, actor) -> int:
    """Publish or unpublish sessions; returns how many changed."""
    changed = [s for s in sessions if s.published != published]
    for session in changed:
        session.published = published
    record("agenda.publish" if published else "agenda.unpublish", actor=actor, meeting=meeting,
           sessions=len(changed))
    return len(changed)


# --- a participant's own agenda ----------------------------------------------------------------------------

def get_own_registration(meeting: Meeting, user) -> Registration | None:
    """The signed-in user's approved registration for the meeting, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Registration).where(
        Registration.meeting_id == meeting.id, Registration.user_id == user.id,
        Registration.status == RegistrationStatus.approved))


def can_sign_up(session: Session) -> bool:
    """Sessions for everyone (plenaries, breaks, receptions) need no sign-up; the others take one."""
    return not session.kind.for_everyone


def signups_of(registration: Registration) -> dict[int, SessionSignup]:
    """The registration's live sign-ups (not cancelled), by session id."""
    rows = db.session.scalars(select(SessionSignup).where(
        SessionSignup.registration_id == registration.id, SessionSignup.status != SignupStatus.cancelled))
    return {s.session_id: s for s in rows}


def count_signups(session_ids: list[int]) -> dict[int, dict[SignupStatus, int]]:
    """session id -> {status: count} for live sign-ups."""
    counts: dict[int, dict[SignupStatus, int]] = {}
    if not session_ids:
        return counts
    rows = db.session.execute(
        select(SessionSignup.session_id, SessionSignup.status, func.count())
        .where(SessionSignup.session_id.in_(session_ids), SessionSignup.status != SignupStatus.cancelled)
        .group_by(SessionSignup.session_id, SessionSignup.status))
    for session_id, status, n in rows:
        counts.setdefault(session_id, {})[status] = n
    return counts


def places(session_ids: list[int]) -> dict[int, tuple[int, int]]:
    """session id -> (places taken, people waiting)."""
    return {sid: (c.get(SignupStatus.signed_up, 0), c.get(SignupStatus.waitlisted, 0))
            for sid, c in count_signups(session_ids).items()}


def own_agenda(meeting: Meeting, registration: Registration, *, breaks: bool = True) -> list[Session]:
    """Published sessions for everyone plus the ones the participant signed up or queued for, in time order.

    The page shows breaks to plan the day by; a calendar file leaves them out (`breaks=False`).
    """
    mine = signups_of(registration)
    return [s for s in list_sessions(meeting, published_only=True)
            if (s.kind.for_everyone and (breaks or s.kind != SessionKind.break_)) or s.id in mine]


def overlapping_pairs(sessions: list[Session]) -> list[tuple[Session, Session]]:
    """Pairs of sessions that overlap in time (breaks left out: a workshop over lunch is no clash)."""
    timed = sorted((s for s in sessions if s.kind != SessionKind.break_), key=lambda s: (s.starts_at, s.id))
    pairs = []
    for i, first in enumerate(timed):
        for second in timed[i + 1:]:
            if second.starts_at >= first.ends_at:
                break
            pairs.append((first, second))
    return pairs


def _lock(session: Session) -> None:
    # Serialise sign-ups per session so that two people can never take the last place together (a row lock on
    # PostgreSQL; SQLite has a single writer anyway).
    db.session.execute(select(Session.id).where(Session.id == session.id).with_for_update())


def _taken(session: Session) -> int:
    return db.session.scalar(select(func.count(SessionSignup.id)).where(
        SessionSignup.session_id == session.id, SessionSignup.status == SignupStatus.signed_up)) or 0


def sign_up(session: Session, registration: Registration, *, actor) -> tuple[SessionSignup, list[Session]]:
    """Take a place in a session, or a place on its waitlist when it is full.

    Returns the sign-up and the sessions of the participant's own agenda that it overlaps (a warning, not a bar).
    """
    meeting = session.meeting
    if registration.meeting_id != session.meeting_id or registration.status != RegistrationStatus.approved:
        raise NotAllowed(_("Only approved participants of this meeting can sign up for its sessions."))
    if not session.published or not is_public(meeting):
        raise DomainError(_("This session is not open for sign-up."))
    if not can_sign_up(session):
        raise DomainError(_("Everyone attends this session; there is no need to sign up."))
    if session.ends_at <= utcnow():
        raise DomainError(_("This session is over."))
    _lock(session)
    signup = db.session.scalar(select(SessionSignup).where(
        SessionSignup.session_id == session.id, SessionSignup.registration_id == registration.id))
    if signup is not None and signup.status != SignupStatus.cancelled:
        raise DomainError(_("You are already signed up for this session."))
    full = session.capacity is not None and _taken(session) >= session.capacity
    if signup is None:
        signup = SessionSignup(session=session, registration=registration)
        db.session.add(signup)
    signup.status = SignupStatus.waitlisted if full else SignupStatus.signed_up
    signup.requested_at = utcnow()  # a new request joins the end of the queue
    db.session.flush()
    record("agenda.signup", actor=actor, meeting=meeting, subject=signup, status=signup.status.value)
    clashes = [other for pair in overlapping_pairs(own_agenda(meeting, registration)) if session in pair
               for other in pair if other is not session]
    return signup, clashes


def cancel_signup(session: Session, registration: Registration, *, actor) -> list[SessionSignup]:
    """Give up a place (or a place in the queue); the freed place goes to the first in the queue."""
    _lock(session)
    signup = db.session.scalar(select(SessionSignup).where(
        SessionSignup.session_id == session.id, SessionSignup.registration_id == registration.id,
        SessionSignup.status != SignupStatus.cancelled))
    if signup is None:
        raise DomainError(_("You are not signed up for this session."))
    signup.status = SignupStatus.cancelled
    db.session.flush()
    record("agenda.signup_cancel", actor=actor, meeting=session.meeting, subject=signup)
    return promote_waitlist(session, actor=actor)


def release_signups(registration: Registration, *, actor) -> int:
    """Cancel every sign-up of a registration (e.g. when it is cancelled or declined) and promote the queues."""
    live = list(signups_of(registration).values())
    for signup in live:
        signup.status = SignupStatus.cancelled
    db.session.flush()
    for signup in live:
        promote_waitlist(signup.session, actor=actor)
    return len(live)


def promote_waitlist(session: Session, *, actor=None) -> list[SessionSignup]:
    """Move the queue up, earliest request first, while the session has free places; tell each one by email."""
    if session.capacity is None:
        waiting = _waiting(session)
    else:
        free = session.capacity - _taken(session)
        waiting = _waiting(session)[:max(free, 0)]
    for signup in waiting:
        signup.status = SignupStatus.signed_up
        record("agenda.signup_promote", actor=actor, meeting=session.meeting, subject=signup)
        _tell_promoted(signup)
    db.session.flush()
    return waiting


def _waiting(session: Session) -> list[SessionSignup]:
    return list(db.session.scalars(select(SessionSignup).where(
        SessionSignup.session_id == session.id, SessionSignup.status == SignupStatus.waitlisted,
    ).order_by(SessionSignup.requested_at, SessionSignup.id)))


def _tell_promoted(signup: SessionSignup) -> None:
    session, registration = signup.session, signup.registration
    meeting = session.meeting
    link = link_for("agenda.mine", meeting_id=meeting.id)
    queue_message(registration.email, "agenda_promoted", language=registration.locale, kind="agenda_promoted",
                  meeting_id=meeting.id, registration=registration, session=session, meeting=meeting, link=link,
                  when=format_when(meeting, session, registration.locale))


def issue_calendar_feed(registration: Registration, *, actor) -> str:
    """A new secret for the person's calendar feed URL (the old one stops working); only its hash is kept."""
    token, digest = new_token()
    registration.calendar_token = digest
    db.session.flush()
    record("agenda.calendar_feed", actor=actor, meeting=registration.meeting, subject=registration, change="issued")
    return token


def revoke_calendar_feed(registration: Registration, *, actor) -> None:
    """Stop the person's calendar feed URL from working."""
    if registration.calendar_token is not None:
        registration.calendar_token = None
        db.session.flush()
        record("agenda.calendar_feed", actor=actor, meeting=registration.meeting, subject=registration,
               change="revoked")


def registration_for_feed(token: str) -> Registration | None:
    """The registration whose feed URL holds `token`, if it is still valid (an approved or pending registration)."""
    if not token or len(token) > 100:
        return None
    registration = db.session.scalar(select(Registration).where(Registration.calendar_token == hash_token(token)))
    if registration is None or registration.status.value in ("declined", "cancelled"):
        return None
    return registration


def public_name(person: SessionPerson) -> str | None:
    """The name the public agenda shows: None for a participant who has not agreed to be listed publicly."""
    registration = person.registration
    if registration is None:
        return person.name
    return registration.full_name if registration.public_listing_consent else None


# --- display helpers ---------------------------------------------------------------------------------------

def format_when(meeting: Meeting, session: Session, locale=None) -> str:
    """“25 October 2026, 10:00 – 11:30 (Europe/Berlin)”: a session's time as the meeting's clocks show it, in the
    reader's language (`locale`, else the page's)."""
    return moments.span_text(session.starts_at, session.ends_at, meeting.timezone, locale or get_locale())
