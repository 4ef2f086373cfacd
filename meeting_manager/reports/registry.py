"""The list of reports: who may see each, the filters it takes, its tables and its PDF template; and rendering.

`render_report(report, meeting, filters, fmt) -> (bytes, filename)` is what the job calls; it needs an app context
but no request (it runs on a worker too).
"""
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..access import ORGANISER, STAFF, Rule
from ..exports import csv_bytes, xlsx_workbook
from ..meetings.models import Meeting
from ..models_base import utcnow
from ..pdf import pdf_document
from . import frames as f
from .labels import for_reader, frames_for_reader, table_name

FORMATS = ("pdf", "xlsx", "csv")
#: how many rows of the main table the report page previews
PREVIEW_ROWS = 10


@dataclass(frozen=True)
class Report:
    key: str
    title: object
    rule: Rule
    filters: tuple[str, ...]
    build: Callable[[Meeting, f.Filters], dict[str, pd.DataFrame]]
    template: str = "reports/pdf/tables.html"
    description: object = ""

    @property
    def main(self) -> int:
        """The main table is the first frame: it is the CSV and the preview."""
        return 0


REPORTS: list[Report] = [
    Report("attendance", _l("Attendance"), STAFF, ("day", "session", "region", "category"), f.attendance_frames,
           "reports/pdf/attendance.html", _l("Who came to each day and session, no-shows, rates and totals.")),
    Report("speakers", _l("Speakers"), STAFF, ("day", "session"), f.speaker_frames,
           description=_l("Speakers, moderators and rapporteurs with their sessions, times and rooms.")),
    Report("needs", _l("Dietary and accessibility needs"), STAFF, ("region", "category"), f.needs_frames,
           description=_l("For the venue and the caterer: badge name and needs only.")),
    Report("balance", _l("Balance report"), ORGANISER, (), f.balance_frames, "reports/pdf/balance.html",
           _l("Region, gender and category against the policy, approved and attended, with previous editions.")),
    Report("participants_public", _l("Participant list (public)"), ORGANISER, ("region", "category"),
           f.public_list_frames, description=_l("Approved people who agreed to be listed: name, organisation, "
                                                "country.")),
    Report("participants_internal", _l("Participant list (internal)"), ORGANISER, ("region", "category"),
           f.internal_list_frames, description=_l("Every approved person with contact and category.")),
    Report("delegations", _l("Delegations"), ORGANISER, (), f.delegation_frames,
           description=_l("Each delegation with its members.")),
    Report("visa", _l("Visa-letter list"), ORGANISER, (), f.visa_frames,
           description=_l("Passport data for visa letters. Every view and export is logged.")),
]
BY_KEY = {r.key: r for r in REPORTS}


def visible_reports(user, meeting: Meeting) -> list[Report]:
    return [r for r in REPORTS if r.rule.allows(user, {"meeting_id": meeting.id})]


def main_frame(report: Report, frames: dict[str, pd.DataFrame]) -> tuple[str, pd.DataFrame]:
    return list(frames.items())[report.main]


def cell(value) -> str:
    """A cell as text for HTML and PDF tables, dates and numbers as the reader's language writes them (times are
    the meeting's wall clock already)."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return format_datetime(value, "short", locale=get_locale())
    if isinstance(value, date):
        return format_date(value, "medium", locale=get_locale())
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, float):
        return format_decimal(value, "0.0", locale=get_locale())
    return value if isinstance(value, str) else str(value)  # a text keeps its kind (i18n_text.TextIn: its lang)


def table(frame: pd.DataFrame, limit: int | None = None) -> dict:
    """A frame as {columns, rows of text} for the templates, in the reader's words (labels.for_reader)."""
    shown = for_reader(frame if limit is None else frame.head(limit))
    return {"columns": [str(c) for c in shown.columns],
            "numeric": [pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c])
                        for c in shown.columns],
            "rows": [[cell(v) for v in row] for row in shown.itertuples(index=False, name=None)],
            "count": len(frame)}


class _Tables(Mapping):
    """table(frame) for each frame, made when a template first asks for it: the attendance PDF never shows its
    18,000-row "Attended" frame as a table, so it should not pay for turning it into text."""

    def __init__(self, frames: dict[str, pd.DataFrame]):
        self._frames, self._made = frames, {}

    def __getitem__(self, name):
        if name not in self._made:
            self._made[name] = table(self._frames[name])
        return self._made[name]

    def __iter__(self):
        return iter(self._frames)

    def __len__(self):
        return len(self._frames)


