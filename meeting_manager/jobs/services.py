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

A running job beats: its `updated_at` moves every JOBS_HEARTBEAT_SECONDS (a thread beside the work), so a job
whose process died (`kill -9` of a worker) falls silent. `requeue_lost_jobs` (Celery beat every 20 s, a worker
when it starts, the job's page when it polls, `flask jobs cleanup`) finds the running jobs silent for
JOBS_LOST_SECONDS and queues them again, once (JOBS_MAX_ATTEMPTS runs in all); after that the job fails with a
message. A run that finds its job is no longer its own (cancelled from the page, or taken over after it was taken
as lost) stops at its next progress report or heartbeat, and its result is dropped.

Old results are deleted by `cleanup_jobs` (`flask jobs cleanup`, or hourly by Celery beat), which also marks as
failed the jobs still queued after JOBS_STALE_HOURS (no worker ever took them).
"""
import logging
import shutil
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select, update
from werkzeug.utils import secure_filename

from ..audit.services import record
from ..errors import DomainError
from ..extensions import db
from ..models_base import utcnow
from .dispatch import log_failure, run_after_commit, task
from .models import Job, JobStatus

log = logging.getLogger(__name__)

#: days a finished job's file is kept for download (setting JOBS_RESULT_DAYS)
RESULT_DAYS = 7
#: hours without a sign of life after which a queued or running job is taken as lost (setting JOBS_STALE_HOURS)
STALE_HOURS = 6
#: at most one progress write per this many seconds (setting JOBS_PROGRESS_SECONDS); the last one always
PROGRESS_SECONDS = 0.5
#: a running job's heartbeat, and the silence after which it is taken as lost, in seconds (JOBS_HEARTBEAT_SECONDS,
#: JOBS_LOST_SECONDS); runs of one job at most (JOBS_MAX_ATTEMPTS): a lost run is re-queued once
HEARTBEAT_SECONDS = 10
LOST_SECONDS = 60
MAX_ATTEMPTS = 2
#: a job queued this long (seconds, JOBS_NO_WORKER_SECONDS) that no worker has started: its page says so
NO_WORKER_SECONDS = 60

Progress = Callable[[int, int], None]
JobFunction = Callable[[Job, Progress], "tuple[bytes, str] | None"]


@dataclass(frozen=True)
class JobKind:
    name: str
    function: JobFunction
    title: str
    #: job -> the access rule of what the job makes (e.g. the report's); its result is for those it allows now
    rule_for: Callable[[Job], object] | None = None
    #: what a finished job made, in the reader's language ("258 badges, A6"), from the job's row
    describe: Callable[[Job], str] | None = None


#: registered job kinds by name
KINDS: dict[str, JobKind] = {}


def job_kind(name: str, *, title=None, rule_for: Callable[[Job], object] | None = None, describe=None):
    """Register `fn(job, progress) -> (content, filename) | None` as the job kind `name`; `rule_for(job)` gives the
    access rule (meeting_manager.access) that the job's page and result are checked against, at every request;
    `describe(job)` says what a finished job made."""

    def register(function: JobFunction) -> JobFunction:
        KINDS[name] = JobKind(name, function, title or name, rule_for, describe)
        return function

    return register


def get_kind(name: str) -> JobKind | None:
    """The registered kind `name` (the app factory imports the features' `jobs` modules, which register theirs)."""
    return KINDS.get(name)


def start_job(kind: str, *, meeting=None, actor=None, params: dict) -> Job:
    """Queue a job of a registered kind; it starts once the caller's transaction commits."""
    if get_kind(kind) is None:
        raise KeyError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, meeting_id=getattr(meeting, "id", None), created_by_id=getattr(actor, "id", None),
              params=dict(params), locale=str(get_locale() or "") or None)
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
    """Only the person who started a job sees it (its file may hold personal data), and admins; and only while
    the access rule of what it makes still lets them in (a revoked organiser's visa list is closed to them)."""
    job = db.session.get(Job, job_id) if isinstance(job_id, int) else None
    if job is None:
        return bool(user.is_admin)
    if not user.is_admin and job.created_by_id != user.id:
        return False
    kind = get_kind(job.kind)
    rule = kind.rule_for(job) if kind is not None and kind.rule_for is not None else None
    return rule is None or rule.allows(user, {"meeting_id": job.meeting_id})


class JobStopped(Exception):
    """The job is no longer this run's: cancelled from its page, or re-queued after it was taken as lost."""


def _setting(name: str, default):
    return current_app.config.get(name, default)


def _mine(job_id: int, attempt: int):
    """The WHERE clause of this run's writes: they change the job only while it is still this run's."""
    return and_(Job.id == job_id, Job.status == JobStatus.running, Job.attempts == attempt)


class _ProgressWriter:
    """The `progress(done, total)` given to a job: each write is its own short transaction on its own connection,
    so that the job's page sees it at once while the job's session keeps reading. It raises JobStopped when the
    job is no longer this run's."""

    def __init__(self, job_id: int, attempt: int):
        self.job_id, self.attempt = job_id, attempt
        self.done = self.total = 0
        self.every = _setting("JOBS_PROGRESS_SECONDS", PROGRESS_SECONDS)
        self.written_at = None
        self.stopped = threading.Event()
        self.engine = db.engine  # the heartbeat thread has no app context of its own

    def __call__(self, done: int, total: int) -> None:
        if self.stopped.is_set():
            raise JobStopped()
        self.done, self.total = int(done), int(total)
        now = time.monotonic()
        if self.written_at is not None and now - self.written_at < self.every and self.done < self.total:
            return
        self.written_at = now
        if not self._write(done=self.done, total=self.total):
            raise JobStopped()

    def _write(self, **values) -> bool:
        with self.engine.begin() as connection:
            result = connection.execute(
                update(Job).where(_mine(self.job_id, self.attempt)).values(updated_at=utcnow(), **values)
            )
        if result.rowcount != 1:
            self.stopped.set()
        return result.rowcount == 1

    def beat(self, every: float, finished: threading.Event) -> None:
        """The heartbeat thread: a sign of life every `every` seconds until the run ends or loses its job."""
        while not finished.wait(every):
            try:
                if not self._write():
                    return
            except Exception as error:  # a database hiccup: the next beat tries again
                log_failure(f"Heartbeat of job {self.job_id}", error)


def _claim(job_id: int) -> int | None:
    """Move the job from queued to running as a new run; its attempt number, or None if another worker has it
    (or it does not exist)."""
    now = utcnow()
    result = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == JobStatus.queued)
        .values(status=JobStatus.running, started_at=now, updated_at=now, attempts=Job.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.scalar(select(Job.attempts).where(Job.id == job_id))


@task("jobs.run")
def run_job(job_id: int) -> Job | None:
    """Run a queued job to its end: done with its file, or failed with a message. Runs each job once at a time."""
    attempt = _claim(job_id)
    if attempt is None:
        return get_job(job_id)
    job = get_job(job_id)
    progress = _ProgressWriter(job_id, attempt)
    finished = threading.Event()
    threading.Thread(target=progress.beat, args=(_setting("JOBS_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS), finished),
                     name=f"job-{job_id}-heartbeat", daemon=True).start()
    try:
        kind = get_kind(job.kind)
        if kind is None:
            raise DomainError(_("This kind of job is not known here."))
        with force_locale(job.locale) if job.locale else nullcontext():  # the starter's language, on any worker
            result = kind.function(job, progress)
        if progress.stopped.is_set() or not _still_mine(job_id, attempt):
            raise JobStopped()
        if result is not None:
            _store_result(job, *result)
    except JobStopped:
        finished.set()
        db.session.rollback()  # cancelled or taken over: whoever has the job now writes its state
        return get_job(job_id)
    except Exception as error:  # whatever happens, the job ends and its page says so
        finished.set()
        db.session.rollback()
        log_failure(f"Job {job_id} ({job.kind})", error)
        _mark_failed(job, error)
    else:
        finished.set()
        job.status, job.finished_at, job.updated_at = JobStatus.done, utcnow(), utcnow()
        job.total = max(progress.total, progress.done, job.total)
        job.done = job.total
    db.session.commit()
    return job


def _still_mine(job_id: int, attempt: int) -> bool:
    with db.engine.connect() as connection:
        return connection.execute(select(Job.id).where(_mine(job_id, attempt))).first() is not None


@task("jobs.watch")
def requeue_lost_jobs(job_id: int | None = None) -> dict[str, int]:
    """Queue again the running jobs whose heartbeat stopped (their process died), once; fail them after the last
    run (JOBS_MAX_ATTEMPTS). Only job `job_id` if given (its page asks). Commits; returns the counts."""
    silent_since = utcnow() - timedelta(seconds=_setting("JOBS_LOST_SECONDS", LOST_SECONDS))
    query = select(Job).where(Job.status == JobStatus.running, Job.updated_at < silent_since)
    if job_id is not None:
        query = query.where(Job.id == job_id)
    counts = {"requeued": 0, "failed": 0}
    for job in db.session.scalars(query.with_for_update(skip_locked=True)).all():
        if job.attempts < _setting("JOBS_MAX_ATTEMPTS", MAX_ATTEMPTS):
            job.status, job.updated_at, job.done = JobStatus.queued, utcnow(), 0
            run_after_commit("jobs.run", job.id)
            counts["requeued"] += 1
        else:
            job.status, job.finished_at, job.updated_at = JobStatus.failed, utcnow(), utcnow()
            job.error = _("The job was interrupted before it finished, again. Please start it again; if it stops "
                          "again, tell an administrator (job %(id)s).", id=job.id)
            counts["failed"] += 1
    db.session.commit()
    if counts["requeued"] or counts["failed"]:
        log.warning("Lost jobs: %(requeued)s re-queued, %(failed)s failed", counts)
    return counts


def watch_job(job: Job) -> Job:
    """The job's page polls: a running job whose heartbeat stopped is re-queued (or failed) now."""
    if job.status == JobStatus.running:
        silent_since = utcnow() - timedelta(seconds=_setting("JOBS_LOST_SECONDS", LOST_SECONDS))
        if job.updated_at < silent_since:
            requeue_lost_jobs(job.id)
            db.session.refresh(job)
    return job


class JobStateError(DomainError):
    message = _l("This job cannot do that now.")


def cancel_job(job: Job, *, actor) -> None:
    """Stop a queued or running job: it is marked cancelled at once; a running one stops at its next report."""
    if job.status.finished:
        raise JobStateError(_("This job has already ended."))
    record("job.cancel", actor=actor, subject=job, meeting=_MeetingRef(job.meeting_id), kind=job.kind)
    job.status, job.finished_at, job.updated_at = JobStatus.cancelled, utcnow(), utcnow()
    job.error = None


def restart_job(job: Job, *, actor) -> None:
    """Run a failed or cancelled job again from the start, with the same parameters; it starts after commit."""
    if job.status not in (JobStatus.failed, JobStatus.cancelled):
        raise JobStateError(_("Only a failed or cancelled job can be started again."))
    record("job.restart", actor=actor, subject=job, meeting=_MeetingRef(job.meeting_id), kind=job.kind)
    job.status, job.updated_at, job.finished_at, job.started_at = JobStatus.queued, utcnow(), None, None
    job.done = job.total = job.attempts = 0
    job.error = job.result_path = job.result_name = None
    run_after_commit("jobs.run", job.id)


class _MeetingRef:
    """What audit.record reads from a meeting (its id), without loading the meeting."""

    def __init__(self, meeting_id: int | None):
        self.id = meeting_id


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


def waits_for_worker(job: Job) -> bool:
    """Queued for over JOBS_NO_WORKER_SECONDS and no worker has started it: the workers may be down."""
    waited = utcnow() - job.updated_at
    return job.status == JobStatus.queued and waited > timedelta(seconds=_setting("JOBS_NO_WORKER_SECONDS",
                                                                                 NO_WORKER_SECONDS))


def job_summary(job: Job) -> str | None:
    """What a finished job made ("258 badges, A6, one badge a page"), or None."""
    kind = get_kind(job.kind) if job.status == JobStatus.done else None
    return kind.describe(job) if kind and kind.describe else None


def job_status(job: Job, download_url: str | None) -> dict:
    """What the job's page polls: status, progress, what it made, and where to download the result once done."""
    return {
        "no_worker": waits_for_worker(job),
        "rerun": job.attempts > 1 and not job.status.finished,
        "summary": job_summary(job),
        "result_name": job.result_name if job.status == JobStatus.done else None,
        "status": job.status.value,
        "percent": job.percent,
        "done": job.done,
        "total": job.total,
        "download_url": download_url if result_file(job) else None,
        "error": job.error if job.status in (JobStatus.failed, JobStatus.cancelled) else None,
    }


@task("jobs.cleanup")
def cleanup_jobs(older_than_days: int | None = None) -> dict[str, int]:
    """Delete results older than N days, re-queue the lost jobs, and mark as failed the jobs that stayed queued
    for JOBS_STALE_HOURS or were lost once too often; commits."""
    config = current_app.config
    days = config.get("JOBS_RESULT_DAYS", RESULT_DAYS) if older_than_days is None else older_than_days
    now = utcnow()
    old = db.session.scalars(
        select(Job).where(Job.finished_at < now - timedelta(days=days), Job.result_path.is_not(None))
    ).all()
    for job in old:
        shutil.rmtree(_results_root() / str(job.id), ignore_errors=True)
        job.result_path = None
    watched = requeue_lost_jobs()
    lost = db.session.scalars(
        select(Job).where(
            Job.status == JobStatus.queued,
            Job.updated_at < now - timedelta(hours=config.get("JOBS_STALE_HOURS", STALE_HOURS)),
        )
    ).all()
    for job in lost:
        job.status, job.finished_at = JobStatus.failed, now
        job.error = _("The job was interrupted before it finished. Please start it again.")
    db.session.commit()
    return {"results_deleted": len(old), "lost": len(lost) + watched["failed"], "requeued": watched["requeued"]}
