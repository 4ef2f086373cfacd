"""The time zones a meeting can be in: canonical IANA names only (tzdata's zone.tab, no deprecated links such as
Africa/Asmera or US/Eastern), with the venue country's zones first."""
import functools
import json
from importlib import resources

UTC = "UTC"


@functools.cache
def zones_by_country() -> dict[str, tuple[str, ...]]:
    """ISO country code -> its canonical zones, as tzdata lists them (shipped with the tzdata package)."""
    table = resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}
    for line in table.splitlines():
        if line and not line.startswith("#"):
            country, _coordinates, zone, *_comment = line.split("\t")
            found.setdefault(country, []).append(zone)
    return {country: tuple(zones) for country, zones in found.items()}


@functools.cache
def canonical_zones() -> tuple[str, ...]:
    return tuple(sorted({zone for zones in zones_by_country().values() for zone in zones} | {UTC}))


def timezone_choices(country_code: str | None = None, current: str | None = None) -> list[tuple[str, str]]:
    """(value, label) pairs: the country's zones, then UTC, then every other canonical zone; a meeting's stored
    zone that is no longer canonical stays selectable so that its form can still be saved."""
    first = list(zones_by_country().get((country_code or "").upper(), ()))
    rest = [zone for zone in canonical_zones() if zone not in first and zone != UTC]
    ordered = [*first, UTC, *rest]
    if current and current not in ordered:
        ordered.insert(0, current)
    return [(zone, zone.replace("_", " ")) for zone in ordered]


def zones_json() -> str:
    """The country -> zones map for the form's script, which reorders the list when the country changes."""
    return json.dumps(zones_by_country(), separators=(",", ":"))
