"""Bidi isolation: in a right-to-left sentence, each value put into it (an email address, a name, a number) keeps
its own direction, so "أرسلنا رابطًا إلى a.b@example.org." does not turn into ".a.b@example.org إلى".
"""
from flask_babel import Domain, get_locale
from jinja2 import pass_context
from markupsafe import Markup

from .catalog import direction

FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"


def isolate(value: object) -> object:
    """A text value wrapped in Unicode isolates (invisible; HTML's <bdi> does the same); other values unchanged."""
    if not isinstance(value, str) or not value:
        return value
    wrapped = FIRST_STRONG_ISOLATE + value + POP_DIRECTIONAL_ISOLATE
    return Markup(wrapped) if isinstance(value, Markup) else wrapped


class IsolatingDomain(Domain):
    """Flask-Babel's message domain, isolating every substituted value when the reader's language is right to left."""

    @staticmethod
    def _isolated(variables: dict) -> dict:
        if direction(get_locale()) != "rtl":
            return variables
        return {key: isolate(value) for key, value in variables.items()}

    def gettext(self, string, **variables):
        return super().gettext(string, **self._isolated(variables))

    def ngettext(self, singular, plural, num, **variables):
        return super().ngettext(singular, plural, num, **self._isolated(variables))

    def pgettext(self, context, string, **variables):
        return super().pgettext(context, string, **self._isolated(variables))

    def npgettext(self, context, singular, plural, num, **variables):
        return super().npgettext(context, singular, plural, num, **self._isolated(variables))


def isolate_in_templates(env) -> None:
    """The same for templates: Jinja's own gettext callables format the values themselves, so they get the
    values already isolated (and still escape them)."""
    for name in ("gettext", "ngettext", "pgettext", "npgettext"):
        env.globals[name] = _isolating(env.globals[name])
    env.globals["_"] = env.globals["gettext"]


def _isolating(original):
    @pass_context
    def call(context, *args, **variables):
        return original(context, *args, **IsolatingDomain._isolated(variables))
    return call
