"""The five translation catalogs are complete, agree with the code, and keep their placeholders and terms."""
import ast
import csv
import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from meeting_manager.languages import catalogs

ROOT = catalogs.ROOT
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sdif]|%[sd]")


def _catalog(code):
    with catalogs.po_path(code).open("rb") as file:
        return read_po(file, locale=code)


def _messages(code):
    return [message for message in _catalog(code) if message.id]


def _singular(message):
    return message.id if isinstance(message.id, str) else message.id[0]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = catalogs.extract(tmp_path_factory.mktemp("pot") / "messages.pot")
    with pot.open("rb") as file:
        return {_singular(message) for message in read_po(file) if message.id}


@pytest.mark.parametrize("code", catalogs.translated())
def test_every_message_is_translated_and_none_is_fuzzy(code):
    untranslated = [_singular(m) for m in _messages(code)
                    if not (m.string if isinstance(m.string, str) else all(m.string))]
    fuzzy = [_singular(m) for m in _messages(code) if m.fuzzy]
    assert not untranslated, f"{code}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{code}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"


@pytest.mark.parametrize("code", catalogs.translated())
def test_translations_keep_the_placeholders_of_the_english(code):
    wrong = []
    for message in _messages(code):
        if isinstance(message.id, str):
            if message.string and set(PLACEHOLDER.findall(message.string)) != set(PLACEHOLDER.findall(message.id)):
                wrong.append(message.id)
        else:
            english = set(PLACEHOLDER.findall(message.id[0])) | set(PLACEHOLDER.findall(message.id[1]))
            wrong += [message.id[0] for form in message.string if not set(PLACEHOLDER.findall(form)) <= english]
    assert not wrong, f"{code}: placeholders differ in {wrong[:5]}"


@pytest.mark.parametrize("code", catalogs.translated())
def test_plural_messages_have_every_form_of_the_language(code):
    catalog = _catalog(code)
    short = [m.id[0] for m in catalog if m.id and not isinstance(m.id, str) and len(m.string) != catalog.num_plurals]
    assert catalog.num_plurals == {"ar": 6, "zh": 1, "ru": 3, "fr": 3, "es": 3}[code]
    assert not short, f"{code}: {short[:5]} lack plural forms"


@pytest.mark.parametrize("code", catalogs.translated())
def test_the_catalog_holds_exactly_what_the_code_asks_for(code, extracted):
    """A string added to the code without `flask translations update` (and a translation) fails here."""
    in_catalog = {_singular(message) for message in _messages(code)}
    missing, stale = extracted - in_catalog, in_catalog - extracted
    assert not missing, f"{code}: {len(missing)} strings of the code are not in the catalog, e.g. {sorted(missing)[:5]}"
    assert not stale, f"{code}: {len(stale)} messages no longer in the code, e.g. {sorted(stale)[:5]}"


def _glossary():
    with (catalogs.TRANSLATIONS / "glossary.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


@pytest.mark.parametrize("code", catalogs.translated())
def test_the_field_s_terms_are_translated_as_the_glossary_says(code):
    """Where the English says "note verbale", the French says "note verbale" (the column holds a pattern that
    allows the language's inflections)."""
    straying = []
    for term in _glossary():
        if not term[code]:
            continue
        english, wanted = re.compile(term["en"], re.I), re.compile(term[code], re.I)
        for message in _messages(code):
            texts = [message.string] if isinstance(message.id, str) else list(message.string)
            said = english.search(PLACEHOLDER.sub("", _singular(message)))
            if said and not all(wanted.search(t.replace("’", "'")) for t in texts):
                straying.append((term["term"], _singular(message)))
    assert not straying, f"{code}: {len(straying)} messages stray from the glossary, e.g. {straying[:4]}"


# -- strings a person reads are wrapped for translation -------------------------------------------------------------

JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
WORDS = re.compile(r"[^\W\d_]{2,}")
#: text that is the same in every language: formats, file kinds, column names of an upload, technical names
NOT_WORDS = re.compile(r"^(YYYY-MM-DD|HH:MM|CSV|XLSX|PDF|HTTP|QR|API|openapi\.json|[a-z_]+|\(.*\)|[\W\d]*)$")


RAW = ("script", "style", "code")


class _Text(HTMLParser):
    """The words of a template outside Jinja expressions, scripts, styles and code (values typed as they are, like
    an upload's column names), and of its attributes a person reads (title, placeholder, aria-label, alt)."""

    def __init__(self):
        super().__init__()
        self.words, self._raw = [], 0

    def handle_starttag(self, tag, attrs):
        self._raw += tag in RAW
        self.words += [value for name, value in attrs if name in ("title", "placeholder", "aria-label", "alt")
                       and value and WORDS.search(value)]

    def handle_endtag(self, tag):
        self._raw -= tag in RAW

    def handle_data(self, data):
        if not self._raw:
            self.words += [chunk for chunk in data.split() if WORDS.search(chunk) and not NOT_WORDS.match(chunk)]


def test_templates_have_no_unwrapped_words():
    unwrapped = {}
    for template in sorted((ROOT / "templates").rglob("*.html")):
        parser = _Text()
        parser.feed(JINJA.sub(" ", template.read_text(encoding="utf-8")))
        if parser.words:
            unwrapped[str(template.relative_to(ROOT))] = parser.words[:6]
    assert not unwrapped, f"words outside _(): {unwrapped}"


#: calls whose string argument a person reads: it must be a translation call, not a literal
READ_BY_PEOPLE = {"flash", "ValidationError", "ValidationFailed", "Refused", "StringField", "TextAreaField",
                  "SelectField", "BooleanField", "IntegerField", "DateField", "EmailField", "PasswordField",
                  "SubmitField", "RadioField", "FileField", "SelectMultipleField", "TimeField", "DecimalField"}


#: not interface text: the API's OpenAPI descriptions (for developers, in English like the code) and the demo
#: meeting's own content (data, entered per language like an organiser's)
NOT_INTERFACE = ("meeting_manager/api/schemas.py", "meeting_manager/demo/")
#: keyword arguments a person reads, in any call (abort's description, a field's label or hint)
READ_AS = {"description", "label", "hint", "message"}


def _literal_text(node) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)
                                                and bool(WORDS.search(node.value)))


def test_python_passes_people_translated_strings():
    literal = []
    for module in sorted((ROOT / "meeting_manager").rglob("*.py")):
        if module.relative_to(ROOT).as_posix().startswith(NOT_INTERFACE):
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            called = getattr(node.func, "id", getattr(node.func, "attr", None)) if isinstance(node, ast.Call) else None
            if called in READ_BY_PEOPLE:
                first = node.args[0] if node.args else None
                if _literal_text(first):
                    literal.append(f"{module.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Call) and any(k.arg in READ_AS for k in node.keywords if _literal_text(k.value)):
                literal.append(f"{module.relative_to(ROOT)}:{node.lineno}")
    assert not literal, f"literal strings people read: {literal}"
