"""The organisers' offer settings."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField
from wtforms.validators import InputRequired, NumberRange

from ..widgets import choices_of
from .models import NoticeMode


class WaitlistSettingsForm(FlaskForm):
    offer_hours = IntegerField(_l("Hours to accept an offered place"),
                               validators=[InputRequired(), NumberRange(min=1, max=24 * 30)], default=72)
    organiser_notice = RadioField(_l("Tell the organisers"), default=NoticeMode.each.value, choices=choices_of([
        (NoticeMode.each.value, _l("At once, one message per freed seat")),
        (NoticeMode.digest.value, _l("In one message a day"))]))
