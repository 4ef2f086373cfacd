"""Form widgets shared by features, and `choices_of`: the one way a select's options are given (WTForms' own
SelectChoice; its tuples are deprecated).

`CachedOptionsSelect`: a <select> whose options (the ~250 countries of a country field) are rendered once per
list and language and reused: WTForms would build every <option> anew on each request (html_params and escaping
per option), which was three quarters of the registration form's time. The selected option is marked in the
cached text; the output is what WTForms' own Select writes.
"""
import threading
from collections.abc import Iterable

from markupsafe import Markup, escape
from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget, Select, html_params

from .languages.catalog import direction, html_tag

#: rendered options by (values and labels): a few lists (nationality, residence, organisation) × languages
_OPTIONS: dict[tuple, str] = {}
_LOCK = threading.Lock()
_LIMIT = 64


class CachedOptionsSelect(Select):
    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in dir(flags):
            if name in self.validation_attrs and name not in kwargs:
                kwargs[name] = getattr(flags, name)
        choices = tuple((str(value), str(label)) for value, label in _pairs(field.choices))
        options = _OPTIONS.get(choices)
        if options is None:
            options = "".join(f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in choices)
            with _LOCK:
                if len(_OPTIONS) >= _LIMIT:
                    _OPTIONS.clear()
                _OPTIONS[choices] = options
        selected = None if field.data is None else str(field.data)
        if selected is not None and any(value == selected for value, _label in choices):
            mark = f'<option value="{escape(selected)}">'
            options = options.replace(mark, f'<option selected value="{escape(selected)}">', 1)
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def choices_of(pairs: Iterable) -> list[SelectChoice]:
    """A select's options from (value, label) pairs (or SelectChoices, kept as they are). A label that is a
    meeting's text in another language than the reader's (i18n_text.LocalText) says so with `lang`."""
    return [pair if isinstance(pair, SelectChoice) else _choice(*pair) for pair in pairs]


def _choice(value, label) -> SelectChoice:
    if getattr(label, "fell_back", False):
        return SelectChoice(value, label.text, render_kw={"lang": html_tag(label.lang), "dir": direction(label.lang)})
    return SelectChoice(value, str(label) if hasattr(label, "fell_back") else label)


def _pairs(choices):
    for choice in choices or ():
        yield (choice.value, choice.label) if isinstance(choice, SelectChoice) else (choice[0], choice[1])
