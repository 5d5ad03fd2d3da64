"""Every user-facing string exists in English and French, and formats follow the locale."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.numbers import format_percent

from bot.i18n import catalog_messages, language_of, translator

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"t": None, "plural": (1, 2), "N_": None}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def source_messages() -> set[str]:
    found: set[str] = set()
    for package in ("bot", "handlers", "storage"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_source_has_strings_to_translate() -> None:
    assert "Welcome to Polaris" in source_messages()


def test_every_string_is_translated_to_french() -> None:
    french = catalog_messages("fr")
    missing = sorted(m for m in source_messages() if not french.get(m))
    assert missing == [], "run `make i18n` and translate these in bot/locales/fr"


def test_french_keeps_every_placeholder() -> None:
    for msgid, text in catalog_messages("fr").items():
        if text:
            assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(text)), msgid


def test_french_uses_one_apostrophe() -> None:
    """French typography: the typographic apostrophe (’) everywhere but in code (`/okr …`)."""
    straight = [
        msgid
        for msgid, text in catalog_messages("fr").items()
        if text and "'" in re.sub(r"`[^`]*`", "", text)
    ]
    assert straight == []


# Prose only: code spans (`/okr …`), Slack links (<#C1>) and URLs keep their own spacing.
NOT_PROSE = re.compile(r"`[^`]*`|<[^>]*>|https?://\S+")
# French typography: a narrow no-break space (U+202F) before : ; ? ! % » and after «.
MISSING_THIN_SPACE = re.compile(r"[^\u202f][;?!%»]|[ \u00a0]:|«[^\u202f]")


def test_french_spaces_its_punctuation() -> None:
    unspaced = [
        msgid
        for msgid, text in catalog_messages("fr").items()
        if text and MISSING_THIN_SPACE.search(NOT_PROSE.sub("", text))
    ]
    assert unspaced == []


@pytest.mark.parametrize(
    ("slack_locale", "language"),
    [
        ("fr-FR", "fr"),
        ("fr-CA", "fr"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("de-DE", None),
        (None, None),
    ],
)
def test_language_of_a_slack_locale(slack_locale: str | None, language: str | None) -> None:
    assert language_of(slack_locale) == language


def test_unsupported_locale_falls_back_to_the_workspace_default() -> None:
    t = translator("de-DE", default="fr")
    assert t.language == "fr"
    assert t("Welcome to Polaris") == "Bienvenue dans Polaris"


@pytest.mark.parametrize(
    ("locale", "value", "expected"),
    [
        ("en-US", 1234.5, "1,234.5"),
        ("fr-FR", 1234.5, "1\u202f234,5"),
        ("en-US", 3.0, "3"),
        ("fr-FR", -0.25, "-0,25"),
    ],
)
def test_numbers_are_formatted_for_the_user(locale: str, value: float, expected: str) -> None:
    assert translator(locale).number(value) == expected


@pytest.mark.parametrize(
    ("locale", "typed", "value"),
    [
        ("fr-FR", "1 234,5", 1234.5),
        ("fr-FR", "1\u202f234,5", 1234.5),
        ("fr-FR", "42", 42.0),
        ("fr-FR", "3.5", 3.5),
        ("en-US", "1,234.5", 1234.5),
        ("en-US", "-12.75", -12.75),
    ],
)
def test_numbers_typed_by_the_user_are_parsed(locale: str, typed: str, value: float) -> None:
    assert translator(locale).parse_number(typed) == value


@pytest.mark.parametrize("typed", ["abc", "", "12abc"])
def test_non_numbers_are_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        translator("en-US").parse_number(typed)


def test_dates_are_formatted_for_the_user() -> None:
    from datetime import date

    assert translator("fr-FR").date(date(2026, 11, 23)) == "23 novembre 2026"
    assert translator("en-US").date(date(2026, 11, 23)) == "November 23, 2026"


@pytest.mark.parametrize(
    ("locale", "day", "short", "weekday", "month"),
    [
        ("en-US", "December 5", "Dec 5", "Saturday, December 5", "December 2026"),
        ("en-GB", "5 December", "5 Dec", "Saturday 5 December", "December 2026"),
        ("fr-FR", "5 décembre", "5 déc.", "samedi 5 décembre", "décembre 2026"),
    ],
)
def test_dates_without_a_year_are_ordered_by_the_locale(
    locale: str, day: str, short: str, weekday: str, month: str
) -> None:
    from datetime import date

    t = translator(locale)
    saturday = date(2026, 12, 5)
    assert (t.day_month(saturday), t.short_day(saturday)) == (day, short)
    assert (t.weekday(saturday), t.month(saturday)) == (weekday, month)


@pytest.mark.parametrize(
    ("locale", "zone", "expected"),
    [
        ("en-US", "Europe/Paris", "Saturday, Dec 5 at 3:15\u202fPM"),
        ("en-GB", "Europe/Paris", "Saturday 5 Dec at 15:15"),
        ("fr-FR", "Europe/Paris", "samedi 5 déc. à 15\u00a0h\u00a015"),
        ("fr-FR", "America/New_York", "samedi 5 déc. à 9\u00a0h\u00a015"),
    ],
)
def test_an_instant_reads_as_a_day_and_a_time_on_the_readers_clock(
    locale: str, zone: str, expected: str
) -> None:
    """`samedi 5 déc. à 15 h 15`, never `05/12/2026 15:15`."""
    from datetime import UTC, datetime

    assert translator(locale).when(datetime(2026, 12, 5, 14, 15, tzinfo=UTC), zone) == expected


def test_french_times_are_written_as_the_french_write_them() -> None:
    from datetime import time

    fr, en = translator("fr-FR"), translator("en-US")
    assert (fr.time(time(9, 0)), fr.time(time(16, 30))) == ("9\u00a0h", "16\u00a0h\u00a030")
    assert (en.time(time(9, 0)), en.time(time(16, 30))) == ("9:00\u202fAM", "4:30\u202fPM")


def test_the_first_of_the_month_is_an_ordinal_in_french() -> None:
    from datetime import UTC, date, datetime

    fr = translator("fr-FR")
    first = date(2026, 12, 1)
    assert (fr.date(first), fr.day_month(first)) == ("1er décembre 2026", "1er décembre")
    assert fr.when(datetime(2026, 12, 1, 8, tzinfo=UTC), "Europe/Paris") == (
        "mardi 1er déc. à 9\u00a0h"
    )
    assert fr.date(first, format="short") == "01/12/2026"  # numeric: no ordinal
    assert translator("en-US").date(first) == "December 1, 2026"


def test_a_number_is_formatted_by_babel_once_per_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.i18n

    calls: list[float] = []
    real = bot.i18n.format_decimal

    def counting(value: float, **kwargs: object) -> str:
        calls.append(value)
        return real(value, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bot.i18n, "format_decimal", counting)
    en, fr = translator("en-US"), translator("fr-FR")
    value = 98765.4321  # a value no other test formats, so the cache is cold for it
    assert [en.number(value), en.number(value)] == ["98,765.43", "98,765.43"]
    assert fr.number(value) == "98\u202f765,43"
    assert calls == [value, value]  # once in English, once in French


def test_remembered_numbers_read_as_babel_writes_them() -> None:
    en, fr = translator("en-US"), translator("fr-FR")
    assert [en.number(0.0), en.number(-0.0), en.number(0), en.number(1.0)] == ["0", "-0", "0", "1"]
    assert [en.number(2.346, digits=1), en.number(2.346)] == ["2.3", "2.35"]
    for t in (en, fr):  # twice: as computed, then as remembered
        assert [t.percent(0.16), t.percent(0.16)] == [format_percent(0.16, locale=t.locale)] * 2
        babel = format_percent(0.125, locale=t.locale, decimal_quantization=False)
        assert [t.percent_value(12.5), t.percent_value(12.5)] == [babel] * 2
