"""A count said with its noun goes through ngettext, so that Russian's three and Arabic's six plural forms can be
written: "%(n)d seats" inside a plain gettext has one form only (issue 13)."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FEATURES = ("balance", "registration", "delegations", "waitlist", "checkin", "agenda", "api")
#: a number followed by what it counts: the noun (or the verb) that agrees with it in many languages
COUNTED = re.compile(r"%\(\w+\)[sd] (seats?|members?|characters?|people|persons?|times|warnings?|minutes?|hours?|"
                     r"days?|seconds?|check-ins?|registrations?|sessions?|rows?|invitations?|nominations?|places?|"
                     r"bounds?|approved|waiting|signed up)\b")
SINGLE_FORM = {"_", "gettext", "_l", "lazy_gettext"}
#: a template's gettext call with its literal first argument (ngettext, pgettext and the like are other names)
TEMPLATE_CALL = re.compile(r"""(?<![\w.])(?:_|gettext)\(\s*(["'])(.*?)(?<!\\)\1""", re.S)


def _python_messages(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", None) in SINGLE_FORM and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            yield node.lineno, node.args[0].value


def _template_messages(path: Path):
    text = path.read_text(encoding="utf-8")
    for match in TEMPLATE_CALL.finditer(text):
        yield text.count("\n", 0, match.start()) + 1, match.group(2)


def test_counts_with_their_noun_use_ngettext():
    single = []
    for feature in FEATURES:
        files = [(p, _python_messages) for p in (ROOT / "meeting_manager" / feature).rglob("*.py")]
        files += [(p, _template_messages) for p in (ROOT / "templates" / feature).rglob("*.html")]
        for path, messages in files:
            single += [f"{path.relative_to(ROOT)}:{line}: {message}" for line, message in messages(path)
                       if COUNTED.search(message)]
    assert single == [], "\n".join(single)
