"""Message catalogs (Babel, gettext) and locale-aware formatting.

Source strings are English and are the msgids; `bot/locales/<lang>/LC_MESSAGES/messages.po`
holds the translations. Catalogs are compiled in memory at start-up, so the repository keeps
only the reviewable `.po` text. Call sites use a `Translator` bound to one user's locale:

    t("Objective {ref} saved", ref="O-4")
    t.plural("{n} key result", "{n} key results", n)

`make i18n` extracts new strings (`pybabel extract -k t -k plural:1,2`) and updates catalogs.
"""

from __future__ import annotations

import functools
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, format_timedelta, match_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import (
    NumberFormatError,
    NumberPattern,
    format_decimal,
    format_percent,
    parse_decimal,
    parse_pattern,
)
from babel.support import NullTranslations, Translations

from bot.domain.numbers import require_storable

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
SUPPORTED_LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
NUMBER_TEXT_MAX = 100  # longer than any number a person types, with its spaces
Day = date  # for annotations inside Translator, whose `date` and `time` methods hide the types
Clock = time
# CLDR writes French times as `15:15`; French typography writes `15 h 15`, and `9 h` on the
# hour (as CLDR's own fr-CA does). No-break spaces keep the hour and its `h` on one line.
FRENCH_TIME = "H\u00a0'h'\u00a0mm"
FRENCH_HOUR = "H\u00a0'h'"


def language_of(locale: str | None) -> str | None:
    """The supported catalog language of a Slack or POSIX locale (`fr-FR` → `fr`), or None."""
    if not locale:
        return None
    language = locale.replace("-", "_").split("_", 1)[0].lower()
    return language if language in SUPPORTED_LANGUAGES else None


