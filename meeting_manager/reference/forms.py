"""Upload form for a custom region scheme."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class SchemeUploadForm(FlaskForm):
    name = StringField(_l("Name of the scheme"), validators=[DataRequired(), Length(max=120)])
    file = FileField(
        _l("CSV file with the columns country and region"),
        validators=[FileRequired(), FileAllowed(["csv"], _l("Upload a .csv file."))],
    )
