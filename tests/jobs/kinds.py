"""Job kinds for the tests; a Celery worker started by a test imports this module too (`--include jobs.kinds`)."""
import os

from sqlalchemy import select

from meeting_manager.errors import DomainError
from meeting_manager.extensions import db
from meeting_manager.jobs.models import Job
from meeting_manager.jobs.services import job_kind


@job_kind("test.count", title="Counting")
def count(job: Job, progress):
    """Count to params["n"], reporting progress at each step; the file lists the numbers."""
    total = job.params["n"]
    for number in range(1, total + 1):
        progress(number, total)
    return "\n".join(str(n) for n in range(1, total + 1)).encode(), job.params.get("filename", "count.txt")


@job_kind("test.observe")
def observe(job: Job, progress):
    """Report half-way, then read the job's progress on another connection, as its page would."""
    progress(2, 4)
    with db.engine.connect() as connection:
        seen = connection.execute(select(Job.done, Job.total, Job.status).where(Job.id == job.id)).one()
    progress(4, 4)
    return f"{seen.done}/{seen.total} {seen.status.value}".encode(), "seen.txt"


@job_kind("test.whoami")
def whoami(job: Job, progress):
    """The id of the process that ran the job."""
    progress(1, 1)
    return str(os.getpid()).encode(), "pid.txt"


@job_kind("test.badges")
def badges(job: Job, progress):
    """Four badges in two chunks with two render processes, as a badge batch renders; reports whether this process
    may start processes at all (a daemonic one, like a Celery prefork child, renders everything in itself)."""
    import io
    import json
    import multiprocessing

    import pypdf

    from meeting_manager.badges import render

    render.CHUNK_SIZE = 2
    people = [render.BadgeData(badge_name=f"Person {i}", organisation="Org", country="Kenya", category="Delegate",
                               category_colour="#1f5f8b", qr_payload=f"token-{i}", meeting_title="Test")
              for i in range(4)]
    pdf = render.render_badges_pdf(people, workers=2, cache_dir=None)
    progress(1, 1)
    report = {"daemon": multiprocessing.current_process().daemon,
              "pages": len(pypdf.PdfReader(io.BytesIO(pdf)).pages)}
    return json.dumps(report).encode(), "badges.json"


@job_kind("test.nothing")
def nothing(job: Job, progress):
    """Finish without a file (returns None)."""


@job_kind("test.refuse")
def refuse(job: Job, progress):
    """Stop with a message for the person who started it."""
    progress(1, 4)
    raise DomainError("The badge template of this meeting is missing.")


@job_kind("test.crash")
def crash(job: Job, progress):
    """Crash with an error whose text quotes personal data."""
    progress(1, 4)
    raise RuntimeError("cannot render Amina Person <amina@example.org>")


@job_kind("test.slow")
def slow(job: Job, progress):
    """params["steps"] steps of params["pause"] seconds each, reporting progress at each: long enough to be killed
    in the middle."""
    import time

    steps = job.params["steps"]
    for step in range(1, steps + 1):
        time.sleep(job.params["pause"])
        progress(step, steps)
    return str(steps).encode(), "slow.txt"


@job_kind("test.wait_for_heartbeat")
def wait_for_heartbeat(job: Job, progress):
    """Report nothing, and wait (at most 30 s) until the job's heartbeat moves its updated_at on another
    connection."""
    import time

    with db.engine.connect() as connection:
        first = connection.execute(select(Job.updated_at).where(Job.id == job.id)).scalar_one()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with db.engine.connect() as connection:
            if connection.execute(select(Job.updated_at).where(Job.id == job.id)).scalar_one() > first:
                return b"beat", "beat.txt"
        time.sleep(0.05)
    return b"silent", "beat.txt"


@job_kind("test.cancel_itself")
def cancel_itself(job: Job, progress):
    """Cancelled (on another connection, as from its page) after its first step; then goes on reporting."""
    from sqlalchemy import update

    from meeting_manager.jobs.models import JobStatus

    progress(1, job.params["n"])
    with db.engine.begin() as connection:
        connection.execute(update(Job).where(Job.id == job.id).values(status=JobStatus.cancelled))
    for number in range(2, job.params["n"] + 1):
        progress(number, job.params["n"])
    return b"should not be kept", "cancelled.txt"
