"""Forms of the registration feature: the registration form (with the meeting's own questions), travel details,
cancellation, and the organiser's question form. They check the shape of the input; services check the rules."""
import secrets
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..i18n_text import TranslatedField, html, localized_option, tr
from ..languages.catalog import direction, html_tag
from ..names import NameOrder
from ..reference.services import country_choices
from ..widgets import CachedOptionsSelect, choices_of
from .models import Gender, QuestionKind, Relation
from .questions import ANSWER_LIMITS, clean_answers
from .services import clean_visa
from .validation import has_control_characters

GENDER_CHOICES = [(Gender.woman.value, _l("Woman")), (Gender.man.value, _l("Man")),
                  (Gender.another.value, _l("Another identity")), (Gender.undisclosed.value, _l("Prefer not to say"))]
RELATION_CHOICES = [(Relation.member.value, _l("Member of the network")),
                    (Relation.prospective.value, _l("Prospective member")),
                    (Relation.guest.value, _l("Invited guest")), (Relation.expert.value, _l("Expert"))]
LANGUAGE_CHOICES = [("", _l("None needed")), ("ar", _l("Arabic")), ("zh", _l("Chinese")), ("en", _l("English")),
                    ("fr", _l("French")), ("ru", _l("Russian")), ("es", _l("Spanish"))]
CHOOSE = ("", _l("— choose —"))
NAME_ORDER_CHOICES = [("", _l("As usual for the script of my name")),
                      (NameOrder.given_first.value, _l("Given name first (Amina Diallo)")),
                      (NameOrder.family_first.value, _l("Family name first (王 秀英, Nguyễn Thị Minh Khai)"))]
VISA_FIELDS = ("passport_number", "passport_expiry", "date_of_birth", "place_of_birth")
#: the built-in fields handed to the services under their own names
BUILTIN_FIELDS = ("title", "given_name", "family_name", "name_order", "badge_name", "latin_name", "passport_name",
                  "email",
                  "gender", "nationality", "residence_country",
                  "organisation", "organisation_country", "position", "category_id", "relation", "dietary",
                  "accessibility", "interpretation_language", "data_consent", "public_listing_consent")


def gender_label(gender) -> str:
    """The gender as the form words it."""
    return str(dict(GENDER_CHOICES).get(getattr(gender, "value", gender), ""))


def relation_label(relation) -> str:
    """The relation to the network as the form words it."""
    return str(dict(RELATION_CHOICES).get(getattr(relation, "value", relation), ""))


def language_label(code) -> str:
    """The interpretation language's name."""
    return str(dict(LANGUAGE_CHOICES).get(code or "", code or ""))


