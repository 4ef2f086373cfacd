"""Agenda exports: iCalendar (whole agenda or a participant's own), a print-ready PDF, and a CSV/XLSX table.

Times: iCalendar events carry the meeting's zone (TZID with a VTIMEZONE), so a calendar anywhere shows the right
instant; the PDF and the table show the meeting's wall-clock times, which is what people read on site.
"""
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pandas as pd
from babel.dates import format_datetime
from flask import current_app, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event

from ..exports import for_reader
from ..i18n_text import tr_text
from ..meetings.models import Meeting
from ..models_base import utcnow
from ..pdf import cached_pdf, html_to_pdf
from ..tokens import link_for
from .forms import KIND_LABELS, ROLE_LABELS
from .models import PersonRole, Room, Session, SessionKind, SessionSignup, SignupStatus
from .services import public_name

# --- iCalendar ---------------------------------------------------------------------------------------------

def _uid_host() -> str:
    return urlsplit(current_app.config["SERVER_NAME_FOR_LINKS"]).hostname or "meeting-manager"


def _location(meeting: Meeting, session: Session) -> str:
    return ", ".join(part for part in (session.room.name if session.room else "", meeting.venue, meeting.city) if part)


def _people_lines(session: Session) -> list[str]:
    # The same names as the public agenda: people who have not agreed to be listed are not named.
    lines = []
    for role in PersonRole:
        names = [public_name(p) or _("a speaker") for p in session.people if p.role == role]
        if names:
            lines.append(f"{ROLE_LABELS[role]}: {', '.join(names)}")
    return lines


def _event(meeting: Meeting, session: Session, signup: SessionSignup | None, stamp) -> Event:
    tz = meeting.tz
    event = Event()
    event.add("uid", f"session-{session.id}@{_uid_host()}")
    event.add("dtstamp", stamp)
    # Local times with the meeting's TZID: the calendar converts them to the reader's zone, DST included.
    event.add("dtstart", session.starts_at.astimezone(tz))
    event.add("dtend", session.ends_at.astimezone(tz))
    waitlisted = signup is not None and signup.status == SignupStatus.waitlisted
    title = tr_text(session, "title", meeting)
    event.add("summary", _("Waitlist: %(title)s", title=title) if waitlisted else title)
    event.add("status", "TENTATIVE" if waitlisted else "CONFIRMED")
    if location := _location(meeting, session):
        event.add("location", location)
    description = "\n".join(filter(None, [tr_text(session, "description", meeting), *_people_lines(session)]))
    if description:
        event.add("description", description)
    event.add("url", link_for("agenda.session", meeting_id=meeting.id, session_id=session.id))
    event.add("categories", [str(KIND_LABELS[session.kind])] + ([session.track] if session.track else []))
    event.add("last-modified", session.updated_at)
    return event


