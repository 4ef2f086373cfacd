"""The report filters as a form: a query string (the preview) or the export's fields, checked against this
meeting's days, sessions, regions and categories; an empty field means "all"."""
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, ValidationError

from ..checkin.services import meeting_days
from ..meetings.models import Meeting
from ..reference.services import region_map
from . import queries
from .frames import Filters


def _stripped(value: str | None) -> str:
    return (value or "").strip()


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter; the export's POST is covered by the app's CSRF protection

    day = StringField(_l("Day"), filters=[_stripped])
    session = StringField(_l("Session"), filters=[_stripped])
    region = StringField(_l("Region"), filters=[_stripped])
    category = StringField(_l("Category"), filters=[_stripped])

    def __init__(self, meeting: Meeting, formdata):
        super().__init__(formdata=formdata)
        self.meeting = meeting

    def validate_day(self, field):
        if field.data and _day(field.data) not in meeting_days(self.meeting):
            raise ValidationError(_l("Choose one of the meeting's days."))

    def validate_session(self, field):
        if field.data and not (field.data.isdigit() and int(field.data) in {row[0] for row in
                                                                            queries.sessions(self.meeting)}):
            raise ValidationError(_l("Choose one of the meeting's sessions."))

    def validate_region(self, field):
        if field.data and field.data not in set(region_map(self.meeting.region_scheme_id).values()):
            raise ValidationError(_l("Choose one of the regions."))

    def validate_category(self, field):
        if field.data and field.data not in {c.code for c in self.meeting.categories}:
            raise ValidationError(_l("Choose one of the meeting's categories."))

    def filters(self) -> tuple[Filters, list[str]]:
        """The valid filters, and a message for each refused one (which is then left out)."""
        self.validate()
        valid = {name: field.data for name, field in self._fields.items() if field.data and not field.errors}
        if "day" in valid:
            valid["day"] = _day(valid["day"])
        if "session" in valid:
            valid["session"] = int(valid["session"])
        return Filters(**valid), [str(message) for field in self for message in field.errors]
