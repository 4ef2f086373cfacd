"""The fixed words of a participant's documents (badge, e-ticket) in the participant's language and in English:
the participant reads their own, door staff, the desk and the other participants read English. An English
reader gets them once. Each part keeps its own language and direction, so that Arabic is shaped and runs right to
left beside the English.
"""
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import force_locale

from .catalog import direction, html_tag

ENGLISH = "en"
SEPARATOR = " / "


@dataclass(frozen=True)
class Bilingual:
    own: str
    lang: str
    english: str

    @property
    def parts(self) -> list[tuple[str, str, str]]:
        """(text, lang tag, direction) to print, the participant's language first; one where both read alike."""
        if self.lang == ENGLISH or not self.own or self.own == self.english:
            return [(self.english, ENGLISH, "ltr")]
        return [(self.own, html_tag(self.lang), direction(self.lang)), (self.english, ENGLISH, "ltr")]

    def __str__(self) -> str:
        return SEPARATOR.join(text for text, _tag, _dir in self.parts)


def bilingual(text: object | Callable[[], str], language: str) -> Bilingual:
    """`text` in `language` and in English: a lazy string, or a function that says it in the current language
    (`lambda: country_name(code)`)."""
    say = text if callable(text) else lambda: str(text)
    with force_locale(language):
        own = say()
    with force_locale(ENGLISH):
        english = say()
    return Bilingual(own, language, english)