def agenda_ics(meeting: Meeting, sessions: list[Session], *, signups: dict[int, SessionSignup] | None = None,
               personal: bool = False, stamp=None) -> bytes:
    """An iCalendar file of `sessions`; for a participant's own agenda pass their `signups` by session id.
    `stamp` (DTSTAMP) defaults to now; the public file passes its sessions' last change, so that the same agenda
    gives the same bytes (and ETag)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Global Meeting manager//Agenda//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    title = tr_text(meeting, "title")
    name = _("%(meeting)s — my agenda", meeting=title) if personal else title
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", meeting.timezone)
    stamp = stamp or utcnow()
    for session in sessions:
        calendar.add_component(_event(meeting, session, (signups or {}).get(session.id), stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()


# --- PDF ---------------------------------------------------------------------------------------------------

def room_grid(day_sessions: list[Session], rooms: list[Room], tz) -> dict:
    """The room-columns layout of one day: columns (rooms in use), rows by start time, cells of sessions.

    A row whose sessions have no room and are breaks or receptions (lunch for everyone) spans all columns.
    """
    def for_everyone_elsewhere(at: list[Session]) -> bool:
        return all(s.room_id is None and s.kind in (SessionKind.break_, SessionKind.reception) for s in at)

    starts = sorted({s.starts_at for s in day_sessions})
    slots = {start: [s for s in day_sessions if s.starts_at == start] for start in starts}
    used = {s.room_id for at in slots.values() if not for_everyone_elsewhere(at) for s in at}
    columns = [r for r in rooms if r.id in used]
    roomless = None in used
    rows = []
    for start, at in slots.items():
        if for_everyone_elsewhere(at):
            rows.append({"start": start, "span": at})
            continue
        cells = [[s for s in at if s.room_id == room.id] for room in columns]
        if roomless:
            cells.append([s for s in at if s.room_id is None])
        rows.append({"start": start, "cells": cells})
    return {"columns": columns, "roomless": roomless, "rows": rows}


def agenda_html(meeting: Meeting, sessions: list[Session], *, layout: str = "list", rooms: list[Room] = (),
                draft: bool = False, generated=None) -> str:
    from .services import by_day
    days = by_day(meeting, sessions)
    grids = {day: room_grid(items, list(rooms), meeting.tz) for day, items in days} if layout == "rooms" else {}
    printed = format_datetime(generated or utcnow(), "short", tzinfo=meeting.tz, locale=get_locale())
    return render_template("agenda/print.html", meeting=meeting, days=days, layout=layout, grids=grids,
                           draft=draft, public_name=public_name, printed=printed)


def agenda_pdf(meeting: Meeting, sessions: list[Session], *, layout: str = "list", rooms: list[Room] = (),
               draft: bool = False) -> bytes:
    """The agenda by day as a PDF: `layout` "list" (portrait) or "rooms" (a column per room, landscape).

    `draft` marks unpublished sessions (the organisers' copy) and names everyone; the public copy names only
    people who agreed to be listed.
    """
    return html_to_pdf(agenda_html(meeting, sessions, layout=layout, rooms=rooms, draft=draft))


#: a fixed "printed at" for the cache key: the same agenda gives the same key whenever it is asked for
_KEY_TIME = datetime(2000, 1, 1, tzinfo=UTC)
def agenda_pdf_cached(meeting: Meeting, sessions: list[Session], *, layout: str = "list", rooms: list[Room] = (),
                      draft: bool = False) -> tuple[bytes, str]:
    """`agenda_pdf`, rendered once per version of the agenda (its printed HTML: every session, room, person and
    word of it, in the reader's language) and kept under STORAGE_DIR/cache/agenda/: the PDF and its ETag."""
    key_html = agenda_html(meeting, sessions, layout=layout, rooms=rooms, draft=draft, generated=_KEY_TIME)
    return cached_pdf(f"agenda/{meeting.id}", key_html,
                      lambda: agenda_pdf(meeting, sessions, layout=layout, rooms=rooms, draft=draft))


def ics_version(sessions: list[Session], meeting: Meeting):
    """The last change of the published agenda: the DTSTAMP of its public file."""
    return max((s.updated_at for s in sessions), default=None) or getattr(meeting, "updated_at", None) or _KEY_TIME


# --- table -------------------------------------------------------------------------------------------------

TABLE_COLUMNS = ["day", "start", "end", "kind", "title", "room", "track", "capacity", "signed_up", "waitlisted",
                 "languages", "interpretation", "published", "organiser", "speakers", "moderators", "rapporteurs",
                 "description"]


def table_headers() -> dict[str, str]:
    """The table's column names in the reader's language (in English, its keys, which scripts may read)."""
    return {"day": _("day"), "start": _("start"), "end": _("end"), "kind": _("kind"), "title": _("title"),
            "room": _("room"), "track": _("track"), "capacity": _("capacity"), "signed_up": _("signed_up"),
            "waitlisted": _("waitlisted"), "languages": _("languages"), "interpretation": _("interpretation"),
            "published": _("published"), "organiser": _("organiser"), "speakers": _("speakers"),
            "moderators": _("moderators"), "rapporteurs": _("rapporteurs"), "description": _("description")}


def agenda_table(meeting: Meeting, sessions: list[Session], counts: dict[int, dict]) -> pd.DataFrame:
    """`agenda_frame` as the reader reads it (exports.for_reader): column names and kinds of session in words."""
    kinds = {kind.value: str(label) for kind, label in KIND_LABELS.items()}
    return for_reader(agenda_frame(meeting, sessions, counts), table_headers(), {"kind": lambda v: kinds.get(v, v)})


def _names(session: Session, role: PersonRole) -> str:
    return "; ".join(p.display_name for p in session.people if p.role == role)


def agenda_frame(meeting: Meeting, sessions: list[Session], counts: dict[int, dict]) -> pd.DataFrame:
    """One row per session in meeting time; numbers, dates and booleans typed (for XLSX)."""
    tz = meeting.tz
    rows = [{
        # wall-clock datetimes of the venue: XLSX date cells (header names the zone), ISO 8601 with offset in CSV
        "day": s.local_day(tz), "start": s.local_start(tz).replace(tzinfo=None),
        "end": s.local_end(tz).replace(tzinfo=None),
        "kind": s.kind.value, "title": s.title, "room": s.room.name if s.room else "", "track": s.track,
        "capacity": s.capacity, "signed_up": counts.get(s.id, {}).get(SignupStatus.signed_up, 0),
        "waitlisted": counts.get(s.id, {}).get(SignupStatus.waitlisted, 0), "languages": ", ".join(s.languages or []),
        "interpretation": s.interpretation, "published": s.published, "organiser": s.organiser_name,
        "speakers": _names(s, PersonRole.speaker), "moderators": _names(s, PersonRole.moderator),
        "rapporteurs": _names(s, PersonRole.rapporteur), "description": s.description,
    } for s in sessions]
    frame = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    frame["day"] = frame["day"].astype(object)
    frame["capacity"] = frame["capacity"].astype("Int64")
    frame[["signed_up", "waitlisted"]] = frame[["signed_up", "waitlisted"]].astype("int64")
    frame[["interpretation", "published"]] = frame[["interpretation", "published"]].astype(bool)
    return frame
