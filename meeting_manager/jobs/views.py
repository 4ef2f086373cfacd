"""A job's page (progress bar, then download link), its status as JSON for the page's script, and its file."""
from flask import Blueprint, abort, jsonify, render_template, send_file, url_for
from flask_login import current_user

from ..access import JOB_OWNER, allow
from ..audit.services import record
from ..extensions import db
from ..meetings.models import Meeting
from . import services
from .dispatch import run_inline_tasks
from .models import Job

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.app_context_processor
def job_helpers() -> dict:
    """jobs/_progress.html is included by other features' pages: it says what a finished job made."""
    return {"job_summary": services.job_summary}
# Under TESTING without a broker, work committed by a request runs when the request ends (see jobs.dispatch).
bp.after_app_request(run_inline_tasks)


@bp.route("/<int:job_id>")
@allow(JOB_OWNER)
def show(job_id: int):
    """A job's progress, and its download link once done."""
    job = db.get_or_404(Job, job_id)
    meeting = db.session.get(Meeting, job.meeting_id) if job.meeting_id else None
    return render_template("jobs/job.html", job=job, title=services.job_title(job), meeting=meeting,
                           has_file=services.result_file(job) is not None)


@bp.route("/<int:job_id>/status")
@allow(JOB_OWNER)
def status(job_id: int):
    """The job's status and progress, polled by its page every second."""
    job = db.get_or_404(Job, job_id)
    response = jsonify(services.job_status(job, url_for("jobs.download", job_id=job.id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:job_id>/download")
@allow(JOB_OWNER)
def download(job_id: int):
    """The job's file (audited: it is an export)."""
    job = db.get_or_404(Job, job_id)
    if (path := services.result_file(job)) is None:
        abort(404)
    record("job.download", actor=current_user, subject=job, meeting=_MeetingRef(job.meeting_id), kind=job.kind)
    db.session.commit()
    response = send_file(path, as_attachment=True, download_name=job.result_name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


class _MeetingRef:
    """What audit.record reads from a meeting (its id), without loading the meeting."""

    def __init__(self, meeting_id: int | None):
        self.id = meeting_id
