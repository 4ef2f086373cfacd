"""The cached country <select> writes exactly what WTForms' own Select writes, selection and escaping included."""
import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectField

from meeting_manager.widgets import CachedOptionsSelect, choices_of

CHOICES = [("", "—"), ("AF", "Afghanistan"), ("CI", "Côte d'Ivoire"), ("SN", "Senegal & <x>")]


class Plain(Form):
    country = SelectField("Country", choices=choices_of(CHOICES))


class Cached(Form):
    country = SelectField("Country", choices=choices_of(CHOICES), widget=CachedOptionsSelect())


@pytest.mark.parametrize("data", [{}, {"country": "SN"}, {"country": ""}, {"country": "XX"}])
def test_same_html_as_wtforms(data):
    for _ in range(2):  # the second time from the cache
        plain, cached = Plain(MultiDict(data)), Cached(MultiDict(data))
        assert cached.country(**{"aria-invalid": "true"}) == plain.country(**{"aria-invalid": "true"})
