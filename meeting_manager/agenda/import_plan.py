"""Importing an agenda again without copies: each row is matched to a session by a key, and a dry run shows what
would happen (new / changed / unchanged / on the agenda but not in the file) before anything is written.

The key is the file's `id` column (kept on the session as `import_key`; a number that is a session's own id in
this meeting matches that session too), else title + start + room. Sessions not in the file are left as they are:
a file of one day's changes must not delete the rest of the agenda.
"""
import hashlib
import re
import secrets
import time as clock
from dataclasses import dataclass, field, replace
from datetime import UTC
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from ..audit.services import record
from ..errors import ValidationFailed
from ..extensions import db
from ..meetings.models import Meeting
from . import imports
from .models import PersonRole, Session
from .services import PersonInput, SessionInput, list_sessions, local_instant, save_session, session_form_data

#: what a changed row lists, in this order: SessionInput field -> label
FIELDS = {"title": "title", "day": "day", "start": "start", "end": "end", "kind": "kind", "room_id": "room",
          "description": "description", "capacity": "capacity", "languages": "languages",
          "interpretation": "interpretation", "track": "track", "organiser_name": "organiser", "people": "people"}
#: file column -> the SessionInput fields it sets (a column the file lacks leaves them as they are)
COLUMN_FIELDS = {"kind": ("kind",), "room": ("room_id",), "track": ("track",), "capacity": ("capacity",),
                 "languages": ("languages",), "interpretation": ("interpretation",),
                 "description": ("description",), "organiser": ("organiser_name",),
                 "speakers": ("people",), "moderators": ("people",), "rapporteurs": ("people",)}
UPLOAD_LIFETIME = 24 * 3600  #: seconds an uploaded file waits for its confirmation


def natural_key(title: str, starts_at, room_id) -> tuple:
    return (re.sub(r"\s+", " ", title).strip().casefold(), starts_at.replace(tzinfo=None) if starts_at else None,
            room_id)


def session_key(session: Session) -> tuple:
    return natural_key(session.title, _utc_naive(session.starts_at), session.room_id)


@dataclass
class PlannedRow:
    number: int
    data: SessionInput
    session: Session | None = None
    changes: list[str] = field(default_factory=list)
    key: str = ""
    created: Session | None = None  #: the session a new row became, once applied

    @property
    def action(self) -> str:
        return "new" if self.session is None and self.created is None else "created" if self.session is None \
            else "changed" if self.changes else "unchanged"


@dataclass
class ImportPlan:
    rows: list[PlannedRow]
    not_in_file: list[Session]
    problems: list[str]

    def of(self, action: str) -> list[PlannedRow]:
        return [row for row in self.rows if row.action == action]

    @property
    def fingerprint(self) -> str:
        """Changes when what the import would do changes (the agenda was edited since the preview)."""
        text = repr([(r.number, r.action, r.session.id if r.session else None, r.changes) for r in self.rows])
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def _input_of(meeting: Meeting, session: Session) -> SessionInput:
    form = session_form_data(meeting, session)
    people = [PersonInput(role=PersonRole(p["role"]), email=p["email"], name=p["outside_name"] or "",
                          gender=session.people[i].gender, country=p["country"], organisation=p["organisation"] or "")
              for i, p in enumerate(form["people"])]
    return SessionInput(title=session.title, day=form["day"], start=form["starts"], end=form["ends"],
                        kind=session.kind, room_id=session.room_id, description=session.description,
                        capacity=session.capacity, languages=list(session.languages or []),
                        interpretation=session.interpretation, track=session.track,
                        organiser_name=session.organiser_name, published=session.published, people=people)


def _merged(existing: SessionInput, data: SessionInput, columns: set[str]) -> SessionInput:
    """The file's values over the session's, for the columns the file has; people named outside the meeting
    (not by a registration's email, which a file cannot give) stay."""
    kept = {name for column, names in COLUMN_FIELDS.items() if column not in columns for name in names}
    values = {name: getattr(existing if name in kept else data, name) for name in FIELDS}
    if "people" not in kept:
        values["people"] = list(data.people) + [p for p in existing.people if not p.email]
    return replace(existing, **values)


def _comparable(data: SessionInput, name: str):
    value = getattr(data, name)
    if name == "people":
        return [(p.role.value, p.email.strip().lower(), p.name) for p in value]
    if name in ("title", "description", "track", "organiser_name"):
        return value.strip()
    return value


