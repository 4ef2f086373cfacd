"""The meeting's own content in several languages (title, description, questions and their choices, sessions).

Each translated field keeps its existing column as the text in the meeting's default language (so that search,
sorting and exports keep working) and a JSON column `<field>_i18n` ({language: text}) for the other languages.
`localized` picks the text for a reader and says whether it fell back, and to which language; the `tr` template
global writes it, marked with `lang` (and `dir` for Arabic) when it is not in the reader's language.
`TranslatedField` is the one form field that takes such a text: one input per language the meeting offers.
"""
from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import Field
from wtforms.utils import unset_value
from wtforms.validators import ValidationError

from .languages.catalog import LANGUAGES as CONTENT_LANGUAGES
from .languages.catalog import NATIVE_NAMES, direction, html_tag, language_label
from .reference.country_names import language_of
from .registration.validation import has_control_characters

#: "(in English)": the marker beside a text shown in the default language because the reader's is missing
IN_LANGUAGE = {"en": _l("(in English)"), "fr": _l("(in French)"), "es": _l("(in Spanish)"),
               "ar": _l("(in Arabic)"), "zh": _l("(in Chinese)"), "ru": _l("(in Russian)")}


@dataclass(frozen=True)
class LocalText:
    """A text as one reader gets it: the words, their language, and whether that is not the language asked."""

    text: str
    lang: str
    fell_back: bool = False

    def __str__(self) -> str:
        return self.text


class TextIn(str):
    """A str that knows it is in another language than the reader's (a meeting's text that fell back), for table
    cells and spreadsheets: the page marks its cell with `lang` (cell_lang), a spreadsheet takes it as text."""

    lang: str

    def __new__(cls, text: str, lang: str):
        value = super().__new__(cls, text)
        value.lang = lang
        return value


def as_cell(value: LocalText) -> str:
    return TextIn(value.text, value.lang) if value.fell_back else value.text


def cell_lang(value) -> Markup:
    """` lang="en" dir="ltr"` for a cell holding a TextIn; nothing for any other value."""
    return lang_attrs(LocalText(value, value.lang, True)) if isinstance(value, TextIn) else Markup("")


def reader_language() -> str:
    """The reader's language (the page's locale; the default language outside a request)."""
    return language_of(get_locale())  # inside force_locale (mail, documents): the forced one


def default_language_of(meeting) -> str:
    return getattr(meeting, "default_language", None) or "en"


def pick(default_text: str, translations: dict | None, language: str, default_language: str) -> LocalText:
    """The text in `language`, else the default language's (marked as fallen back when they differ)."""
    if language != default_language and (text := (translations or {}).get(language)):
        return LocalText(text, language)
    return LocalText(default_text or "", default_language, language != default_language and bool(default_text))


def localized(obj, name: str, meeting=None, language: str | None = None) -> LocalText:
    """`obj.<name>` for the reader (or `language`); `meeting` (default: obj itself or obj.meeting) gives the
    default language."""
    meeting = meeting or (obj if hasattr(obj, "default_language") else getattr(obj, "meeting", None))
    return pick(getattr(obj, name) or "", getattr(obj, f"{name}_i18n", None), language or reader_language(),
                default_language_of(meeting))


def localized_option(question, option: str, meeting, language: str | None = None) -> LocalText:
    """A choice of a question for the reader: the stored value is the default language's wording; translations
    are kept in the same order."""
    try:
        index = list(question.options).index(option)
    except ValueError:  # an answer to an option removed since
        return LocalText(option, default_language_of(meeting))
    language = language or reader_language()
    translated = (question.options_i18n or {}).get(language) or []
    text = translated[index] if index < len(translated) else ""
    return pick(option, {language: text}, language, default_language_of(meeting))


def texts_of(obj, name: str, default_language: str) -> dict[str, str]:
    """Every language's text of a field, the default language's included (for forms)."""
    texts = {lang: text for lang, text in (getattr(obj, f"{name}_i18n", None) or {}).items() if text}
    if getattr(obj, name, None):
        texts[default_language] = getattr(obj, name)
    return texts


def set_texts(obj, name: str, value, *, column_language: str, default_language: str) -> None:
    """Store a field's texts: `value` is {language: text} from a form (a language left empty is removed, one not
    submitted is kept) or a plain string, which is the default language's text. `column_language` is the language
    the column held so far (the default language before a change of it)."""
    if value is None or isinstance(value, str):
        setattr(obj, name, (value or "").strip())
        return
    texts = texts_of(obj, name, column_language)
    for lang, text in value.items():
        texts[lang] = (text or "").strip()
    setattr(obj, name, texts.pop(default_language, "") or "")
    setattr(obj, f"{name}_i18n", {lang: text for lang, text in sorted(texts.items()) if text})


def change_default_language(obj, name: str, old: str, new: str) -> None:
    """After the meeting's default language changed: the column takes the new default's text where there is one
    (else it keeps what it holds, the only text there is)."""
    texts = texts_of(obj, name, old)
    if old != new and texts.get(new):
        set_texts(obj, name, {}, column_language=old, default_language=new)


