"""The list of reports: who may see each, the filters it takes, its tables and its PDF template; and rendering.

`render_report(report, meeting, filters, fmt) -> (bytes, filename)` is what the job calls; it needs an app context
but no request (it runs on a worker too).
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from flask import current_app, render_template
from flask_babel import lazy_gettext as _l

from ..access import ORGANISER, STAFF, Rule
from ..exports import csv_bytes, xlsx_workbook
from ..meetings.models import Meeting
from ..models_base import utcnow
from . import frames as f

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
    """A cell as text for HTML and PDF tables."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def table(frame: pd.DataFrame, limit: int | None = None) -> dict:
    """A frame as {columns, rows of text} for the templates."""
    shown = frame if limit is None else frame.head(limit)
    return {"columns": [str(c) for c in frame.columns],
            "numeric": [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
                        for c in frame.columns],
            "rows": [[cell(v) for v in row] for row in shown.itertuples(index=False, name=None)],
            "count": len(frame)}


def render_pdf(report: Report, meeting: Meeting, filters: f.Filters, frames: dict[str, pd.DataFrame],
               extra: dict | None = None) -> bytes:
    """The report through its print template (print.css: A4, page numbers, rows that do not split)."""
    import weasyprint

    # Reads our static CSS and fonts only: no typed URL reaches the network.
    from ..badges.render import StaticFilesFetcher

    static = Path(current_app.static_folder)
    html = render_template(report.template, report=report, meeting=meeting, filters=filters,
                           tables={name: table(frame) for name, frame in frames.items()}, frames=frames,
                           made_at=utcnow().astimezone(meeting.tz), **(extra or {}))
    return weasyprint.HTML(string=html, base_url=static.as_uri() + "/",
                           url_fetcher=StaticFilesFetcher()).write_pdf()


def render_report(report: Report, meeting: Meeting, filters: f.Filters, fmt: str) -> tuple[bytes, str]:
    """The report as (bytes, file name) in `fmt`: pdf, xlsx (a sheet per table) or csv (the main table)."""
    extra = {}
    if report.key == "balance":
        extra["data"] = f.balance_data(meeting)
        frames = f.balance_frames(meeting, filters, extra["data"])
    else:
        frames = report.build(meeting, filters)
    name = f"{report.key}-{meeting.id}"
    if fmt == "pdf":
        return render_pdf(report, meeting, filters, frames, extra), f"{name}.pdf"
    if fmt == "xlsx":
        return xlsx_workbook(frames), f"{name}.xlsx"
    if fmt == "csv":
        return csv_bytes(main_frame(report, frames)[1]), f"{name}.csv"
    raise ValueError(f"unknown format {fmt!r}")
