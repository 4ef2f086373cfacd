"""`flask load-reference-data`."""
import click
from flask.cli import with_appcontext

from ..extensions import db
from .services import load_reference_data


@click.command("load-reference-data")
@with_appcontext
def load_reference_data_command() -> None:
    """Load the shipped countries and the UN Regional Groups and M49 schemes (idempotent)."""
    counts = load_reference_data()
    db.session.commit()
    click.echo(f"Loaded {counts['countries']} countries and {counts['schemes']} region schemes.")


commands = [load_reference_data_command]
