"""`flask backup` and `flask restore`."""
from pathlib import Path

import click
from flask.cli import with_appcontext

from . import services


def _say_keys(report: services.Report, verb: str) -> None:
    if report.keys:
        click.echo(f"Keys {verb}: {', '.join(report.keys)}.")
    for variable in report.keys_in_environment:
        click.echo(f"{variable} is set in the environment and is not in the archive: back it up separately "
                   "(the data cannot be read or checked without it).")


@click.command("backup")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="The archive to write (a new file); default: VAR_DIR/backups/meeting-manager-<time>.tar.gz")
@with_appcontext
def backup(output: Path | None) -> None:
    """Write the database, the private files and the key files into one archive (mode 0600)."""
    try:
        report = services.create_backup(output or services.default_archive_name())
    except services.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {report.archive} ({report.database} database, {report.files} files).")
    _say_keys(report, "included")
    click.echo("The archive holds personal data and the keys that protect it: keep it as safe as the server.")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database and files that are in use.")
@with_appcontext
def restore(archive: Path, force: bool) -> None:
    """Restore an archive written by `flask backup` into this installation's database, files and keys."""
    try:
        report = services.restore_backup(archive, force=force)
    except services.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored the {report.database} database and {report.files} files from {archive}.")
    _say_keys(report, "restored")
    click.echo("Restart the app servers and workers so that they read the restored keys.")


commands = [backup, restore]
