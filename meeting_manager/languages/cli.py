"""`flask translations update | compile`."""
import click

from . import catalogs


@click.group("translations")
def translations() -> None:
    """The interface's translation catalogs."""


@translations.command("update")
def update() -> None:
    """Extract the strings of the code and merge them into every catalog (then translate what is new)."""
    catalogs.update()
    click.echo(f"Updated {', '.join(catalogs.translated())} from {catalogs.TEMPLATE.name}.")


@translations.command("compile")
def compile_catalogs() -> None:
    """Build the .mo files the app reads."""
    built = catalogs.compile_all(only_stale=False)
    click.echo(f"Compiled {', '.join(built) or 'nothing'}.")


commands = [translations]
