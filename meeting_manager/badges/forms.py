"""Forms of the badge pages: a batch to print, the meeting's logo, the categories' colours."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField
from wtforms.validators import Optional

from ..widgets import choices_of
from .formats import FORMATS


class BatchForm(FlaskForm):
    format = SelectField(_l("Format"), choices=choices_of([(f.key, f.label) for f in FORMATS.values()]), default="a6")
    region = SelectField(_l("Region"), default="")
    category = SelectField(_l("Category"), default="")
    delegation = SelectField(_l("Delegation"), default="")
    arrival_day = DateField(_l("Arriving on"), validators=[Optional()])
    only_unprinted = BooleanField(_l("Only badges not printed yet"))


class LogoForm(FlaskForm):
    logo = FileField(_l("Logo (PNG, JPEG, GIF or SVG, at most 2 MB)"))
