"""Importing a draft agenda from CSV or XLSX: every row is checked, and nothing is imported unless all are good.

Columns (header row, any order, case-insensitive): day, start, end, title are required; kind, room, track,
capacity, languages, interpretation, description, organiser, speakers, moderators, rapporteurs are optional.
People are given by the email of their registration for this meeting, separated by ";". Sessions arrive
unpublished. Row numbers in messages are the ones a spreadsheet shows (the header is row 1).
"""
import csv
import io
import re
from datetime import date, datetime, time

from flask_babel import gettext as _
from flask_babel import ngettext

from .. import uploads
from ..audit.services import record
from ..errors import ValidationFailed
from ..extensions import db
from ..meetings.models import Meeting
from .models import PersonRole, Session, SessionKind
from .services import (
    PersonInput,
    SessionInput,
    check_session_input,
    list_rooms,
    list_sessions,
    local_instant,
    registrations_by_email,
    save_session,
)

REQUIRED = ("day", "start", "end", "title")
OPTIONAL = ("kind", "room", "track", "capacity", "languages", "interpretation", "description", "organiser",
            "speakers", "moderators", "rapporteurs")
COLUMNS = REQUIRED + OPTIONAL
PEOPLE_COLUMNS = {"speakers": PersonRole.speaker, "moderators": PersonRole.moderator,
                  "rapporteurs": PersonRole.rapporteur}
MAX_ROWS = 2000
YES, NO = {"yes", "y", "true", "1", "x"}, {"no", "n", "false", "0", ""}
_TIME = re.compile(r"^(\d{1,2})[:.h](\d{2})(?::\d{2})?$")


class RowError(Exception):
    """One problem of one cell; the row's number is added by the caller."""


# --- reading the file --------------------------------------------------------------------------------------

def read_rows(filename: str, content: bytes) -> list[dict]:
    """The rows of a CSV or XLSX upload as dicts of lower-cased column -> raw cell (text, date or time)."""
    table = uploads.read_table(filename, content, max_rows=MAX_ROWS)
    if not table.headers:
        raise ValidationFailed(_("The file has no rows to read: it needs a header row with the columns "
                                 "%(columns)s.", columns=", ".join(REQUIRED)))
    columns = [c.lower() for c in table.headers]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ValidationFailed(_("The file needs a header row with the columns %(columns)s; missing: %(missing)s.",
                                 columns=", ".join(REQUIRED), missing=", ".join(missing)))
    return [dict(zip(columns, row, strict=True)) for row in table.rows]


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 40 as 40.0
    return str(value).strip() if value is not None else ""


