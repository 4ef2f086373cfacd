"""`flask delegations digest [--loop]`: the daily digest to focal points who chose one (Celery beat runs
`delegations.focal_digest` where it is used)."""
import time

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..jobs.dispatch import task
from . import notices

delegations = AppGroup("delegations", help="Delegations and their focal points.")


@task("delegations.focal_digest")
def run_digests() -> int:
    sent = notices.send_digests()
    db.session.commit()
    return sent


@delegations.command("digest")
@click.option("--loop", is_flag=True, help="Keep going: a pass every --interval seconds, until stopped.")
@click.option("--interval", default=3600.0, show_default=True, type=click.FloatRange(min=1))
def digest(loop: bool, interval: float) -> None:
    """Send the day's digest to each focal point who chose one and whose members had news."""
    while True:
        try:
            click.echo(f"{run_digests()} digests queued.")
        except Exception as error:  # the loop outlives a database restart; the next pass retries
            if not loop:
                raise
            db.session.rollback()
            current_app.logger.error("Focal point digest pass failed: %s", type(error).__name__)
        if not loop:
            return
        time.sleep(interval)


commands = [delegations]
