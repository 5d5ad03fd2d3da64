"""Message catalogs (Babel, gettext) and locale-aware formatting.

Source strings are English and are the msgids; `bot/locales/<lang>/LC_MESSAGES/messages.po`
holds the translations. Catalogs are compiled in memory at start-up, so the repository keeps
only the reviewable `.po` text. Call sites use a `Translator` bound to one user's locale:

    t("Objective {ref} saved", ref="O-4")
    t.plural("{n} key result", "{n} key results", n)

`make i18n` extracts new strings (`pybabel extract -k t -k plural:1,2`) and updates catalogs.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_skeleton, format_timedelta
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
Day = date  # for annotations inside Translator, whose `date` method hides the type


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


@cache
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


@cache
def _number_pattern(digits: int) -> NumberPattern:
    # Parsed once: Babel would parse the pattern string on every call, and posts, lists and
    # digests format hundreds of numbers.
    return parse_pattern("#,##0" + ("." + "#" * digits if digits else ""))


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
        """A `date` given as a value (a domain error's, typically) reads in this locale."""
        return {
            key: self.date(value)
            if isinstance(value, date) and not isinstance(value, datetime)
            else value
            for key, value in values.items()
        }

    def number(self, value: float, *, digits: int = 2) -> str:
        """`1234.5` → `1,234.5` (en) or `1 234,5` (fr); at most `digits` decimals."""
        return format_decimal(value, format=_number_pattern(digits), locale=self.locale)

    def percent(self, fraction: float) -> str:
        """`0.16` → `16%` (en) or `16 %` (fr), rounded to a whole percent."""
        return format_percent(fraction, locale=self.locale)

    def percent_value(self, value: float) -> str:
        """A value whose unit is `%`: `12.5` → `12.5%` (en) or `12,5 %` (fr), 2 decimals at most."""
        return format_percent(round(value, 2) / 100, locale=self.locale, decimal_quantization=False)

    def date(self, value: date, *, format: str = "medium") -> str:
        return format_date(value, format=format, locale=self.locale)

    def datetime(self, value: datetime, *, format: str = "medium", tz: Any = None) -> str:
        return format_datetime(value, format=format, tzinfo=tz, locale=self.locale)

    def day_month(self, value: Day) -> str:
        """`December 24` (en) or `24 décembre` (fr): a date as people type it, no year."""
        return format_skeleton("MMMMd", value, locale=self.locale)

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
