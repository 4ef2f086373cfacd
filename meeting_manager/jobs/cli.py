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


commands = [jobs]
