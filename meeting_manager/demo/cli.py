"""`flask demo-data`: fill the database with a realistic previous and current edition (idempotent)."""
import os
import secrets

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..reference.services import load_reference_data
from .services import build_demo, demo_exists, ensure_staff_accounts


def _demo_password() -> str:
    """DEMO_PASSWORD, or one generated once and kept in var/ so that every run prints the same login."""
    if password := os.environ.get("DEMO_PASSWORD"):
        return password
    path = current_app.config["STORAGE_DIR"].parent / "demo-password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


@click.command("demo-data")
@click.option("--admin-email", default="admin@example.org", show_default=True)
@click.option("--seed", default=2026, show_default=True)
@with_appcontext
def demo_data(admin_email: str, seed: int) -> None:
    """Create demo meetings and people unless they exist, and print the demo sign-ins."""
    password = _demo_password()
    load_reference_data()
    users = ensure_staff_accounts(admin_email, password)
    if demo_exists():
        click.echo("Demo data is already there.")
    else:
        counts = build_demo(users, seed)
        click.echo(f"Created {counts['meetings']} meetings with {counts['registrations']} registrations.")
    db.session.commit()
    base = current_app.config["SERVER_NAME_FOR_LINKS"].rstrip("/")
    click.echo(f"Sign in at {base}/account/sign-in with:")
    for role, user in users.items():
        click.echo(f"  {role:<12} {user.email:<28} password: {password}")


commands = [demo_data]
