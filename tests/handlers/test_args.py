"""The one tokenizer of `/okr` arguments, and the parsers built on it (table-driven)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.i18n import translator
from handlers import args as args_module
from handlers.args import (
    command_text,
    number,
    parse_pause_until,
    parse_update_line,
    split_first,
    tokenize,
)
from handlers.ui.help import pause_example

EN = translator("en-US")
FR = translator("fr-FR")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", []),
        ("   ", []),
        ("KR-1 42 8", ["KR-1", "42", "8"]),
        ("  KR-1\t42\n8  ", ["KR-1", "42", "8"]),
        ('"Activation rate" 56', ["Activation rate", "56"]),
        ("“Activation rate” 56", ["Activation rate", "56"]),
        ("„Aktivierung“ 56", ["Aktivierung", "56"]),
        ("« taux d’activation » 56", ["taux d’activation", "56"]),
        ("'churn is down'", ["churn is down"]),
        ("‘churn is down’", ["churn is down"]),
        ("“Taux d’activation” 56,5", ["Taux d’activation", "56,5"]),
        # apostrophes inside words stay words
        ("c’est bon", ["c’est", "bon"]),
        ("don't stop", ["don't", "stop"]),
        ("jusqu’au 2026-12-24", ["jusqu’au", "2026-12-24"]),
        # unbalanced quotes are tolerated: the lone quote is dropped
        ('"1 234,5 8', ["1", "234,5", "8"]),
        ("“open ended", ["open", "ended"]),
        ("‘tis fine", ["tis", "fine"]),
        # no-break spaces keep a number whole, as a plain space
        ("1\u202f234,5 8", ["1 234,5", "8"]),
        ("1\xa0234,5", ["1 234,5"]),
        ('"1 234,5" 8 c’est bon', ["1 234,5", "8", "c’est", "bon"]),
        ('""', [""]),
    ],
)
def test_tokenize(text: str, words: list[str]) -> None:
    assert tokenize(text) == words


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        # Slack's escaping (`should_escape`) is undone once, where the command text enters.
        ("update KR-1 4 8 R&amp;D &lt;3", "update KR-1 4 8 R&D <3"),
        ("&amp;lt;", "&lt;"),
        # Slack's own links are not escaped: they arrive as they are.
        ("list <@U123|ada>", "list <@U123|ada>"),
        ("northstar record R&amp;D velocity 12", "northstar record R&D velocity 12"),
    ],
)
def test_command_text_is_read_as_typed(sent: str, typed: str) -> None:
    assert command_text({"text": sent}) == typed


@pytest.mark.parametrize(
    ("text", "split"),
    [
        ("", ("", "")),
        ("update KR-1 4", ("update", "KR-1 4")),
        ("  Record   Churn 4 ", ("record", "Churn 4")),
        ("help", ("help", "")),
    ],
)
def test_split_first(text: str, split: tuple[str, str]) -> None:
    assert split_first(text) == split


@pytest.mark.parametrize(
    ("t", "text", "value"),
    [
        (FR, "1 234,5", 1234.5),
        (FR, "1\u202f234,5", 1234.5),
        (FR, "0,75", 0.75),
        (EN, "1,234.5", 1234.5),
        (EN, "-3", -3.0),
        (EN, "lots", None),
        (FR, "", None),
    ],
)
def test_number(t, text: str, value: float | None) -> None:
    assert number(t, text) == value


@pytest.mark.parametrize(
    ("t", "args", "expected"),
    [
        (EN, "KR-1 42 8", (1, 42.0, 8, "", None)),
        (EN, 'KR-2 6 5 "churn is down"', (2, 6.0, 5, "churn is down", None)),
        (FR, '"KR-1" "1 234,5" 8 c’est bon', (1, 1234.5, 8, "c’est bon", None)),
        (FR, 'KR-1 "1 234,5" 8 c’est bon', (1, 1234.5, 8, "c’est bon", None)),
        (FR, "KR-1 1\u202f234,5 8 c’est bon", (1, 1234.5, 8, "c’est bon", None)),
        (EN, "KR-1 lots 7", (1, None, 7, "", "“lots” is not a number.")),
        (EN, "KR-1 1e26 7", (1, None, 7, "", "Numbers go up to 999,999,999,999,999.")),
        (EN, "KR-1 nan", (1, None, None, "", "Numbers go up to 999,999,999,999,999.")),
        (EN, "KR-1 5 11", (1, 5.0, None, "", "Confidence goes from 0 to 10.")),
        (EN, "KR-1 5", (1, 5.0, None, "", None)),  # the latest confidence is kept
        (EN, "K1 5 5", (None, 5.0, 5, "", "“K1” is not a key result reference like KR-12.")),
        (EN, "", (None, None, None, "", None)),
        # Numbers as the locale writes them, unquoted: the groups join, the confidence does not.
        (FR, "KR-1 1 500 8", (1, 1500.0, 8, "", None)),
        (FR, "KR-1 1 234,5 8 c’est bon", (1, 1234.5, 8, "c’est bon", None)),
        (FR, "KR-1 1 234,5", (1, 1234.5, None, "", None)),
        (EN, "KR-1 12 345 678 9", (1, 12345678.0, 9, "", None)),
        (EN, "KR-1 1 500.5 7 up", (1, 1500.5, 7, "up", None)),
        (EN, "KR-1 42 8 100 users", (1, 42.0, 8, "100 users", None)),
        # The note as typed: smart quotes and apostrophes stay.
        (FR, "KR-1 5 8 c’est “le” début", (1, 5.0, 8, "c’est “le” début", None)),
        (EN, "KR-1 5 8 ‘tis the “season”", (1, 5.0, 8, "‘tis the “season”", None)),
        (EN, "KR-1 5 8 don't 'stop'", (1, 5.0, 8, "don't 'stop'", None)),
        (FR, "KR-1 5 8 « super »", (1, 5.0, 8, "super", None)),
        # A milestone is done or not, in English or French.
        (EN, "KR-3 done", (3, 1.0, None, "", None)),
        (EN, "KR-3 yes 9 shipped", (3, 1.0, 9, "shipped", None)),
        (FR, "KR-3 fait 9 livré", (3, 1.0, 9, "livré", None)),
        (FR, "KR-3 Oui", (3, 1.0, None, "", None)),
        (EN, "KR-3 not done 4", (3, 0.0, 4, "", None)),
        (FR, "KR-3 pas fait 4 bloqué", (3, 0.0, 4, "bloqué", None)),
        (FR, "KR-3 non", (3, 0.0, None, "", None)),
    ],
)
def test_update_line(t, args: str, expected: tuple) -> None:
    line = parse_update_line(t, args)
    assert (line.ref, line.value, line.confidence, line.note, line.problem) == expected


@pytest.mark.parametrize(("args", "yes_no"), [("KR-3 done", True), ("KR-3 1", False)])
def test_update_line_says_when_the_value_was_done_or_not(args: str, yes_no: bool) -> None:
    assert parse_update_line(EN, args).yes_no is yes_no


# Wednesday 25 November 2026.
TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("locale", "args", "until"),
    [
        ("en-US", "until 2026-12-24", date(2026, 12, 24)),
        ("fr-FR", "jusqu’au 2026-12-24", date(2026, 12, 24)),
        ("fr-FR", "jusqu'au 2026-12-24", date(2026, 12, 24)),
        ("en-US", "2026-12-24", date(2026, 12, 24)),
        # The locale's numeric order, with or without the year.
        ("fr-FR", "24/12", date(2026, 12, 24)),
        ("fr-FR", "jusqu'au 24/12/2026", date(2026, 12, 24)),
        ("fr-FR", "24.12.26", date(2026, 12, 24)),
        ("en-GB", "until 24/12", date(2026, 12, 24)),
        ("en-US", "until 12/24", date(2026, 12, 24)),
        ("en-US", "until 24/12", None),
        # Month names in either language, with or without accents and the year.
        ("fr-FR", "24 décembre", date(2026, 12, 24)),
        ("fr-FR", "jusqu’au 24 décembre", date(2026, 12, 24)),
        ("fr-FR", "au 1er janvier", date(2027, 1, 1)),
        ("fr-FR", "24 dec. 2027", date(2027, 12, 24)),
        ("en-US", "until December 24", date(2026, 12, 24)),
        ("en-US", "Dec 24th", date(2026, 12, 24)),
        ("en-US", "24 December 2026", date(2026, 12, 24)),
        # A day already past this year is next year's.
        ("en-US", "until November 1", date(2027, 11, 1)),
        ("en-US", "until November 25", date(2026, 11, 25)),
        # Weekdays: the next one after today.
        ("en-US", "until next monday", date(2026, 11, 30)),
        ("fr-FR", "jusqu'à lundi prochain", date(2026, 11, 30)),
        ("en-US", "friday", date(2026, 11, 27)),
        ("en-US", "wednesday", date(2026, 12, 2)),
        ("fr-FR", "demain", date(2026, 11, 26)),
        # Not dates.
        ("en-US", "until Christmas", None),
        ("en-US", "", None),
        ("fr-FR", "31/02", None),
        ("en-US", "2026-13-01", None),
        ("en-US", "next december", None),
        ("en-US", "24 december 24", None),
    ],
)
def test_pause_until(locale: str, args: str, until: date | None) -> None:
    assert parse_pause_until(translator(locale), args, today=TODAY) == until


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "fr-FR"])
def test_the_help_s_pause_example_reads_back(locale: str) -> None:
    t = translator(locale)
    example = pause_example(t, TODAY)
    assert parse_pause_until(t, example.split(" ", 2)[2], today=TODAY) == date(2026, 12, 9)


def test_tokenizing_unclosed_quotes_stays_linear(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each unclosed quote used to scan to the end of the text (quadratic): 100,000 of them
    took hours. Counted in searches, not seconds, so the test cannot flake."""
    searches: list[str] = []
    real = args_module._closer_pattern

    def counting(closers: str) -> re.Pattern[str]:
        searches.append(closers)
        return real(closers)

    monkeypatch.setattr(args_module, "_closer_pattern", counting)
    assert tokenize('"a ' * 100_000)[:2] == ["a", "a"]
    assert searches == ['"”“']  # one search found no closing quote; none was searched again