def offered_languages(meeting) -> list[str]:
    """The languages the meeting's content is entered in: its default first, then the others it offers."""
    return languages_for(default_language_of(meeting), getattr(meeting, "content_languages", None))


def languages_for(default: str, chosen) -> list[str]:
    # A typed-in default that is no language (the select's own validation refuses it after this) reads English.
    default = default if default in CONTENT_LANGUAGES else "en"
    chosen = chosen or CONTENT_LANGUAGES
    return [default, *(lang for lang in CONTENT_LANGUAGES if lang in chosen and lang != default)]


def html(value: LocalText, *, marker: bool = False) -> Markup:
    """The text escaped (HTML typed by an organiser is shown as text); in another language than the reader's, in
    a span with its `lang` and `dir`, and with "(in English)" after it when `marker`."""
    text = escape(value.text)
    if not value.fell_back:
        return Markup(text)
    note = Markup(' <span class="i18n-fallback">%s</span>') % IN_LANGUAGE.get(value.lang, "") if marker else ""
    return Markup("<span%s>%s</span>%s") % (lang_attrs(value), text, note)


def tr(obj, name: str, meeting=None, *, marker: bool = False) -> Markup:
    """Template global: `{{ tr(meeting, "title") }}`, `{{ tr(session, "description", meeting) }}`."""
    return html(localized(obj, name, meeting), marker=marker)


def tr_text(obj, name: str, meeting=None) -> str:
    """The plain text, where no markup may go (<title>, attributes, subjects)."""
    return localized(obj, name, meeting).text


def tr_option(question, option: str, meeting, *, marker: bool = False) -> Markup:
    return html(localized_option(question, option, meeting), marker=marker)


def lang_attrs(value: LocalText) -> Markup:
    """` lang="en" dir="ltr"` for an element holding a fallen-back text (for a block such as a description)."""
    if not value.fell_back:
        return Markup("")
    return Markup(' lang="%s" dir="%s"') % (html_tag(value.lang), direction(value.lang))


def register(app) -> None:
    app.jinja_env.globals.update(tr=tr, tr_text=tr_text, tr_option=tr_option, localized=localized,
                                 lang_attrs=lang_attrs, cell_lang=cell_lang, in_language=IN_LANGUAGE.get,
                                 language_name=language_label)


# --- the form field ----------------------------------------------------------------------------------------------

class TranslatedField(Field):
    """One text in each language the meeting offers: inputs named `<name>-<language>`; `data` is {language: text}
    of the offered languages (an empty text removes that translation; the page then falls back).

    The view calls `offer(languages)`, the default language first, before validating: the default language is
    required when the field is, every language is held to `max_length`, and control characters are refused
    (HTML is kept, and shown as text wherever the text is written).
    """

    def __init__(self, label=None, validators=None, *, max_length: int, multiline: bool = False,
                 required: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.max_length, self.multiline, self.required = max_length, multiline, required
        self.languages: list[str] = ["en"]
        self.flags.required = required

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(None, data, extra_filters)
        # a plain string (a form built from a single text) is the default language's text
        self.data = dict(self.data) if isinstance(self.data, dict) else {"": self.data or ""}
        if formdata:
            submitted = {lang: formdata.get(f"{self.name}-{lang}", "") for lang in CONTENT_LANGUAGES
                         if f"{self.name}-{lang}" in formdata}
            if submitted:
                self.data = submitted
            elif self.name in formdata:  # a single `<name>` (a script, an older client): the default language's text
                self.data = {"": formdata.get(self.name, "")}

    def offer(self, languages: list[str]) -> None:
        """Show and take these languages, the first being the default; others submitted are ignored."""
        data, self.languages = self.data or {}, list(languages)
        self.data = {lang: (data.get(lang) or (data.get("", "") if i == 0 else "")).strip()
                     for i, lang in enumerate(self.languages)}

    def inputs(self) -> list[dict]:
        """What the template writes: one entry per offered language."""
        return [{"lang": lang, "tag": html_tag(lang), "id": f"{self.id}-{lang}", "name": f"{self.name}-{lang}",
                 "value": self.data.get(lang, ""), "label": NATIVE_NAMES[lang], "default": i == 0}
                for i, lang in enumerate(self.languages)]

    def pre_validate(self, form):
        for lang in self.languages:
            text = self.data.get(lang, "")
            if len(text) > self.max_length:
                raise ValidationError(_l("%(language)s: at most %(n)s characters.", language=language_label(lang),
                                         n=self.max_length))
            if has_control_characters(text, multiline=self.multiline):
                raise ValidationError(_l("%(language)s: the text holds control characters.",
                                         language=language_label(lang)))
        if self.required and not self.data.get(self.languages[0]):
            raise ValidationError(_l("%(language)s (the default language) is required.",
                                     language=language_label(self.languages[0])))