#: lines per column of a printed name list (8pt on a 10.5pt line: 60 fit an A4 page under a heading, with room for
#: a few names long enough to wrap)
LINES_PER_COLUMN = 60
COLUMNS_PER_PAGE = 3


def name_pages(lines: list[str]) -> list[list[str]]:
    """A printed name list cut into pages of COLUMNS_PER_PAGE columns, each column one text block of lines.

    Columns are made here rather than with CSS `columns`: WeasyPrint lays the text out twice to balance CSS
    columns; the cells of a one-row table per page are laid out once (bench/reports.py: ~1.5x faster than CSS
    columns, ~3x faster than a paragraph per name). The template escapes the text.
    """
    per_page = LINES_PER_COLUMN * COLUMNS_PER_PAGE
    return [["\n".join(lines[c:c + LINES_PER_COLUMN]) for c in range(p, min(p + per_page, len(lines)),
                                                                      LINES_PER_COLUMN)]
            for p in range(0, len(lines), per_page)]


#: session columns per register (3 characters each, after 6 per day; at 7pt an A4 line holds 122 characters, so
#: three days and 20 sessions leave 44 for the name): more start another register
SESSIONS_PER_REGISTER = 20
#: people per block of a register, one block a page, each under the register's header line
REGISTER_LINES = 68
#: a register's marks: came, signed up but did not come, neither
CAME, MISSED, NEITHER = "●", "○", "·"


def attendance_lists(frames: dict[str, pd.DataFrame]) -> dict:
    """The attendance PDF's lists, from the report's frames.

    no_shows: per meeting day, who did not come, as name_pages() (name · country).
    sessions: a table of the sessions, numbered in time order, with their counts (None without sessions).
    registers: who came when, one line per person: the first check-in time on each day (D1, D2...), a mark per
    session, then the name. A line per person and list (about 20,000 at 2,000 people) made the PDF too long to
    print and to render in time (bench/reports.py); the register holds the same in 2,000 lines.
    """
    attended, no_shows, rates = frames["Attended"], frames["No-shows"], frames["Rates"]
    day_list = str(_("Meeting day"))
    days = [d for d, label in zip(rates["day"], rates["list"], strict=True) if label == day_list]
    sessions = rates[rates["list"] != day_list].reset_index(drop=True)
    session_table = table(pd.DataFrame({
        _("No."): sessions.index + 1, _("Session"): sessions["list"], _("Day"): sessions["day"],
        _("Signed up"): sessions["signed up"], _("Attended"): sessions["attended"],
        _("No-shows"): sessions["no-shows"]}))
    missed_days = no_shows[no_shows["list"] == day_list]
    return {
        "days": [{"number": i, "day": day} for i, day in enumerate(days, start=1)],
        "no_shows": [{"day": day, "count": len(rows := missed_days[missed_days["day"] == day]),
                      "pages": name_pages([f"{n} · {c}" for n, c in zip(rows["name"], rows["country"], strict=True)])}
                     for day in days],
        "sessions": session_table if len(sessions) else None,
        "registers": _registers(attended, no_shows, days, list(zip(sessions["day"], sessions["list"], strict=True)),
                                day_list),
    }


