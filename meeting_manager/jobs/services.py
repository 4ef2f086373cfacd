"""Long work (badge batches, big reports) as jobs whose state and progress live in the `jobs` table.

A feature registers a job kind, a function that does the work and reports progress::

    @job_kind("badges.batch", title=_l("Badge batch"))
    def render_badge_batch(job: Job, progress) -> tuple[bytes, str] | None:
        people = list_badge_holders(job.meeting_id, job.params["registration_ids"])
        for number, person in enumerate(people, 1):
            ...
            progress(number, len(people))
        return pdf_bytes, "badges.pdf"  # kept under STORAGE_DIR/jobs/<job id>/ for download; or return None

and its view starts one and shows its page (a progress bar, then a download link)::

    job = start_job("badges.batch", meeting=meeting, actor=current_user, params={"registration_ids": ids})
    record("badges.batch", actor=current_user, meeting=meeting, count=len(ids))
    db.session.commit()  # the job starts after this commit, never before
    return redirect(url_for("jobs.show", job_id=job.id))

Put kinds in `<feature>/jobs.py` (imported on first use, also by Celery workers) or in a module the feature's
views import. A job function gets the Job (its `params`, `meeting_id`, `created_by_id`) and `progress(done,
total)`; it should only read the database (its own writes are committed when it ends), raise a DomainError with
a message for the person who started it, and keep personal data out of that message.

Where a job runs (`jobs.dispatch`): on a Celery worker when a broker is configured, else in a daemon thread of the
web process. Under TESTING without a broker, a job started in a request runs at the end of that request (so a
test follows the redirect to a finished job); a job started outside a request waits for the test to call
`run_job(job.id)`.

Old results are deleted by `cleanup_jobs` (`flask jobs cleanup`, or hourly by Celery beat), which also marks as
failed the jobs whose process died (no sign of life for JOBS_STALE_HOURS).
"""
import importlib
import importlib.util
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from werkzeug.utils import secure_filename

from ..errors import DomainError
from ..extensions import db
from ..models_base import utcnow
from .dispatch import log_failure, run_after_commit, task
from .models import Job, JobStatus

#: days a finished job's file is kept for download (setting JOBS_RESULT_DAYS)
RESULT_DAYS = 7
#: hours without a sign of life after which a queued or running job is taken as lost (setting JOBS_STALE_HOURS)
STALE_HOURS = 6
#: at most one progress write per this many seconds (setting JOBS_PROGRESS_SECONDS); the last one always
PROGRESS_SECONDS = 0.5

Progress = Callable[[int, int], None]
JobFunction = Callable[[Job, Progress], "tuple[bytes, str] | None"]


@dataclass(frozen=True)
class JobKind:
    name: str
    function: JobFunction
    title: str
    #: what a finished job made, in the reader's language ("258 badges, A6"), from the job's row
    describe: Callable[[Job], str] | None = None


#: registered job kinds by name
KINDS: dict[str, JobKind] = {}


def job_kind(name: str, *, title=None, describe=None):
    """Register `fn(job, progress) -> (content, filename) | None` as the job kind `name`; `describe(job)` says
    what a finished job made."""

    def register(function: JobFunction) -> JobFunction:
        KINDS[name] = JobKind(name, function, title or name, describe)
        return function

    return register


def get_kind(name: str) -> JobKind | None:
    """The registered kind `name`, importing the features' `jobs` modules if it is not known yet."""
    if name not in KINDS:
        _import_job_modules()
    return KINDS.get(name)


def _import_job_modules() -> None:
    from .. import FEATURES

    for feature in FEATURES:
        module = f"meeting_manager.{feature}.jobs"
        try:
            found = importlib.util.find_spec(module)
        except ModuleNotFoundError:
            continue
        if found:
            importlib.import_module(module)


def start_job(kind: str, *, meeting=None, actor=None, params: dict) -> Job:
    """Queue a job of a registered kind; it starts once the caller's transaction commits."""
    if get_kind(kind) is None:
        raise KeyError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, meeting_id=getattr(meeting, "id", None), created_by_id=getattr(actor, "id", None),
              params=dict(params))
    db.session.add(job)
    db.session.flush()  # the id goes to the worker
    run_after_commit("jobs.run", job.id)
    return job


def get_job(job_id: int) -> Job | None:
    return db.session.get(Job, job_id)


def job_title(job: Job) -> str:
    """The kind's title for the job's page ("Badge batch"), or a neutral one for a kind not known here."""
    kind = get_kind(job.kind)
    return str(kind.title) if kind else _("Job %(id)s", id=job.id)


def can_see_job(user, job_id: int) -> bool:
    """Only the person who started a job sees it (its file may hold personal data), and admins."""
    if user.is_admin:
        return True
    return db.session.scalar(select(Job.created_by_id).where(Job.id == job_id)) == user.id


