"""Dates and moments as the reader's language writes them, on the meeting's clocks, the zone named: for mail,
where no page around them says when: "25 octobre 2026, 09:00 (Europe/Berlin)", "2026年10月25日 09:00–10:30".

Babel's own formatters with the zone given: Flask-Babel's would move the moment to the reader's zone (UTC by
default), and the meeting happens on its own clocks.
"""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton, format_time

#: Babel's named date formats; any other format given is a CLDR skeleton
NAMED_FORMATS = ("short", "medium", "long", "full")


def day_text(day: date, skeleton: str, locale) -> str:
    """A day as the language writes it: a named format or a CLDR skeleton ("yMMMd", "MMMEd"), never a fixed
    pattern, which would put day, month and weekday in one language's order ("16 二月" for 2月16日)."""
    if skeleton in NAMED_FORMATS:
        return format_date(day, skeleton, locale=locale or "en")
    return format_skeleton(skeleton, day, locale=locale or "en")


def moment_text(moment: datetime, zone: str, locale) -> str:
    """One moment: "25 octobre 2026, 09:00 (Europe/Berlin)"."""
    return _on_day(moment, zone, locale, format_time(moment, "short", tzinfo=ZoneInfo(zone), locale=locale))


def span_text(start: datetime, end: datetime, zone: str, locale) -> str:
    """A stretch of one day (a session): "25 octobre 2026, 09:00 – 10:30 (Europe/Berlin)"."""
    return _on_day(start, zone, locale, format_interval(start, end, "Hm", tzinfo=ZoneInfo(zone), locale=locale))


def dates_text(first: date, last: date, locale) -> str:
    """The days of a meeting: "25–27 oct. 2026", "2026年10月25日 – 27日"."""
    return format_interval(first, last, "yMMMd", locale=locale)


def _on_day(moment: datetime, zone: str, locale, clock: str) -> str:
    locale = Locale.parse(str(locale or "en"))
    day = format_date(moment.astimezone(ZoneInfo(zone)), "long", locale=locale)
    # the language's own way of joining a date and a time ("{1}, {0}", "{1} {0}", "{1}، {0}")
    return f"{locale.datetime_formats['long'].format(clock, day)} ({zone.replace('_', ' ')})"