def _registers(attended, no_shows, days: list, sessions: list[tuple], day_list: str) -> list[dict]:
    """Registers of REGISTER_LINES-line blocks; days in the first, sessions SESSIONS_PER_REGISTER at a time. With
    days, the first register lists every approved person, came or not; otherwise (one session asked for) a
    register lists those it has a mark for."""
    column = {("day", day): i for i, day in enumerate(days)}
    column.update({session: len(days) + i for i, session in enumerate(sessions)})
    cells: dict[int, dict[int, str]] = {}  # registration -> column -> time or mark
    names: dict[int, str] = {}  # registration -> "NAME, Given (CC)"
    for frame, came in ((no_shows, False), (attended, True)):
        times = frame["first check-in"] if came else [None] * len(frame)
        for day, label, name, country, at, registration in zip(frame["day"], frame["list"], frame["name"],
                                                               frame["country"], times, frame["registration"],
                                                               strict=True):
            names[registration] = f"{name} ({country})"
            person = cells.setdefault(registration, {})
            if label == day_list:
                if came:
                    person[column[("day", day)]] = at.strftime("%H:%M") if not pd.isna(at) else CAME
            else:
                person[column[(day, label)]] = CAME if came else MISSED
    people = sorted(cells, key=lambda registration: names[registration].casefold())
    groups = [range(0, len(days) + min(len(sessions), SESSIONS_PER_REGISTER))]
    groups += [range(len(days) + first, len(days) + min(first + SESSIONS_PER_REGISTER, len(sessions)))
               for first in range(SESSIONS_PER_REGISTER, len(sessions), SESSIONS_PER_REGISTER)]

    def width(i: int) -> int:
        return 6 if i < len(days) else 3

    def label(i: int) -> str:
        return f"D{i + 1}" if i < len(days) else str(i - len(days) + 1)

    registers = []
    for shown in groups:
        lines = ["".join(f"{cells[p].get(i, NEITHER):<{width(i)}}" for i in shown) + f" {names[p]}"
                 for p in people if any(i in cells[p] for i in shown) or (days and shown.start == 0)]
        registers.append({"header": "".join(f"{label(i):<{width(i)}}" for i in shown),
                          "blocks": ["\n".join(lines[i:i + REGISTER_LINES])
                                     for i in range(0, len(lines), REGISTER_LINES)]})
    return registers


#: a report with a table of this many columns is printed landscape (A4 portrait cut the internal list's 11)
LANDSCAPE_COLUMNS = 8


def render_pdf(report: Report, meeting: Meeting, filters: f.Filters, frames: dict[str, pd.DataFrame],
               extra: dict | None = None, progress: Callable[[str], None] | None = None) -> bytes:
    """The report through its print template (print.css: A4, page numbers, rows that do not split).

    `progress(step)` is called after the HTML, the page layout and the PDF file are made.
    """
    step = progress or (lambda _name: None)
    extra = dict(extra or {})
    if report.key == "attendance":
        extra["lists"] = attendance_lists(frames)
    landscape = report.key != "attendance" and any(len(frame.columns) >= LANDSCAPE_COLUMNS
                                                   for frame in frames.values())
    html = render_template(report.template, report=report, meeting=meeting, filters=filters, landscape=landscape,
                           tables=_Tables(frames), frames=frames, table_name=table_name,
                           made_on=f"{format_datetime(utcnow(), 'short', tzinfo=meeting.tz, locale=get_locale())} "
                                   f"({meeting.timezone})", **extra)
    step("html")
    document = pdf_document(html)
    step("layout")
    pdf = document.write_pdf()
    step("pdf")
    return pdf


#: progress steps of a download after its tables are built: the PDF's html, layout and file; one per XLSX sheet
PDF_STEPS = 3


def render_report(report: Report, meeting: Meeting, filters: f.Filters, fmt: str,
                  progress: Callable[[int, int], None] | None = None) -> tuple[bytes, str]:
    """The report as (bytes, file name) in `fmt`: pdf, xlsx (a sheet per table) or csv (the main table).

    `progress(done, total)` is called as the work goes: the tables built, then each PDF stage or XLSX sheet.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    report_progress = progress or (lambda _done, _total: None)
    extra = {}
    if report.key == "balance":
        extra["data"] = f.balance_data(meeting)
        frames = f.balance_frames(meeting, filters, extra["data"])
    else:
        frames = report.build(meeting, filters)
    total = 1 + {"pdf": PDF_STEPS, "xlsx": len(frames), "csv": 1}[fmt]
    done = iter(range(2, total + 1))
    report_progress(1, total)
    name = f"{report.key}-{meeting.id}"
    if fmt == "pdf":
        return render_pdf(report, meeting, filters, frames, extra,
                          lambda _step: report_progress(next(done), total)), f"{name}.pdf"
    if fmt == "xlsx":
        return xlsx_workbook(frames_for_reader(frames), lambda _sheet: report_progress(next(done), total),
                             zone=meeting.timezone), f"{name}.xlsx"
    body = csv_bytes(for_reader(main_frame(report, frames)[1]), tz=meeting.tz)
    report_progress(total, total)
    return body, f"{name}.csv"
