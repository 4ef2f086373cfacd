"""No English left on a French page: every page of the access walk, read in French by each kind of user, holds no
interface text in English. Text in another language is allowed only where the page says so with a `lang`
attribute (the meeting's content shown in its default language, a language's own name in the switcher).

English is recognised two ways: a text node that is a message of the catalog whose French differs (catches single
words such as "Approved"), and a text with two or more words that exist in English and not in French (catches
sentences written outside the catalog, or rendered before the reader's language was known)."""
import re
from html.parser import HTMLParser
from typing import ClassVar

import pytest
from babel.messages.pofile import read_po

from meeting_manager.languages.catalogs import po_path
from tests.test_access import url_values, walked_rules, world  # noqa: F401 (world is the fixture used below)

READERS = ("anonymous", "participant", "staff_a", "organiser_a", "admin")
#: words that are English and in none of the other five languages: two of them in one text make it English
ENGLISH_WORDS = frozenset({  # not "no": Spanish
    "the", "and", "your", "this", "is", "are", "with", "have", "has", "will", "been", "there", "which", "who", "not",
    "yet", "from", "for", "of", "to", "by", "at", "be", "any", "when", "what", "was", "were", "their", "they",
    "them", "you", "it", "its", "into", "than", "then", "only", "all", "none", "here"})
#: elements whose text nobody reads as the interface's words; <title> can carry no `lang` for the meeting's own text
#: in another language (the page's <h1> says the same and is checked)
SKIPPED = {"script", "style", "code", "pre", "textarea", "title"}
#: attributes read aloud or shown as hints
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
WORD = re.compile(r"[A-Za-z']+")


def _catalog_english(language: str) -> set[str]:
    """Messages whose translation differs from the English: seeing them on the page means English is left."""
    with open(po_path(language), "rb") as po:
        catalog = read_po(po)
    english = set()
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            if msgid and "%" not in msgid and "{" not in msgid and msgid not in strings and WORD.search(msgid):
                english.add(msgid.strip())
    return english


class _Texts(HTMLParser):
    """The texts a reader sees, each with whether an element around it declares a language other than the page's."""

    VOID: ClassVar = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                      "wbr"}

    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language, self.stack, self.texts = language, [], []

    def _foreign(self) -> bool:
        return any(lang and not lang.startswith(self.language) for _tag, lang in self.stack)

    def _skipped(self) -> bool:
        return any(tag in SKIPPED for tag, _lang in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang") if tag != "html" else None
        if tag not in self.VOID:
            self.stack.append((tag, lang))
        if not self._foreign() and not (lang and not lang.startswith(self.language)):
            for name in READ_ATTRIBUTES:
                if attrs.get(name):
                    self.texts.append(attrs[name])
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.texts.append(attrs["value"])

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if data.strip() and not self._foreign() and not self._skipped():
            self.texts.append(data)


def english_in(page: str, language: str, catalog_english: set[str]) -> list[str]:
    parser = _Texts(language)
    parser.feed(page)
    found = []
    for text in parser.texts:
        text = " ".join(text.split())
        words = [w.lower() for w in WORD.findall(text)]
        if text in catalog_english or text.rstrip(":.") in catalog_english \
                or sum(w in ENGLISH_WORDS for w in words) >= 2:
            found.append(text)
    return found


@pytest.mark.parametrize("language", ["fr", "ar", "zh", "ru", "es"])
def test_no_english_is_left_on_any_page(app, world, language):  # noqa: F811 (the fixture)
    catalog_english = _catalog_english(language)
    adapter = app.url_map.bind("localhost")
    left, pages = {}, 0
    for kind in READERS:
        client = world["clients"][kind]
        client.set_cookie("lang", language)
        for rule in walked_rules(app):
            if "GET" not in rule.methods:
                continue
            url = adapter.build(rule.endpoint, url_values(rule, world)[0])
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            pages += 1
            for text in english_in(response.text, language, catalog_english):
                left.setdefault(text[:120], f"{rule.endpoint} as {kind}")
    assert pages > 100, f"only {pages} pages were read"
    assert not left, f"{len(left)} English texts on {language} pages:\n" + "\n".join(
        f"  {text!r}  ({where})" for text, where in sorted(left.items(), key=lambda item: item[1]))
