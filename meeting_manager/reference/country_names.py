"""Country and territory names as the UN writes them, in the reader's language.

English: the 195 States by their UN short names (countries.csv), territories by their ISO 3166 names (which
UN M49 uses too), never the colloquial "Taiwan" or "Hong Kong". The other five UN languages: CLDR (Babel) names,
overridden by the UN terms of country_names_un.csv wherever they differ in a way a meeting of Member States reads
as a statement (the special administrative regions, Taiwan Province of China, the formal names of States such as
Republic of Korea or State of Palestine). UN terms win over CLDR.
"""
import csv
import functools
import unicodedata
from pathlib import Path

import pycountry
from babel import Locale

from ..languages.catalog import LANGUAGES as UN_LANGUAGES

DATA = Path(__file__).resolve().parents[1] / "data"


@functools.cache
def _un_terms() -> dict[str, dict[str, str]]:
    """iso2 -> {language: UN term} for the names where CLDR and the UN differ."""
    with (DATA / "country_names_un.csv").open(encoding="utf-8", newline="") as file:
        return {row.pop("iso2"): row for row in csv.DictReader(file)}


@functools.cache
def _states_en() -> dict[str, str]:
    with (DATA / "countries.csv").open(encoding="utf-8", newline="") as file:
        return {row["iso2"]: row["name"] for row in csv.DictReader(file, )}


def language_of(locale) -> str:
    """The UN language of a locale ("fr_CA" -> "fr"); anything else reads English."""
    language = str(locale or "en").split("_")[0].split("-")[0].lower()
    return language if language in UN_LANGUAGES else "en"


def fold(text: str) -> str:
    """For sorting and searching: accents and case ignored (Côte d'Ivoire sorts as Cote d'Ivoire)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


@functools.cache
def country_names(locale: str = "en") -> dict[str, str]:
    """alpha-2 -> name in the locale's UN language, for every ISO 3166-1 country and territory, sorted by name."""
    language = language_of(locale)
    if language == "en":
        names = {c.alpha_2: c.name for c in pycountry.countries} | _states_en()
    else:
        cldr = Locale.parse(language).territories
        names = {c.alpha_2: cldr.get(c.alpha_2, c.name) for c in pycountry.countries}
    for code, terms in _un_terms().items():
        if terms.get(language):
            names[code] = terms[language]
    return dict(sorted(names.items(), key=lambda item: fold(item[1])))
