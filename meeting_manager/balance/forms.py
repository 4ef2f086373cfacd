"""Forms of the balance feature: the policy with its bounds, and decisions on registrations."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..meetings.forms import LOCAL_FORMATS
from ..registration.models import RegistrationStatus
from ..widgets import choices_of
from .models import BoundUnit, DecisionMode


class BoundForm(Form):
    """One (dimension, value) row of the policy table; empty minimum and maximum mean "no bound"."""

    dimension = HiddenField()
    value = HiddenField()
    unit = SelectField(_l("Unit"),
                       choices=choices_of([(BoundUnit.seats.value, _l("seats")), (BoundUnit.percent.value, "%")]))
    minimum = IntegerField(_l("Reserved (min)"), validators=[Optional(), NumberRange(min=0, max=100000)])
    maximum = IntegerField(_l("Cap (max)"), validators=[Optional(), NumberRange(min=0, max=100000)])

    def validate_maximum(self, field):
        if self.unit.data == BoundUnit.percent.value and field.data is not None and field.data > 100:
            raise ValidationError(_l("A percentage cannot be above 100."))


class PolicyForm(FlaskForm):
    decision_mode = SelectField(
        _l("Decisions"), choices=choices_of([(DecisionMode.manual.value, _l("Manual review of every registration")),
                                  (DecisionMode.auto.value, _l("Approve automatically while every rule holds, "
                                                                "otherwise waitlist"))]))
    reservations_release_at = DateTimeLocalField(_l("Reservations lapse at (meeting time)"), format=LOCAL_FORMATS,
                                                 validators=[Optional()])
    mix_min_size = IntegerField(_l("Delegations of this many members or more must not be single-gender"),
                                validators=[Optional(), NumberRange(min=2, max=1000)])
    mix_is_violation = BooleanField(_l("A single-gender delegation blocks approval (otherwise a warning)"))
    bounds = FieldList(FormField(BoundForm))
    over_cap_ok = BooleanField(_l("Save even though some caps are below what is already approved (the excess is "
                                  "shown on the dashboard and the queue)"))


def real_ids(form, field):
    """Ids a database integer can hold (a larger number in an edited form would be a database error)."""
    if any(not 0 < i < 2**31 for i in field.data or ()):
        raise ValidationError(_l("Choose registrations from the list."))


class DecisionForm(FlaskForm):
    registration_ids = SelectMultipleField(coerce=int, validate_choice=False,
                                           validators=[DataRequired(_l("Choose at least one registration.")), real_ids])
    outcome = SelectField(_l("Decision"), choices=choices_of([(RegistrationStatus.approved.value, _l("Approve")),
                                                   (RegistrationStatus.waitlisted.value, _l("Waitlist")),
                                                   (RegistrationStatus.declined.value, _l("Decline"))]))
    override_reason = TextAreaField(_l("Reason to override a rule (kept in the audit log)"),
                                    validators=[Optional(), Length(max=2000)])


class AcceptSuggestionForm(FlaskForm):
    """The suggested set to accept (in the solver's order); without `confirm` the page asks to confirm first."""

    registration_ids = SelectMultipleField(coerce=int, validate_choice=False,
                                           validators=[DataRequired(_l("Nobody to approve.")), real_ids])
    confirm = HiddenField()


class ReviewFilterForm(FlaskForm):
    """Filters, search and sort of the review queue (GET, no CSRF); choices are set per meeting by the view."""

    class Meta:
        csrf = False

    q = StringField(_l("Search (name, email, organisation, country)"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), default="pending")
    region = SelectField(_l("Region"), default="")
    gender = SelectField(_l("Gender"), default="")
    category = SelectField(_l("Category"), default="")
    delegation = SelectField(_l("Delegation"), default="")
    submitted_from = DateField(_l("Submitted from"), validators=[Optional()])
    submitted_to = DateField(_l("Submitted until"), validators=[Optional()])
    sort = SelectField(_l("Sort by"), default="submitted",
                       choices=choices_of([("submitted", _l("submission, earliest first")),
                                ("-submitted", _l("submission, latest first")),
                                ("name", _l("family name, A to Z")), ("-name", _l("family name, Z to A")),
                                ("country", _l("country")), ("organisation", _l("organisation"))]))