def parse_day(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    try:
        return date.fromisoformat(text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}([ T]00:00(:00)?)?$", text) else text)
    except ValueError:
        raise RowError(_("the day “%(value)s” is not a date; write it as YYYY-MM-DD, e.g. 2026-10-24.",
                         value=text)) from None


def parse_time(value, column: str) -> time:
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    text = _text(value)
    match = _TIME.match(text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise RowError(_("the %(column)s time “%(value)s” is not a time; write it as HH:MM, e.g. 09:30.",
                         column=column, value=text))
    return time(int(match[1]), int(match[2]))


def parse_kind(value) -> SessionKind:
    text = _text(value).lower().replace(" ", "_").replace("-", "_") or SessionKind.workshop.value
    try:
        return SessionKind(text)
    except ValueError:
        raise RowError(_("unknown kind “%(value)s”; use plenary, workshop, side_event, break or reception.",
                         value=_text(value))) from None


def parse_capacity(value) -> int | None:
    text = _text(value)
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise RowError(_("the capacity “%(value)s” is not a whole number of places.", value=text))
    return int(text)


def parse_bool(value, column: str) -> bool:
    text = _text(value).lower()
    if text in YES or text in NO:
        return text in YES
    raise RowError(_("%(column)s must be yes or no, not “%(value)s”.", column=column, value=_text(value)))


def parse_languages(value) -> list[str]:
    codes = [c.strip().lower() for c in re.split(r"[;,\s]+", _text(value)) if c.strip()]
    bad = [c for c in codes if not re.fullmatch(r"[a-z]{2,3}", c)]
    if bad:
        raise RowError(_("languages must be ISO codes such as en, fr, ar; “%(value)s” is not one.", value=bad[0]))
    return codes


def parse_emails(value) -> list[str]:
    return [e.strip().lower() for e in re.split(r"[;,\s]+", _text(value)) if e.strip()]


# --- checking and importing --------------------------------------------------------------------------------

def _row_input(meeting: Meeting, row: dict, rooms_by_name: dict, registrations: dict) -> SessionInput:
    """A SessionInput from a row, or RowError naming every bad cell of it."""
    problems = []

    def cell(parse, *args):
        try:
            return parse(*args)
        except RowError as error:
            problems.append(str(error))

    day = cell(parse_day, row.get("day"))
    start = cell(parse_time, row.get("start"), "start")
    end = cell(parse_time, row.get("end"), "end")
    kind = cell(parse_kind, row.get("kind"))
    capacity = cell(parse_capacity, row.get("capacity"))
    interpretation = cell(parse_bool, row.get("interpretation"), "interpretation")
    languages = cell(parse_languages, row.get("languages"))
    room_name = _text(row.get("room"))
    room = rooms_by_name.get(room_name.casefold()) if room_name else None
    if room_name and room is None:
        problems.append(_("there is no room called “%(room)s” in this meeting (add it under Rooms first).",
                          room=room_name))
    people = []
    for column, role in PEOPLE_COLUMNS.items():
        for email in parse_emails(row.get(column)):
            if email not in registrations:
                problems.append(_("nobody is registered for this meeting with the email %(email)s (%(column)s).",
                                  email=email, column=column))
            people.append(PersonInput(role=role, email=email))
    title = _text(row.get("title"))
    if len(title) > 300:
        problems.append(_("the title is longer than 300 characters."))
    if problems:
        raise RowError("; ".join(problems))
    return SessionInput(title=title, day=day, start=start, end=end, kind=kind, room_id=room.id if room else None,
                        description=_text(row.get("description")), capacity=capacity, languages=languages,
                        interpretation=interpretation, track=_text(row.get("track"))[:120],
                        organiser_name=_text(row.get("organiser"))[:200], published=False, people=people)


def _blank(row: dict) -> bool:
    return not any(_text(v) for v in row.values())


def check_rows(meeting: Meeting, rows: list[dict]) -> tuple[list[SessionInput], list[str]]:
    """Every row checked: (inputs, problems); a problem reads “Row 7: …”."""
    rooms = list_rooms(meeting)
    rooms_by_name = {r.name.casefold(): r for r in rooms}
    emails = {e for row in rows for column in PEOPLE_COLUMNS for e in parse_emails(row.get(column))}
    registrations = registrations_by_email(meeting, emails)
    inputs, problems = [], []
    booked = _existing_bookings(meeting)
    for number, row in enumerate(rows, start=2):
        if _blank(row):
            continue
        try:
            data = _row_input(meeting, row, rooms_by_name, registrations)
        except RowError as error:
            problems.append(_("Row %(n)s: %(problem)s", n=number, problem=str(error)))
            continue
        row_problems = check_session_input(meeting, data, rooms={r.id: r for r in rooms},
                                           registrations=registrations)
        row_problems += _room_overlap(meeting, data, booked, number)
        if row_problems:
            problems.append(_("Row %(n)s: %(problem)s", n=number, problem=" ".join(row_problems)))
        inputs.append(data)
    if not inputs and not problems:
        problems.append(_("The file has no rows."))
    return inputs, problems


def _existing_bookings(meeting: Meeting) -> dict[int, list[tuple]]:
    """room id -> [(starts_at, ends_at, label)] of the sessions already on the agenda."""
    booked: dict[int, list[tuple]] = {}
    for s in list_sessions(meeting):
        if s.room_id:
            booked.setdefault(s.room_id, []).append((s.starts_at, s.ends_at, f"“{s.title}”"))
    return booked


def _room_overlap(meeting: Meeting, data: SessionInput, booked: dict, number: int) -> list[str]:
    """A room holds one session at a time: against the agenda and against earlier rows of the file."""
    if data.room_id is None:
        return []
    starts_at, ends_at = local_instant(meeting, data.day, data.start)[0], local_instant(meeting, data.day, data.end)[0]
    if ends_at <= starts_at:
        return []  # already reported as end before start
    clashes = [label for s, e, label in booked.get(data.room_id, []) if s < ends_at and starts_at < e]
    booked.setdefault(data.room_id, []).append((starts_at, ends_at, _("row %(n)s", n=number)))
    if clashes:
        return [_("the room is already booked at that time by %(other)s.", other=", ".join(clashes))]
    return []


def import_agenda(meeting: Meeting, filename: str, content: bytes, *, actor) -> list[Session]:
    """Create a draft session per row; ValidationFailed lists every bad row and nothing is created."""
    inputs, problems = check_rows(meeting, read_rows(filename, content))
    if problems:
        raise ValidationFailed(ngettext("Nothing was imported: %(num)d row has problems.",
                                        "Nothing was imported: %(num)d rows have problems.", len(problems)),
                               problems=problems)
    created = [save_session(meeting, data, actor=actor, with_findings=False)[0] for data in inputs]
    db.session.flush()
    record("agenda.import", actor=actor, meeting=meeting, sessions=len(created))
    return created


def template_csv(meeting: Meeting) -> bytes:
    """The import columns with two example rows on the meeting's first day."""
    rooms = list_rooms(meeting)
    room = rooms[0].name if rooms else ""
    day = meeting.starts_on.isoformat()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow([day, "09:00", "10:30", "Opening plenary", "plenary", room, "", "", "en; fr", "yes",
                     "Welcome and aims of the meeting", "", "", "", ""])
    writer.writerow([day, "11:00", "12:30", "Early warning in practice", "workshop", "", "Prevention", "40", "en",
                     "no", "", "", "", "", ""])
    return out.getvalue().encode("utf-8-sig")
