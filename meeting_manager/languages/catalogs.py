"""The translation catalogs: extracting the strings from the code, updating the five catalogs, compiling them.

translations/<lang>/LC_MESSAGES/messages.po are written by translators and kept in git; the .mo files are built
from them at set-up (./manage.sh) and before the tests, never committed.
"""
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from .catalog import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "meeting_manager" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
#: the functions whose first arguments are messages (Babel knows gettext, ngettext and _ already)
KEYWORDS = ("_l", "lazy_gettext", "lazy_ngettext:1,2", "_n:1,2", "_lp:1c,2", "lazy_pgettext:1c,2")
SOURCE = "en"


def translated() -> tuple[str, ...]:
    return tuple(code for code in LANGUAGES if code != SOURCE)


def po_path(code: str) -> Path:
    return TRANSLATIONS / code / "LC_MESSAGES" / "messages.po"


def extract(output: Path = TEMPLATE) -> Path:
    """Every translatable string of the code and templates, into a .pot file."""
    output.parent.mkdir(parents=True, exist_ok=True)
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    _pybabel("extract", "-F", str(ROOT / "babel.cfg"), *keywords, "--no-wrap", "--sort-by-file",
             "--project", "Global Meeting manager", "-o", str(output), ".")
    return output


def update() -> None:
    """Extract, then merge into each catalog: new strings arrive untranslated, changed ones fuzzy."""
    extract()
    for code in translated():
        command = "update" if po_path(code).exists() else "init"
        _pybabel(command, "-i", str(TEMPLATE), "-d", str(TRANSLATIONS), "-l", code, "--no-wrap",
                 *(["--ignore-obsolete"] if command == "update" else []))


def compile_all(only_stale: bool = True) -> list[str]:
    """Build each catalog's .mo (only those older than their .po unless told otherwise); the codes built."""
    built = []
    for code in translated():
        po, mo = po_path(code), po_path(code).with_suffix(".mo")
        if not po.exists() or (only_stale and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime):
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=code)
        partial = mo.with_suffix(".mo.partial")
        with partial.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        partial.replace(mo)  # at once: a process reading the catalog never sees half of it
        built.append(code)
    return built


def _pybabel(*args: str) -> None:
    # From the project's folder, so that the catalogs name files by their path in the project
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", *args], cwd=ROOT, check=True)
