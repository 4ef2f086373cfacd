"""Forms of the delegation pages: the organiser's delegation form and the focal point's nomination and upload."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from ..invitations.forms import strip
from ..widgets import choices_of
from .models import DelegationKind
from .services import KIND_LABELS


class DelegationForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices_of([(k.value, KIND_LABELS[k]) for k in DelegationKind]),
                       coerce=DelegationKind)
    country_code = SelectField(_l("Country"))
    seats = IntegerField(_l("Seats"), default=3, validators=[DataRequired(), NumberRange(min=1, max=500)])
    focal_point_name = StringField(_l("Focal point's name"), filters=[strip],
                                   validators=[DataRequired(), Length(max=200)])
    focal_point_email = EmailField(_l("Focal point's email"), filters=[strip],
                                   validators=[DataRequired(), Email(), Length(max=254)])
    invite_focal_point = BooleanField(_l("Invite the focal point now"), default=True)

    def validate_country_code(self, field):
        if self.kind.data == DelegationKind.state and not field.data:
            raise ValidationError(_l("A State delegation needs its country."))


class NominationForm(FlaskForm):
    given_name = StringField(_l("Given name"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    family_name = StringField(_l("Family name"), filters=[strip], validators=[Optional(), Length(max=120)])
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])


class NoteVerbaleForm(FlaskForm):
    file = FileField(_l("Note verbale (PDF)"), validators=[
        FileRequired(), FileAllowed(["pdf"], _l("Please upload the note verbale as a PDF."))])
