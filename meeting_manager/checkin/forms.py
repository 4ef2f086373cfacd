"""Forms of the check-in desk: the chosen list, search, check-in buttons, badge hand-over and corrections."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

ISO_DAY = r"^\d{4}-\d{2}-\d{2}$"


class ListForm(FlaskForm):
    """Which attendance list the desk works on: a meeting day, and optionally a session of that day (GET)."""

    class Meta:
        csrf = False  # a GET form that only chooses what to show

    day = SelectField(_l("Day"))
    session = SelectField(_l("List"), coerce=int, default=0)


class _OnList(FlaskForm):
    """A POST that acts on the chosen list; the list travels in hidden fields so that it survives the redirect."""

    day = HiddenField(validators=[InputRequired(), Regexp(ISO_DAY)])
    session = HiddenField(default="")


class SearchForm(_OnList):
    # POST, not GET: a name typed at the desk must not end up in a URL or a server log.
    q = StringField(_l("Name, organisation or delegation"), validators=[DataRequired(), Length(max=100)],
                    render_kw={"autocomplete": "off", "autocapitalize": "off",
                               "spellcheck": "false", "enterkeyhint": "search", "type": "search"})


class MoveForm(_OnList):
    """A one-tap check-in or check-out button; from the desk's results it leads back to the desk (`back`)."""

    back = HiddenField(default="")


class CollectBadgeForm(FlaskForm):
    id_checked = BooleanField(
        _l("Photo ID checked"),
        validators=[DataRequired(_l("Check a photo ID and tick the box before handing over the badge."))],
    )
    replacement = BooleanField(_l("Replacement badge (the first one was lost or reprinted)"))


class OtherDayForm(FlaskForm):
    """An organiser's correction: attendance on a past day of the meeting, with the reason."""

    day = SelectField(_l("Day"))
    reason = StringField(_l("Why is this recorded now?"), validators=[DataRequired(), Length(max=300)])


class CorrectionForm(FlaskForm):
    reason = StringField(_l("Why is this entry wrong?"), validators=[DataRequired(), Length(max=300)])