class _ProgressWriter:
    """The `progress(done, total)` given to a job: each write is its own short transaction on its own connection,
    so that the job's page sees it at once while the job's session keeps reading."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.done = self.total = 0
        self.every = current_app.config.get("JOBS_PROGRESS_SECONDS", PROGRESS_SECONDS)
        self.written_at = None

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = int(done), int(total)
        now = time.monotonic()
        if self.written_at is not None and now - self.written_at < self.every and self.done < self.total:
            return
        self.written_at = now
        with db.engine.begin() as connection:
            connection.execute(
                update(Job).where(Job.id == self.job_id).values(done=self.done, total=self.total, updated_at=utcnow())
            )


def _claim(job_id: int) -> bool:
    """Move the job from queued to running; False if another worker has it (or it does not exist)."""
    now = utcnow()
    result = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == JobStatus.queued)
        .values(status=JobStatus.running, started_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


@task("jobs.run")
def run_job(job_id: int) -> Job | None:
    """Run a queued job to its end: done with its file, or failed with a message. Runs each job once."""
    if not _claim(job_id):
        return get_job(job_id)
    job = get_job(job_id)
    progress = _ProgressWriter(job_id)
    try:
        kind = get_kind(job.kind)
        if kind is None:
            raise DomainError(_("This kind of job is not known here."))
        result = kind.function(job, progress)
        if result is not None:
            _store_result(job, *result)
    except Exception as error:  # noqa: BLE001 - whatever happens, the job ends and its page says so
        db.session.rollback()
        log_failure(f"Job {job_id} ({job.kind})", error)
        _mark_failed(job, error)
    else:
        job.status, job.finished_at, job.updated_at = JobStatus.done, utcnow(), utcnow()
        job.total = max(progress.total, progress.done, job.total)
        job.done = job.total
    db.session.commit()
    return job


def _mark_failed(job: Job, error: Exception) -> None:
    if isinstance(error, DomainError):
        job.error = str(error.message)
    else:  # its text may quote data of the job (names, emails): the person gets a plain message
        job.error = _("The job failed unexpectedly. Please try again; if it fails again, tell an administrator "
                      "(job %(id)s).", id=job.id)
    job.status, job.finished_at, job.updated_at = JobStatus.failed, utcnow(), utcnow()


def _store_result(job: Job, content: bytes, filename: str) -> None:
    if not isinstance(content, bytes) or not isinstance(filename, str):
        raise TypeError("a job returns (bytes, filename) or None")
    name = Path(filename.replace("\\", "/")).name or "result"
    folder = _results_root() / str(job.id)
    folder.mkdir(parents=True, exist_ok=True)
    on_disk = secure_filename(name) or "result"  # the download keeps the full (Unicode) name
    (folder / on_disk).write_bytes(content)
    job.result_path = f"jobs/{job.id}/{on_disk}"
    job.result_name = name[:200]


def _results_root() -> Path:
    return Path(current_app.config["STORAGE_DIR"]) / "jobs"


def result_file(job: Job) -> Path | None:
    """The path of a done job's file, if it is still kept."""
    if job.status != JobStatus.done or not job.result_path:
        return None
    storage = Path(current_app.config["STORAGE_DIR"]).resolve()
    path = (storage / job.result_path).resolve()
    return path if path.is_relative_to(storage) and path.is_file() else None


def job_summary(job: Job) -> str | None:
    """What a finished job made ("258 badges, A6, one badge a page"), or None."""
    kind = get_kind(job.kind) if job.status == JobStatus.done else None
    return kind.describe(job) if kind and kind.describe else None


def job_status(job: Job, download_url: str | None) -> dict:
    """What the job's page polls: status, progress, what it made, and where to download the result once done."""
    return {
        "summary": job_summary(job),
        "result_name": job.result_name if job.status == JobStatus.done else None,
        "status": job.status.value,
        "percent": job.percent,
        "done": job.done,
        "total": job.total,
        "download_url": download_url if result_file(job) else None,
        "error": job.error if job.status == JobStatus.failed else None,
    }


@task("jobs.cleanup")
def cleanup_jobs(older_than_days: int | None = None) -> dict[str, int]:
    """Delete results older than N days, and mark as failed the jobs whose process died; commits."""
    config = current_app.config
    days = config.get("JOBS_RESULT_DAYS", RESULT_DAYS) if older_than_days is None else older_than_days
    now = utcnow()
    old = db.session.scalars(
        select(Job).where(Job.finished_at < now - timedelta(days=days), Job.result_path.is_not(None))
    ).all()
    for job in old:
        shutil.rmtree(_results_root() / str(job.id), ignore_errors=True)
        job.result_path = None
    lost = db.session.scalars(
        select(Job).where(
            Job.status.in_((JobStatus.queued, JobStatus.running)),
            Job.updated_at < now - timedelta(hours=config.get("JOBS_STALE_HOURS", STALE_HOURS)),
        )
    ).all()
    for job in lost:
        job.status, job.finished_at = JobStatus.failed, now
        job.error = _("The job was interrupted before it finished. Please start it again.")
    db.session.commit()
    return {"results_deleted": len(old), "lost": len(lost)}
