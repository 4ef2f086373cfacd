"""`flask mail deliver [--loop --interval 30]`: send the due messages of the outbox, once or for ever;
`flask mail purge --days 90`: delete old sent messages.

Run it with `--loop` beside the web server when there is no Celery beat (`./manage.sh run` does): the web
process starts delivery after each commit, and this loop sends the retries whose time has come.
"""
import time

import click
from flask import current_app
from flask.cli import AppGroup

from ..audit.services import record
from ..extensions import db
from . import services

mail = AppGroup("mail", help="The outbox: deliver due messages.")


@mail.command("deliver")
@click.option("--loop", is_flag=True, help="Keep going: a pass every --interval seconds, until stopped.")
@click.option("--interval", default=30.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds between passes with --loop.")
@click.option("--limit", default=services.BATCH, show_default=True, type=click.IntRange(min=1),
              help="Messages per pass.")
def deliver(loop: bool, interval: float, limit: int) -> None:
    """Send the queued messages whose time has come (retries included)."""
    if not current_app.config.get("MAIL_SERVER"):
        click.echo("No MAIL_SERVER configured: messages are held in the outbox.")
        if not loop:
            return
    while True:
        try:
            counts = _deliver_all(limit)
        except Exception as error:  # the loop outlives a database restart; the next pass retries
            if not loop:
                raise
            db.session.rollback()
            current_app.logger.error("Mail delivery pass failed: %s", type(error).__name__)
            counts = {"claimed": 0}
        if counts["claimed"] or not loop:
            click.echo(f"Sent {counts['sent']}, not sent {counts['failed']} (will retry or failed).")
        if not loop:
            return
        try:
            time.sleep(interval)
        except KeyboardInterrupt:
            return


@mail.command("purge")
@click.option("--days", default=90, show_default=True, type=click.IntRange(min=0),
              help="Delete sent messages older than this many days.")
def purge(days: int) -> None:
    """Delete old sent messages from the outbox (they hold names, addresses and links)."""
    count = services.purge_sent(days)
    record("mail.purge", days=days, count=count)
    db.session.commit()
    click.echo(f"Deleted {count} sent messages older than {days} days.")


def _deliver_all(limit: int) -> dict[str, int]:
    """Passes until one comes back with fewer than `limit` messages (every pass commits what it did)."""
    total = {"claimed": 0, "sent": 0, "failed": 0}
    while True:
        counts = services.deliver_due(limit, probe=True)
        total = {key: total[key] + counts[key] for key in total}
        if counts["claimed"] < limit and not services.take_released():
            return total


commands = [mail]
