"""The background job that builds a report download: params {report, format, filters}."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..access import ORGANISER
from ..errors import DomainError
from ..extensions import db
from ..jobs.services import job_kind
from ..meetings.models import Meeting
from .frames import Filters
from .registry import BY_KEY, FORMATS, render_report


def _report_rule(job):
    report = BY_KEY.get(job.params.get("report"))
    return report.rule if report is not None else ORGANISER


@job_kind("reports.build", title=_l("Report"), rule_for=_report_rule)
def build_report(job, progress):
    """Build the frames, then render them, reporting each step; the file is kept for download by the jobs mechanism."""
    report = BY_KEY.get(job.params.get("report"))
    fmt = job.params.get("format")
    if report is None or fmt not in FORMATS:
        raise DomainError(_("This report or format is not known."))
    meeting = db.session.get(Meeting, job.meeting_id)
    progress(0, 1)
    return render_report(report, meeting, Filters.from_params(job.params.get("filters", {})), fmt, progress)