def babel_locale(locale: str | None, fallback: str) -> Locale:
    """A Babel Locale for formatting: the user's own (`fr-CA`) when Babel knows it."""
    for candidate in (locale, fallback, DEFAULT_LANGUAGE):
        if not candidate:
            continue
        try:
            return Locale.parse(candidate.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            continue
    return Locale.parse(DEFAULT_LANGUAGE)


@functools.cache
def _catalog(language: str) -> NullTranslations:
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


@functools.cache
def _number_pattern(digits: int) -> NumberPattern:
    # Parsed once: Babel would parse the pattern string on every call, and posts, lists and
    # digests format hundreds of numbers.
    return parse_pattern("#,##0" + ("." + "#" * digits if digits else ""))


_DECIMAL, _PERCENT, _PERCENT_VALUE = "decimal", "percent", "percent_value"


@functools.lru_cache(maxsize=8192)
def _formatted(how: str, key: str, value: float, digits: int, locale: Locale) -> str:
    """A number as Babel writes it, remembered: the same value, format and locale always read
    the same, and Babel takes ~10 µs a number, which a list of ten objectives paid 170 times
    and every redrawn post dozens. `key` is the value's repr, so that values equal but written
    differently (0.0 and -0.0, which Babel writes `-0`) are told apart."""
    if how == _DECIMAL:
        return format_decimal(value, format=_number_pattern(digits), locale=locale)
    if how == _PERCENT:
        return format_percent(value, locale=locale)
    return format_percent(round(value, digits) / 100, locale=locale, decimal_quantization=False)


@dataclass(frozen=True)
class Translator:
    """Strings and formats for one user: their catalog language and their Babel locale."""

    language: str
    locale: Locale

    def __call__(self, message: str, /, **values: Any) -> str:
        text = _catalog(self.language).gettext(message)
        return text.format(**self._formatted(values)) if values else text

    def plural(self, singular: str, plural: str, n: int, /, **values: Any) -> str:
        text = _catalog(self.language).ngettext(singular, plural, n)
        return text.format(n=self.number(n), **self._formatted(values))

    def _formatted(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """A `date` or a `float` given as a value (a domain error's, typically) reads in this
        locale: `January 5, 2027`, `-5` / `1 234,5`, never `2027-01-05` or `-5.0`."""
        return {key: self._readable(value) for key, value in values.items()}

    def _readable(self, value: Any) -> Any:
        if isinstance(value, date) and not isinstance(value, datetime):
            return self.date(value)
        if isinstance(value, float) and math.isfinite(value):
            return self.number(value)
        return value

    def number(self, value: float, *, digits: int = 2) -> str:
        """`1234.5` → `1,234.5` (en) or `1 234,5` (fr); at most `digits` decimals."""
        return _formatted(_DECIMAL, repr(value), value, digits, self.locale)

    def percent(self, fraction: float) -> str:
        """`0.16` → `16%` (en) or `16 %` (fr), rounded to a whole percent."""
        return _formatted(_PERCENT, repr(fraction), fraction, 0, self.locale)

    def percent_value(self, value: float) -> str:
        """A value whose unit is `%`: `12.5` → `12.5%` (en) or `12,5 %` (fr), 2 decimals at most."""
        return _formatted(_PERCENT_VALUE, repr(value), value, 2, self.locale)

    def date(self, value: Day, *, format: str = "long") -> str:
        """A date in a sentence: `January 5, 2027` (en) or `5 janvier 2027` (fr). `format` is
        a CLDR named format (`short`, `medium`, `long`, `full`), never a pattern: the reader's
        locale orders the parts."""
        pattern = str(self.locale.date_formats[format].pattern)
        return format_date(value, format=self._ordinal_first(pattern, value), locale=self.locale)

    def day_month(self, value: Day) -> str:
        """`December 24` (en) or `24 décembre` (fr): a date as people type it, no year."""
        return self._skeleton("MMMMd", value)

    def short_day(self, value: Day) -> str:
        """`Dec 24` (en) or `24 déc.` (fr): a date in a range or under a chart."""
        return self._skeleton("MMMd", value)

    def weekday(self, value: Day) -> str:
        """`Saturday, December 5` (en) or `samedi 5 décembre` (fr)."""
        return self._skeleton("MMMMEEEEd", value)

    def month(self, value: Day) -> str:
        """`November 2026` (en) or `novembre 2026` (fr)."""
        return self._skeleton("yMMMM", value)

    def short_month(self, value: Day) -> str:
        """`Nov 2026` (en) or `nov. 2026` (fr): a month under a chart."""
        return self._skeleton("yMMM", value)

    def time(self, value: Clock | datetime, *, tz: tzinfo | str | None = None) -> str:
        """`3:15 PM` (en-US), `15:15` (en-GB), `15 h 15` or `9 h` (fr): a time of day, on the
        clock of `tz` for an instant."""
        zone = _zone(tz)
        if self.language == "fr":
            local = value.astimezone(zone) if isinstance(value, datetime) and zone else value
            pattern = FRENCH_TIME if local.minute else FRENCH_HOUR
            return format_time(local, format=pattern, locale=self.locale)
        return format_time(value, format="short", tzinfo=zone, locale=self.locale)

    def when(self, moment: datetime, tz: tzinfo | str | None = None) -> str:
        """An instant in a sentence, on the clock of `tz`: `Saturday, Dec 5 at 3:15 PM` (en)
        or `samedi 5 déc. à 15 h 15` (fr). Never `05/12/2026 15:15`."""
        zone = _zone(tz)
        local = moment.astimezone(zone) if zone else moment
        return self(
            "{date} at {time}",
            date=self._skeleton("MMMEEEEd", local.date()),
            time=self.time(local),
        )

    def _skeleton(self, skeleton: str, value: Day) -> str:
        pattern = _skeleton_pattern(str(self.locale), skeleton)
        return format_date(value, format=self._ordinal_first(pattern, value), locale=self.locale)

    def _ordinal_first(self, pattern: str, value: Day) -> str:
        """French writes the first of the month as an ordinal, « 1er décembre », which CLDR
        does not: its day field (`d`, outside quoted text) gets the `er` (before a month's
        name only: `01/12/2026` stays numeric)."""
        if self.language != "fr" or value.day != 1 or "MMM" not in pattern:
            return pattern
        return re.sub(r"'[^']*'|d+", _first, pattern)

    def age(self, seconds: float) -> str:
        """A rounded duration such as `3 days` / `3 jours`."""
        return format_timedelta(timedelta(seconds=seconds), locale=self.locale)

    def parse_number(self, text: str) -> float:
        """Parse a number typed by this user (`1 234,5` in French). Raises ValueError, or
        NumberOutOfRange (a ValueError) for one Polaris cannot hold (NaN, 1e26…)."""
        cleaned = text.strip().replace("\u202f", " ").replace("\xa0", " ")
        if len(cleaned) > NUMBER_TEXT_MAX:  # no parsing of a page of digits
            raise ValueError(text)
        try:
            parsed = float(
                parse_decimal(cleaned.replace(" ", ""), locale=self.locale, strict=False)
            )
        except NumberFormatError:
            try:
                parsed = float(cleaned.replace(" ", "").replace(",", "."))
            except ValueError:
                raise ValueError(text) from None
        return require_storable(parsed)


def _zone(tz: tzinfo | str | None) -> tzinfo | None:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


@functools.cache
def _skeleton_pattern(locale: str, skeleton: str) -> str:
    """The locale's pattern for a CLDR skeleton, its weekday and month as wide as asked.

    Babel finds the closest skeleton the locale has (`MMMEd` for `MMMEEEEd`) but keeps that
    one's widths, so it would say `Sat` where `Saturday` was asked: widen them as ICU does."""
    patterns = Locale.parse(locale).datetime_skeletons
    found = match_skeleton(skeleton, patterns) or skeleton
    pattern = str(patterns[found].pattern) if found in patterns else skeleton
    for field, wanted in (("E+", skeleton.count("E")), ("M{3,}", skeleton.count("M"))):
        if wanted >= 3:  # a name (`Sat`, `Dec`), not a number: as wide as asked
            pattern = re.sub(
                f"{field}|'[^']*'", functools.partial(_widen, field[0] * wanted), pattern
            )
    return pattern


def _first(field: re.Match[str]) -> str:
    return field[0] if field[0].startswith("'") else "d'er'"


def _widen(width: str, field: re.Match[str]) -> str:
    return field[0] if field[0].startswith("'") else width  # quoted text stays as it is


def translator(locale: str | None, *, default: str = DEFAULT_LANGUAGE) -> Translator:
    """The translator for a user's Slack locale, falling back to the workspace default."""
    language = language_of(locale) or language_of(default) or DEFAULT_LANGUAGE
    chosen = locale if language_of(locale) else language
    return Translator(language=language, locale=babel_locale(chosen, language))


def catalog_messages(language: str) -> Mapping[str, str]:
    """Every translated msgid of a catalog (for tests that check nothing is missing)."""
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    return {
        str(m.id if isinstance(m.id, str) else m.id[0]): (
            m.string if isinstance(m.string, str) else "|".join(m.string or ())
        )
        for m in catalog
        if m.id and not m.fuzzy
    }
