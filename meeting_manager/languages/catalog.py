"""The languages the interface speaks, each named in itself, and the choice of one for a request."""
from babel import Locale
from flask import current_app, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

#: the six official UN languages, in the order the UN lists them (Arabic, Chinese, English, French, Russian, Spanish)
LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
#: each language named in itself, as a switcher shows it
NATIVE_NAMES = {"ar": "العربية", "zh": "中文", "en": "English", "fr": "Français", "ru": "Русский", "es": "Español"}
RIGHT_TO_LEFT = frozenset({"ar"})
#: the BCP 47 tag for `lang=""`: the script matters to fonts and screen readers for Chinese
HTML_TAGS = {"zh": "zh-Hans"}
COOKIE = "lang"
API_PATH, API_LANGUAGE = "/api/v1/", "en"


def language_label(code: str) -> str:
    """A language named in the reader's language (anglais, 英语) for sentences and form labels; only the switcher
    names each language in itself (NATIVE_NAMES)."""
    return Locale.parse(str(get_locale() or "en")).languages.get(code, code)


def N_(message: str) -> str:
    """Marks a message for the catalog without translating it: it is stored in English and translated when read
    (gettext(stored) at the edge). Babel extracts N_ by default."""
    return message


def offered() -> tuple[str, ...]:
    return tuple(code for code in LANGUAGES if code in current_app.config["LANGUAGES"])


def direction(code: object) -> str:
    return "rtl" if str(code) in RIGHT_TO_LEFT else "ltr"


def html_tag(code: object) -> str:
    return HTML_TAGS.get(str(code), str(code))


def valid(code: object) -> str | None:
    """The code if the interface speaks it, else None (a cookie or a form may hold anything)."""
    return code if isinstance(code, str) and code in offered() else None


def select_locale() -> str | None:
    """The account's choice, then the visitor's cookie, then the browser's Accept-Language, then the default.
    The API speaks the language each request's Accept-Language asks for, else English (API_LANGUAGE)."""
    if not has_request_context():  # services called from the CLI or a test: the default locale
        return None
    if request.path.startswith(API_PATH):
        # A program names its language in each request; a cookie or an account's choice is a person's, not its.
        return request.accept_languages.best_match(offered()) or API_LANGUAGE
    if current_user and current_user.is_authenticated and valid(current_user.locale):
        return current_user.locale
    if chosen := valid(request.cookies.get(COOKIE)):
        return chosen
    return request.accept_languages.best_match(offered()) or current_app.config["BABEL_DEFAULT_LOCALE"]
