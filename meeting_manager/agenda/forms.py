"""Agenda forms: rooms, sessions with their people, and the draft-agenda upload (input shape only)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..i18n_text import TranslatedField
from ..registration.models import Gender
from ..widgets import MultiCheckboxField, choices_of
from .models import PersonRole, SessionKind

KIND_LABELS = {
    SessionKind.plenary: _l("Plenary"),
    SessionKind.workshop: _l("Workshop"),
    SessionKind.side_event: _l("Side event"),
    SessionKind.break_: _l("Break"),
    SessionKind.reception: _l("Reception"),
}
ROLE_LABELS = {PersonRole.speaker: _l("Speaker"), PersonRole.moderator: _l("Moderator"),
               PersonRole.rapporteur: _l("Rapporteur")}
GENDER_LABELS = {Gender.woman: _l("Woman"), Gender.man: _l("Man"), Gender.another: _l("Another identity"),
                 Gender.undisclosed: _l("Prefer not to say")}
#: blank rows offered under a session's people, so that no script is needed to add some
BLANK_PERSON_ROWS = 3


class RoomForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    capacity = IntegerField(_l("Seats"), validators=[Optional(), NumberRange(min=1, max=100000)])
    interpretation_booths = IntegerField(_l("Interpretation booths"), default=0,
                                         validators=[Optional(), NumberRange(min=0, max=20)])
    accessible = BooleanField(_l("Step-free access and wheelchair spaces"), default=True)
    equipment = StringField(_l("Other equipment"), validators=[Optional(), Length(max=500)])
    position = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(min=0, max=1000)])


class PersonForm(Form):
    """One row of a session's people: a registered participant by email, or an outside person by name."""

    role = SelectField(_l("Role"), choices=choices_of([(r.value, label) for r, label in ROLE_LABELS.items()]),
                       default=PersonRole.speaker.value)
    email = StringField(_l("Participant's email"), validators=[Optional(), Length(max=254)])
    outside_name = StringField(_l("or outside person's name"), validators=[Optional(), Length(max=200)])
    gender = SelectField(_l("Gender (outside person)"),
                         choices=choices_of([("", "—")] + [(g.value, label) for g, label in GENDER_LABELS.items()]),
                         validators=[Optional()])
    country = StringField(_l("Country (outside person)"), validators=[Optional(), Length(max=10)])
    organisation = StringField(_l("Organisation (outside person)"), validators=[Optional(), Length(max=200)])

    @property
    def is_blank(self) -> bool:
        return not (self.email.data or "").strip() and not (self.outside_name.data or "").strip()

    def validate_outside_name(self, field):
        if (self.email.data or "").strip() and (field.data or "").strip():
            raise ValidationError(_l("Give either a participant's email or an outside person's name, not both."))


class SessionForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices_of([(k.value, label) for k, label in KIND_LABELS.items()]),
                       default=SessionKind.workshop.value)
    title = TranslatedField(_l("Title"), max_length=300, required=True)
    description = TranslatedField(_l("Description"), max_length=20000, multiline=True)
    day = DateField(_l("Day"), validators=[DataRequired()])
    starts = TimeField(_l("Starts (meeting time)"), validators=[DataRequired()])
    ends = TimeField(_l("Ends (meeting time)"), validators=[DataRequired()])
    room_id = SelectField(_l("Room"), coerce=int, default=0)
    capacity = IntegerField(_l("Places for sign-up"), validators=[Optional(), NumberRange(min=1, max=100000)])
    languages = MultiCheckboxField(_l("Floor languages"), validators=[Optional()])
    interpretation = BooleanField(_l("Interpretation offered"))
    track = StringField(_l("Track or theme"), validators=[Optional(), Length(max=120)])
    organiser_name = StringField(_l("Organised by (side events)"), validators=[Optional(), Length(max=200)])
    published = BooleanField(_l("Published on the public agenda"))
    people = FieldList(FormField(PersonForm), min_entries=0)

    def validate_ends(self, field):
        if self.starts.data and field.data and field.data <= self.starts.data:
            raise ValidationError(_l("The session must end after it starts."))


class ImportForm(FlaskForm):
    file = FileField(_l("Agenda file (CSV or XLSX)"), validators=[
        FileRequired(), FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file."))])