def _matcher(meeting: Meeting):
    sessions = list_sessions(meeting)
    by_key = {}
    for session in sessions:
        by_key.setdefault(session_key(session), session)
    by_import_key = {s.import_key: s for s in sessions if s.import_key}
    by_id = {str(s.id): s for s in sessions}

    def match(key: str, data: SessionInput) -> Session | None:
        if key:
            return by_import_key.get(key) or by_id.get(key)
        starts_at = local_instant(meeting, data.day, data.start)[0]
        return by_key.get(natural_key(data.title, _utc_naive(starts_at), data.room_id))

    return sessions, match


def _utc_naive(moment):
    """UTC without a zone (SQLite gives stored moments back without one)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def plan_import(meeting: Meeting, filename: str, content: bytes) -> ImportPlan:
    """What importing the file would do; writes nothing."""
    raw = imports.read_rows(filename, content)
    columns = set(raw[0]) if raw else set()
    sessions, match = _matcher(meeting)
    matched: dict[int, Session] = {}
    inputs, problems = imports.check_rows(meeting, raw, matched=matched, match=match)
    rows, seen = [], {}
    for number, data, key in inputs:
        session = matched.get(number)
        identity = ("id", key) if key else ("key", natural_key(data.title, _utc_naive(
            local_instant(meeting, data.day, data.start)[0]), data.room_id))
        if identity in seen:
            problems.append(_("Row %(n)s: it repeats row %(first)s (same %(what)s); a session is listed once.",
                              n=number, first=seen[identity],
                              what=_("id") if key else _("title, start and room")))
            continue
        seen[identity] = number
        row = PlannedRow(number=number, data=data, session=session, key=key)
        if session is not None:
            existing = _input_of(meeting, session)
            row.data = _merged(existing, data, columns)
            row.changes = [label for name, label in FIELDS.items()
                           if _comparable(row.data, name) != _comparable(existing, name)]
        rows.append(row)
    hit = {row.session.id for row in rows if row.session is not None}
    return ImportPlan(rows=rows, not_in_file=[s for s in sessions if s.id not in hit], problems=problems)


def apply_plan(meeting: Meeting, plan: ImportPlan, *, actor) -> dict[str, int]:
    """Create the new sessions (drafts) and update the changed ones; nothing else is touched."""
    if plan.problems:
        raise ValidationFailed(ngettext("Nothing was imported: %(num)d row has problems.",
                                        "Nothing was imported: %(num)d rows have problems.", len(plan.problems)),
                               problems=plan.problems)
    counts = {action: len(plan.of(action)) for action in ("new", "changed", "unchanged")}
    for row in plan.of("new"):
        session, _findings = save_session(meeting, row.data, actor=actor, with_findings=False)
        session.import_key = row.key or None
        row.created = session
    for row in plan.of("changed"):
        save_session(meeting, row.data, session=row.session, actor=actor, with_findings=False)
        row.session.import_key = row.session.import_key or row.key or None
    db.session.flush()
    record("agenda.import", actor=actor, meeting=meeting, sessions=counts["new"], changed=counts["changed"],
           unchanged=counts["unchanged"], not_in_file=len(plan.not_in_file))
    return counts


def import_agenda(meeting: Meeting, filename: str, content: bytes, *, actor) -> list[Session]:
    """Plan and apply in one step (CLI, tests); returns the sessions created."""
    plan = plan_import(meeting, filename, content)
    new = plan.of("new")
    apply_plan(meeting, plan, actor=actor)
    return [row.created for row in new]


# --- the uploaded file between the preview and the confirmation ---------------------------------------------

def _folder() -> Path:
    folder = Path(current_app.config["STORAGE_DIR"]) / "agenda-imports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def keep_upload(meeting: Meeting, filename: str, content: bytes) -> str:
    """Keep the file until it is confirmed (a day at most); returns the token that names it."""
    for old in _folder().glob("*"):
        if old.stat().st_mtime < clock.time() - UPLOAD_LIFETIME:
            old.unlink(missing_ok=True)
    suffix = "xlsx" if filename.lower().endswith(".xlsx") else "csv"
    token = f"{meeting.id}-{secrets.token_urlsafe(16)}.{suffix}"
    (_folder() / token).write_bytes(content)
    return token


def kept_upload(meeting: Meeting, token: str) -> tuple[str, bytes] | None:
    """(filename, content) of a kept upload of this meeting, or None (unknown, expired or already imported)."""
    if not re.fullmatch(rf"{meeting.id}-[A-Za-z0-9_-]{{22}}\.(csv|xlsx)", token or ""):
        return None
    path = _folder() / token
    if not path.is_file() or path.stat().st_mtime < clock.time() - UPLOAD_LIFETIME:
        return None
    return token, path.read_bytes()


def forget_upload(token: str) -> None:
    (_folder() / token).unlink(missing_ok=True)
