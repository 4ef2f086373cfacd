"""`flask privacy retention [--dry-run]`, `flask privacy erase EMAIL`, `flask keys new` and `flask keys reseal`."""
import click
from flask.cli import AppGroup

from ..extensions import db
from . import services
from .sealing import new_key

privacy = AppGroup("privacy", help="Retention and erasure of personal data.")
keys = AppGroup("keys", help="The keys that seal passport data (PASSPORT_KEYS or var/passport_keys).")


@privacy.command("retention")
@click.option("--dry-run", is_flag=True, help="Only say what would be erased.")
def retention(dry_run: bool) -> None:
    """Erase passport and visa data, travel details and free-text needs of meetings past their retention."""
    done = services.apply_retention(dry_run=dry_run)
    for meeting, counts in done:
        summary = ", ".join(f"{what}: {count}" for what, count in counts.items())
        click.echo(f"{'Would erase' if dry_run else 'Erased'} for meeting {meeting.id}: {summary}")
    if not done:
        click.echo("Nothing is past its retention period.")
    if not dry_run:
        db.session.commit()


@privacy.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase(email: str, yes: bool) -> None:
    """Erase or anonymise everything held about the owner of EMAIL."""
    if not yes:
        click.confirm("Erase this person's data? This cannot be undone.", abort=True)
    counts = services.erase_person(email, actor=None)
    db.session.commit()
    click.echo("Erased: " + ", ".join(f"{what}: {count}" for what, count in counts.items()))


@keys.command("new")
def new() -> None:
    """Print a new key: put it first in PASSPORT_KEYS (or var/passport_keys), then run `flask keys reseal`."""
    click.echo(new_key())


@keys.command("reseal")
def reseal() -> None:
    """Seal every stored passport value with the newest key; afterwards the older keys can be dropped."""
    count = services.reseal_passports()
    db.session.commit()
    click.echo(f"Resealed {count} visa requests with the newest key.")


commands = [privacy, keys]
