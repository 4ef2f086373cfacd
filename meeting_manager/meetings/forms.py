"""The meeting form: what an organiser sets for one edition."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DateTimeLocalField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from ..i18n_text import CONTENT_LANGUAGES, TranslatedField
from ..languages.catalog import language_label
from ..widgets import MultiCheckboxField, choices_of
from .models import MeetingStatus, RegistrationMode
from .zones import timezone_choices

#: a datetime-local input only shows a value written "2028-01-10T09:00"; WTForms would write "2028-01-10 09:00:00",
#: which browsers show as empty, so saving an edit form unchanged would clear the registration window
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def _languages():
    return choices_of((code, language_label(code)) for code in CONTENT_LANGUAGES)


class MeetingForm(FlaskForm):
    # InputRequired, not DataRequired, where a typed value can be wrong: DataRequired would answer "required" to
    # a capacity of 0 or "abc" and to an impossible date, hiding the real problem.
    # A callable: the languages are named in the reader's language, known only when the form is built.
    default_language = SelectField(_l("Default language of the meeting's texts"), default="en",
                                   choices=_languages)
    content_languages = MultiCheckboxField(_l("Texts are also written in"), default=list(CONTENT_LANGUAGES),
                                           choices=_languages)
    title = TranslatedField(_l("Title"), max_length=200, required=True)
    edition = IntegerField(_l("Edition number"), validators=[Optional(), NumberRange(min=1, max=1000)])
    description = TranslatedField(_l("What participants should know"), max_length=20000, multiline=True)
    starts_on = DateField(_l("First day"), validators=[InputRequired()])
    ends_on = DateField(_l("Last day"), validators=[InputRequired()])
    timezone = SelectField(_l("Time zone"), choices=choices_of(timezone_choices()), default="UTC")
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    country_code = SelectField(_l("Country"), validators=[Optional()])
    capacity = IntegerField(_l("Capacity (seats)"), validators=[InputRequired(), NumberRange(min=1, max=100000)])
    registration_opens_at = DateTimeLocalField(_l("Registration opens (meeting time)"), format=LOCAL_FORMATS,
                                            validators=[Optional()])
    registration_closes_at = DateTimeLocalField(_l("Registration closes (meeting time)"), format=LOCAL_FORMATS,
                                             validators=[Optional()])
    edit_deadline = DateTimeLocalField(_l("Participants may edit until (meeting time)"), format=LOCAL_FORMATS,
                                    validators=[Optional()])
    status = SelectField(
        _l("Status"), choices=choices_of([(s.value, _l(s.value.capitalize())) for s in MeetingStatus]),
        coerce=MeetingStatus,
    )
    registration_mode = SelectField(
        _l("Registration"),
        coerce=RegistrationMode,
        choices=choices_of([(RegistrationMode.invitation_only.value, _l("By invitation only")),
                 (RegistrationMode.open.value, _l("Open: anyone may apply"))]),
    )
    region_scheme_id = SelectField(_l("Region scheme for balance"), coerce=int)
    previous_id = SelectField(_l("Previous edition"), coerce=int)
    visa_signatory_name = StringField(_l("Visa letters are signed by (name)"), validators=[Optional(), Length(max=200)])
    visa_signatory_title = StringField(_l("Their title"), validators=[Optional(), Length(max=200)])
    visa_signatory_contact = StringField(_l("Contact for embassies (email, phone or address)"),
                                         validators=[Optional(), Length(max=300)])
    require_verified_note_verbale = BooleanField(
        _l("State delegations need a verified note verbale before their members are approved")
    )
    require_captcha = BooleanField(_l("Everyone applying without an invitation answers a CAPTCHA"))
    retention_days = IntegerField(
        _l("Erase passport, visa, travel details and needs this many days after the meeting"),
        validators=[Optional(), NumberRange(min=0, max=3650)],
        description=_l("Empty: the site's default."))
    over_capacity_ok = BooleanField(_l("Save this capacity although more are approved (the excess is shown on the "
                                       "dashboard and the queue; nobody is unapproved)"))

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot be before the first day."))

    def validate_registration_closes_at(self, field):
        opens = self.registration_opens_at.data
        if opens and field.data and field.data <= opens:
            raise ValidationError(_l("Registration must close after it opens."))