class PlainText:
    """Refuse invisible control characters (they break PostgreSQL or hide text); line breaks only if multiline."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field):
        if isinstance(field.data, str) and has_control_characters(field.data, multiline=self.multiline):
            raise ValidationError(_l("Remove the invisible control characters."))


def _text(label, limit, *, required=False, multiline=False, **kw):
    validators = [DataRequired() if required else Optional(), Length(max=limit), PlainText(multiline)]
    field = TextAreaField if multiline else StringField
    return field(label, validators=validators, filters=[lambda v: v.strip() if isinstance(v, str) else v], **kw)


def _optional_int(value):
    return int(value) if str(value).isdigit() else None


class RegistrationForm(FlaskForm):
    """Everything a participant gives; `registration_form()` adds the meeting's questions and choices."""

    submission_key = HiddenField()
    title = _text(_l("Title or honorific"), 60)
    given_name = _text(_l("Given name(s)"), 120)
    family_name = _text(_l("Family name(s)"), 120)
    name_order = SelectField(_l("Order of your names"), choices=choices_of(NAME_ORDER_CHOICES), default="")
    badge_name = _text(_l("Name on the badge"), 100)
    latin_name = _text(_l("Name in Latin letters"), 200)
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)],
                       filters=[lambda v: v.strip().lower() if isinstance(v, str) else v])
    gender = SelectField(_l("Gender"), choices=choices_of([CHOOSE, *GENDER_CHOICES]), validators=[DataRequired()])
    nationality = SelectField(_l("Nationality"), validators=[DataRequired()], widget=CachedOptionsSelect())
    residence_country = SelectField(_l("Country of residence"), validators=[DataRequired()],
                                    widget=CachedOptionsSelect())
    organisation = _text(_l("Organisation"), 200)
    organisation_country = SelectField(_l("Country where the organisation is based"), default="",
                                       widget=CachedOptionsSelect())
    position = _text(_l("Position"), 200)
    category_id = SelectField(_l("Category"), coerce=_optional_int, validators=[DataRequired()])
    relation = SelectField(_l("Relation to the network"), choices=choices_of([CHOOSE, *RELATION_CHOICES]),
                           validators=[DataRequired()])
    dietary = _text(_l("Dietary needs"), 500, multiline=True)
    accessibility = _text(_l("Accessibility needs"), 500, multiline=True)
    interpretation_language = SelectField(_l("Interpretation language"), choices=choices_of(LANGUAGE_CHOICES),
                                          default="")
    visa_letter = BooleanField(_l("I need a letter of invitation for a visa"))
    passport_number = _text(_l("Passport number"), 40)
    passport_expiry = DateField(_l("Passport valid until"), validators=[Optional()])
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])
    place_of_birth = _text(_l("Place of birth"), 120)
    passport_name = _text(_l("Name exactly as in the passport"), 200)
    data_consent = BooleanField(
        _l("I agree that the organisers process my data to run this meeting (required)."),
        validators=[DataRequired(_l("Your consent is needed to register."))],
    )
    public_listing_consent = BooleanField(_l("My name and organisation may appear in the public participant list."))

    #: set by registration_form()
    meeting = None
    questions: Sequence = ()
    visa_on_file = False

    def question_fields(self):
        """(question, field) pairs in form order."""
        return [(q, self[f"q_{q.id}"]) for q in self.questions]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return self._validate_name() & self._validate_visa() & self._validate_answers() & ok

    def _validate_name(self) -> bool:
        if "given_name" not in self or self.given_name.data or self.family_name.data:
            return True
        self.given_name.errors = [*self.given_name.errors,
                                  _l("Enter your name: a given name, a family name, or both.")]
        return False

    def _validate_visa(self) -> bool:
        if "visa_letter" not in self or not self.visa_letter.data:
            return True
        if self.visa_on_file and not any(self[name].data for name in VISA_FIELDS):
            return True  # editing: blank passport fields keep the data on file
        _cleaned, problems = clean_visa(self.meeting, {name: self[name].data for name in VISA_FIELDS})
        for name, message in problems.items():
            if not self[name].errors:
                self[name].errors = [*self[name].errors, message]
        return not problems

    def _validate_answers(self) -> bool:
        _kept, problems = clean_answers(self.questions, self.answers_data())
        for question_id, message in problems.items():
            field = self[f"q_{question_id}"]
            if message not in field.errors:
                field.errors = [*field.errors, message]
        return not problems

    def answers_data(self) -> dict:
        return {q.id: field.data for q, field in self.question_fields()}

    def visa_data(self):
        """A dict of passport data, None to keep what is on file, or False when no letter is wanted."""
        if "visa_letter" not in self:
            return None
        if not self.visa_letter.data:
            return False
        if self.visa_on_file and not any(self[name].data for name in VISA_FIELDS):
            return None
        return {name: self[name].data for name in VISA_FIELDS}

    def registration_data(self) -> dict:
        """The data for register_participant / update_registration."""
        data = {name: self[name].data for name in BUILTIN_FIELDS if name in self}
        data["visa"] = self.visa_data()
        data["answers"] = self.answers_data()
        if "submission_key" in self:
            data["submission_key"] = self.submission_key.data or None
        return data


def _choice(question, option: str, meeting, *, markup: bool) -> SelectChoice:
    """An option in the reader's language; the value stays the default language's wording (what answers store).
    An <option> cannot hold a span, so a fallen-back one carries `lang` itself."""
    text = localized_option(question, option, meeting)
    render_kw = {"lang": html_tag(text.lang), "dir": direction(text.lang)} if text.fell_back else {}
    return SelectChoice(option, html(text) if markup else text.text, render_kw=render_kw)


