"""The report page (what the user may see, with previews and filters) and downloads started as jobs."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import STAFF, allow
from ..audit.services import record
from ..checkin.services import meeting_days
from ..extensions import db
from ..i18n_text import default_language_of, pick, reader_language
from ..jobs.services import start_job
from ..meetings.loaders import meeting_or_404
from ..meetings.models import Meeting
from ..reference.services import region_choices
from . import queries
from .forms import FilterForm
from .frames import Filters
from .labels import table_name
from .registry import BY_KEY, FORMATS, PREVIEW_ROWS, main_frame, table, visible_reports

bp = Blueprint("reports", __name__)


def parse_filters(meeting: Meeting, args) -> tuple[Filters, list[str]]:
    """Filters from a query string or form; values that do not belong to this meeting are refused with a message."""
    return FilterForm(meeting, args).filters()


def _choices(meeting: Meeting) -> dict:
    return {"days": meeting_days(meeting),
            "sessions": [(s[0], pick(s[1], s[5], reader_language(), default_language_of(meeting)), s[2])
                         for s in queries.sessions(meeting)],
            "regions": region_choices(meeting.region_scheme_id),
            "categories": [(c.code, c.label) for c in meeting.categories]}


def _report_or_403(meeting: Meeting, key: str):
    report = BY_KEY.get(key) or abort(404)
    if not report.rule.allows(current_user, {"meeting_id": meeting.id}):
        abort(403)
    return report


def _narrowed(report, filters: Filters) -> Filters:
    """Only the filters this report takes."""
    return Filters(**{k: v for k, v in vars(filters).items() if k in report.filters})


@bp.route("/meetings/<int:meeting_id>/reports")
@allow(STAFF)
def index(meeting_id: int):
    """The reports this user may see, each with a preview of its main table and its downloads."""
    meeting = meeting_or_404(meeting_id)
    filters, errors = parse_filters(meeting, request.args)
    for message in errors:
        flash(message, "error")
    previews = []
    for report in visible_reports(current_user, meeting):
        name, frame = main_frame(report, report.build(meeting, _narrowed(report, filters)))
        previews.append((report, table_name(name), table(frame, PREVIEW_ROWS)))
        if report.key == "visa":  # passport data was shown: the log says who saw it
            record("reports.preview", actor=current_user, meeting=meeting, report=report.key, rows=len(frame))
    db.session.commit()
    return render_template("reports/index.html", meeting=meeting, previews=previews, filters=filters,
                           formats=FORMATS, **_choices(meeting))


@bp.route("/meetings/<int:meeting_id>/reports/<key>/export", methods=["POST"])
@allow(STAFF)
def export(meeting_id: int, key: str):
    """Start building a download in the background; its page shows progress, then the file."""
    meeting = meeting_or_404(meeting_id)
    report = _report_or_403(meeting, key)
    fmt = request.form.get("format", "")
    filters, errors = parse_filters(meeting, request.form)
    if fmt not in FORMATS or errors:
        for message in errors or [_("Choose PDF, XLSX or CSV.")]:
            flash(message, "error")
        return redirect(url_for("reports.index", meeting_id=meeting.id), 303)
    params = {"report": report.key, "format": fmt, "filters": _narrowed(report, filters).as_params()}
    job = start_job("reports.build", meeting=meeting, actor=current_user, params=params)
    record("reports.export", actor=current_user, meeting=meeting, subject=job, **params)
    db.session.commit()
    return redirect(url_for("jobs.show", job_id=job.id), 303)
