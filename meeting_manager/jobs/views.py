"""A job's page (progress bar, then download link), its status as JSON for the page's script, and its file."""
import threading

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import Rule, allow
from ..audit.services import record
from ..extensions import db
from ..meetings.models import Meeting
from . import services
from .dispatch import dispatch, run_inline_tasks, runner_mode
from .models import Job

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
#: who started the job named by the route's `job_id` (its result may hold personal data), or an admin
JOB_OWNER = Rule("job owner", lambda user, view_args: services.can_see_job(user, view_args.get("job_id")))


@bp.app_context_processor
def job_helpers() -> dict:
    """jobs/_progress.html is included by other features' pages: it says what a finished job made."""
    return {"job_summary": services.job_summary}
# Under TESTING without a broker, work committed by a request runs when the request ends (see jobs.dispatch).
bp.after_app_request(run_inline_tasks)
_watch_started = threading.Lock()


@bp.before_app_request
def watch_lost_jobs_after_a_restart():
    """Jobs in threads of the web process die with it: at its first request, and once a lost job's heartbeat is
    surely silent (JOBS_LOST_SECONDS later), look for them and run them again (Celery has beat for that)."""
    if _watch_started.locked() or not _watch_started.acquire(blocking=False):
        return
    app = current_app._get_current_object()
    if runner_mode(app) != "thread":
        return
    dispatch(app, "jobs.watch")
    later = threading.Timer(app.config.get("JOBS_LOST_SECONDS", services.LOST_SECONDS) + 5, dispatch,
                            args=(app, "jobs.watch"))
    later.daemon = True
    later.start()


@bp.route("/<int:job_id>")
@allow(JOB_OWNER)
def show(job_id: int):
    """A job's progress, and its download link once done."""
    job = services.watch_job(db.get_or_404(Job, job_id))
    meeting = db.session.get(Meeting, job.meeting_id) if job.meeting_id else None
    return render_template("jobs/job.html", job=job, title=services.job_title(job), meeting=meeting,
                           has_file=services.result_file(job) is not None,
                           no_worker=services.waits_for_worker(job))


@bp.route("/<int:job_id>/cancel", methods=["POST"])
@allow(JOB_OWNER)
def cancel(job_id: int):
    """Stop a queued or running job."""
    services.cancel_job(db.get_or_404(Job, job_id), actor=current_user)
    db.session.commit()
    flash(_("The job was cancelled."), "info")
    return redirect(url_for("jobs.show", job_id=job_id), 303)


@bp.route("/<int:job_id>/restart", methods=["POST"])
@allow(JOB_OWNER)
def restart(job_id: int):
    """Run a failed or cancelled job again."""
    services.restart_job(db.get_or_404(Job, job_id), actor=current_user)
    db.session.commit()
    flash(_("The job was started again."), "info")
    return redirect(url_for("jobs.show", job_id=job_id), 303)


@bp.route("/<int:job_id>/status")
@allow(JOB_OWNER)
def status(job_id: int):
    """The job's status and progress, polled by its page every second."""
    job = services.watch_job(db.get_or_404(Job, job_id))
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
    record("job.download", actor=current_user, subject=job, meeting=services._MeetingRef(job.meeting_id),
           kind=job.kind)
    db.session.commit()
    response = send_file(path, as_attachment=True, download_name=job.result_name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
