"""Forms of the API's pages: a new token, a new webhook subscription."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import URL, DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..widgets import choices_of
from .models import WebhookEvent

SCOPE_LABELS = (("read", _l("read: meetings, registrations, balance, delegations, agenda, attendance")),
                ("decide", _l("decide: invite, register for an invitation, approve / waitlist / decline")),
                ("checkin", _l("checkin: check people in by their badge")),
                ("admin", _l("admin: webhooks, and your admin rights if you have them")))
EVENT_LABELS = ((WebhookEvent.registration_submitted.value, _l("A registration is submitted")),
                (WebhookEvent.registration_decided.value, _l("A registration is approved, waitlisted or declined")),
                (WebhookEvent.registration_cancelled.value, _l("A registration is cancelled")),
                (WebhookEvent.checked_in.value, _l("A person is checked in")))


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)],
                       description=_l("Where the token is used, e.g. “CRM sync” or “Door scanner 2”."))
    scopes = _Checkboxes(_l("Scopes"), choices=choices_of(SCOPE_LABELS), validators=[DataRequired()])
    days = SelectField(_l("Expires after"), choices=choices_of((("30", _l("30 days")), ("90", _l("90 days")),
                                                                 ("365", _l("1 year")), ("", _l("never")))),
                       default="90")


class WebhookForm(FlaskForm):
    url = StringField(_l("Address (URL)"), validators=[DataRequired(), URL(require_tld=False), Length(max=500)])
    events = _Checkboxes(_l("Events"), choices=choices_of(EVENT_LABELS), validators=[DataRequired()])