def _question_field(question, meeting):
    label, kind = tr(question, "label", meeting), question.kind
    if kind in (QuestionKind.short_text, QuestionKind.long_text):
        return _text(label, ANSWER_LIMITS[kind], multiline=kind == QuestionKind.long_text)
    if kind == QuestionKind.single_choice:
        # default "": an unanswered (or hidden) question is empty, not an invalid choice
        return SelectField(label, choices=choices_of(
            [CHOOSE, *(_choice(question, o, meeting, markup=False) for o in question.options)]), default="")
    if kind == QuestionKind.multiple_choice:
        choices = [_choice(question, o, meeting, markup=True) for o in question.options]
        return SelectMultipleField(label, choices=choices,
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    if kind == QuestionKind.yes_no:
        return SelectField(label, choices=choices_of([CHOOSE, ("yes", _l("Yes")), ("no", _l("No"))]), default="")
    return DateField(label, validators=[Optional()])


def registration_form(meeting, questions, *, remove=(), visa_on_file=False, **kwargs) -> RegistrationForm:
    """The registration form for a meeting, with its questions; `remove` drops fields shown as fixed text."""
    # A question whose condition depends on an archived question can never be shown: leave it off the form.
    ids = {q.id for q in questions}
    questions = [q for q in questions if q.shown_if_question_id in (None, *ids)]
    form_class = type("MeetingRegistrationForm", (RegistrationForm,),
                      {f"q_{q.id}": _question_field(q, meeting) for q in questions})
    form = form_class(**kwargs)
    form.meeting, form.questions, form.visa_on_file = meeting, list(questions), visa_on_file
    for name in remove:
        if name in form:
            del form[name]
    countries = country_choices(blank="—")
    if "nationality" in form:
        form.nationality.choices = choices_of(country_choices(stateless=True, blank="—"))
    if "residence_country" in form:
        form.residence_country.choices = choices_of(countries)
    if "organisation_country" in form:
        form.organisation_country.choices = choices_of([("", _l("Same as the country of residence")), *countries[1:]])
    if "category_id" in form:
        form.category_id.choices = choices_of([CHOOSE, *((c.id, c.label) for c in meeting.categories)])
    if "submission_key" in form and not form.submission_key.data:
        form.submission_key.data = secrets.token_urlsafe(24)
    for question, field in form.question_fields():
        field.flags.required = question.required and not question.shown_if_question_id
    return form


#: what browsers send for datetime-local (with seconds when a step is set); the first is also how it is shown
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class TravelForm(FlaskForm):
    """Arrival and departure as wall-clock times in the meeting's zone, flight and hotel."""

    arrival_at = DateTimeLocalField(_l("Arrival (date and time, meeting time)"), format=LOCAL_FORMATS,
                                    validators=[Optional()])
    departure_at = DateTimeLocalField(_l("Departure (date and time, meeting time)"), format=LOCAL_FORMATS,
                                      validators=[Optional()])
    flight = _text(_l("Flight or train"), 60)
    hotel = _text(_l("Hotel"), 200)

    def validate_departure_at(self, field):
        if field.data and self.arrival_at.data and field.data <= self.arrival_at.data:
            raise ValidationError(_l("The departure must be after the arrival."))


class VisaAddressForm(FlaskForm):
    """The organiser's address line of a visa letter (empty: the embassy of the meeting's country)."""

    visa_letter_address = _text(_l("Address line of the visa letter"), 300)


class CancelForm(FlaskForm):
    """The participant confirms the cancellation with a tick."""

    confirm = BooleanField(_l("Yes, cancel my registration. I understand that my seat goes to someone else."),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


KIND_CHOICES = [
    (QuestionKind.short_text.value, _l("Short text")), (QuestionKind.long_text.value, _l("Long text")),
    (QuestionKind.single_choice.value, _l("One choice")), (QuestionKind.multiple_choice.value, _l("Several choices")),
    (QuestionKind.yes_no.value, _l("Yes / no")), (QuestionKind.date.value, _l("Date")),
]


class QuestionForm(FlaskForm):
    """An organiser's question; options one per line."""

    label = TranslatedField(_l("Question"), max_length=300, required=True)
    kind = SelectField(_l("Kind of answer"), choices=choices_of(KIND_CHOICES))
    options = TranslatedField(_l("Options (one per line; for choice questions)"), max_length=12000, multiline=True)
    required = BooleanField(_l("An answer is required"))
    position = IntegerField(_l("Position on the form"), default=0, validators=[Optional(), NumberRange(0, 1000)])
    shown_if_question_id = SelectField(_l("Show only if this question…"), coerce=_optional_int)
    shown_if_value = _text(_l("…has this answer"), 200)

    def question_data(self) -> dict:
        """The question for the services: label and options in the default language, the others apart."""
        data = {name: self[name].data for name in ("kind", "required", "position", "shown_if_question_id",
                                                    "shown_if_value")}
        default, *others = self.label.languages
        data["label"], data["options"] = self.label.data[default], self.options.data[default].splitlines()
        data["label_i18n"] = {lang: self.label.data[lang] for lang in others}
        data["options_i18n"] = {lang: self.options.data[lang].splitlines() for lang in others}
        return data
