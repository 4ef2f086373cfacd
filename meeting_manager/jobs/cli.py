"""`flask jobs cleanup` (old results, lost jobs) and `flask jobs run JOB_ID` (run a queued job here and now)."""
import click
from flask.cli import AppGroup

from . import services

jobs = AppGroup("jobs", help="Background jobs: clean up old results, run a queued job.")


@jobs.command("cleanup")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help=f"Delete results finished more than this many days ago [default: JOBS_RESULT_DAYS or "
                   f"{services.RESULT_DAYS}].")
def cleanup(days: int | None) -> None:
    """Delete old job results, re-queue the jobs lost with their process (once), fail those lost again."""
    counts = services.cleanup_jobs(days)
    click.echo(f"Deleted {counts['results_deleted']} old results; {counts['requeued']} lost jobs re-queued; "
               f"{counts['lost']} marked failed.")


@jobs.command("run")
@click.argument("job_id", type=int)
def run(job_id: int) -> None:
    """Run a queued job in this process (e.g. one left queued when its web process stopped)."""
    job = services.run_job(job_id)
    if job is None:
        raise click.ClickException(f"There is no job {job_id}.")
    click.echo(f"Job {job.id}: {job.status.value}")


@jobs.command("check-worker")
@click.option("--timeout", type=float, default=20.0, show_default=True, help="Seconds to wait for the answers.")
def check_worker(timeout: float) -> None:
    """Readiness: a worker on this broker takes a task from each queue (jobs, mail), or this fails."""
    from flask import current_app

    from .broker import check_workers

    if not current_app.config.get("CELERY_BROKER_URL"):
        raise click.ClickException("No broker is configured (REDIS_URL or CELERY_BROKER_URL): jobs run in the app.")
    answered = check_workers(current_app, timeout)
    for queue, ok in answered.items():
        click.echo(f"{queue}: {'a worker answered' if ok else f'no worker answered within {timeout:g} s'}")
    if not all(answered.values()):
        raise SystemExit(1)


commands = [jobs]
