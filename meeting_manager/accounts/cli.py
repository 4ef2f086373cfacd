"""`flask create-admin`."""
import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import with_appcontext

from ..extensions import db
from . import services


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", default="Administrator", show_default=True)
@click.password_option()
@with_appcontext
def create_admin(email: str, name: str, password: str) -> None:
    """Create an administrator account, or make an existing account an administrator with this password."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="email") from error
    if len(password) < 10:
        raise click.BadParameter("use at least 10 characters", param_hint="password")
    user = services.get_user_by_email(email)
    if user is None:
        user = services.create_user(email, name, password, is_admin=True)
    else:
        user.is_admin = True
        services.set_password(user, password)
    db.session.commit()
    click.echo(f"Administrator {user.email} is ready.")


commands = [create_admin]
