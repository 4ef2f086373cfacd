"""`flask waitlist tick`: expire offers past their deadline (offering the seats on) and send the day's digests.

Run it every few minutes beside the web server where there is no Celery beat (which runs `waitlist.tick`)."""
import time

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..jobs.dispatch import task
from . import services

waitlist = AppGroup("waitlist", help="Waiting-list offers.")


@task("waitlist.tick")
def run_tick() -> dict[str, int]:
    counts = services.tick()
    db.session.commit()
    return counts


@waitlist.command("tick")
@click.option("--loop", is_flag=True, help="Keep going: a pass every --interval seconds, until stopped.")
@click.option("--interval", default=300.0, show_default=True, type=click.FloatRange(min=1))
def tick(loop: bool, interval: float) -> None:
    """Expire offers whose deadline passed, offer their seats to the next, send due digests."""
    while True:
        try:
            counts = run_tick()
        except Exception as error:  # the loop outlives a database restart; the next pass retries
            if not loop:
                raise
            db.session.rollback()
            current_app.logger.error("Waiting-list pass failed: %s", type(error).__name__)
        else:
            click.echo(f"{counts['expired']} offers expired, {counts['digests']} digests queued.")
        if not loop:
            return
        time.sleep(interval)


commands = [waitlist]
