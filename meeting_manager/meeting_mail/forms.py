"""The meeting's mail settings and the form for an organiser's own text of one message."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional


class MailSettingsForm(FlaskForm):
    sender_name = StringField(_l("Sender name"), validators=[Optional(), Length(max=120)])
    reply_to = StringField(_l("Reply-to address"), validators=[Optional(), Length(max=254)])
    contact = TextAreaField(_l("Organisers' contact (footer of every message)"),
                            validators=[Optional(), Length(max=500)])
    colour = StringField(_l("Colour"), validators=[Optional(), Length(max=7)], default="#1f5f8b")


class MailTextForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[Optional(), Length(max=300)])
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=20000)])
