"""Forms for signing in, resetting a password and managing accounts."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ..widgets import choices_of

PASSWORD_RULES = [DataRequired(), Length(min=10, max=200, message=_l("Use 10 to 200 characters."))]


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class EmailForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=PASSWORD_RULES)
    confirm = PasswordField(
        _l("Repeat the new password"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))]
    )


class UserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    is_admin = BooleanField(_l("Administrator"))


class RoleForm(FlaskForm):
    meeting_id = SelectField(_l("Meeting"), coerce=int, validators=[DataRequired()])
    role = SelectField(_l("Role"), choices=choices_of([("organiser", _l("Organiser")), ("staff", _l("Staff"))]))
