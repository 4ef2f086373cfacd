"""`flask api deliver-webhooks [--loop --interval 30]`: send the webhook deliveries whose time has come (retries).

Beside the web server when there is no Celery beat (`./manage.sh run` runs it), like `flask mail deliver --loop`.
"""
import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from . import tokens, webhooks

api = AppGroup("api", help="The JSON API: webhook deliveries.")


@api.command("deliver-webhooks")
@click.option("--loop", is_flag=True, help="Keep going: a pass every --interval seconds, until stopped.")
@click.option("--interval", default=30.0, show_default=True, type=click.FloatRange(min=0.1))
def deliver_webhooks(loop: bool, interval: float) -> None:
    """Send the queued webhook deliveries whose time has come."""
    while True:
        try:
            counts = webhooks.deliver_due()
        except Exception as error:  # the loop outlives a database restart; the next pass retries
            if not loop:
                raise
            db.session.rollback()
            current_app.logger.error("Webhook delivery pass failed: %s", type(error).__name__)
            counts = {}
        if not loop:
            click.echo(", ".join(f"{name}: {n}" for name, n in counts.items()))
            return
        time.sleep(interval)


@api.command("make-token")
@click.option("--email", required=True, help="The account that owns the token.")
@click.option("--name", default="command line", show_default=True)
@click.option("--scopes", default="read", show_default=True, help="Comma-separated: read,decide,checkin,admin.")
@click.option("--days", default=None, type=click.IntRange(1, tokens.MAX_DAYS), help="Expiry; none by default.")
def make_token(email: str, name: str, scopes: str, days: int | None) -> None:
    """Make an API token for an account and print it (it is not shown again)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException("No account with that address.")
    _token, secret = tokens.create_token(user, name=name, scopes=[s.strip() for s in scopes.split(",")], days=days)
    db.session.commit()
    click.echo(secret)


commands = [api]
