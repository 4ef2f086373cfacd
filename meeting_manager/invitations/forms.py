"""Forms of the invitation pages: one invitation, a bulk upload, its column mapping and its import step."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, EmailField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from ..widgets import choices_of
from .bulk import FIELD_LABELS, FIELDS


def strip(value):
    """Drop the spaces that copy and paste brings around names and addresses."""
    return value.strip() if isinstance(value, str) else value


class InvitationForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])
    given_name = StringField(_l("Given name"), filters=[strip], validators=[Optional(), Length(max=120)])
    family_name = StringField(_l("Family name"), filters=[strip], validators=[Optional(), Length(max=120)])
    country_code = SelectField(_l("Country"), validators=[Optional()])
    organisation = StringField(_l("Organisation"), filters=[strip], validators=[Optional(), Length(max=200)])
    category_id = SelectField(_l("Category"), coerce=int, default=0)
    seats = IntegerField(_l("Seats"), default=1, validators=[DataRequired(), NumberRange(min=1, max=500)])
    lock_email = BooleanField(_l("The invitee must register with this email address"), default=True)
    delegation_id = SelectField(_l("Delegation"), coerce=int, default=0)
    is_focal_point = BooleanField(_l("This person is the delegation's focal point (nominates its members)"))

    def validate_is_focal_point(self, field):
        if field.data and not self.delegation_id.data:
            raise ValidationError(_l("Choose the delegation this person is the focal point of."))


class UploadForm(FlaskForm):
    file = FileField(_l("Spreadsheet (.xlsx or .csv)"), validators=[
        FileRequired(), FileAllowed(["xlsx", "csv"], _l("Please upload a .csv or .xlsx file."))])


def mapping_form(headers: list[str], mapping: dict[str, str], upload_id: str) -> FlaskForm:
    """A form with one select per field of ours, listing the file's columns, pre-filled with the guess."""

    class MappingForm(FlaskForm):
        upload_id = HiddenField(validators=[DataRequired()])

    choices = [("", _l("— not in the file —"))] + [(h, h) for h in headers]
    for name in FIELDS:
        setattr(MappingForm, name, SelectField(FIELD_LABELS[name], choices=choices_of(choices), default=""))
    return MappingForm(data={"upload_id": upload_id, **mapping})


class ImportForm(FlaskForm):
    upload_id = HiddenField(validators=[DataRequired()])
    drop_bad = BooleanField(_l("Leave out the rows with problems and import the others"))
    lock_email = BooleanField(_l("Invitees must register with the invited email address"), default=True)
