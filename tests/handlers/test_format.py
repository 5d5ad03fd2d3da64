"""Percentages as each reader's locale writes them, on every surface that shows one."""

from __future__ import annotations

import pytest

from bot.i18n import translator
from handlers.ui.format import amount, kr_amount, progress_line

NBSP = "\xa0"  # Babel's French percent pattern: a no-break space before %


@pytest.mark.parametrize(("locale", "expected"), [("en", "12.5%"), ("fr", f"12,5{NBSP}%")])
def test_a_value_in_percent_reads_as_its_reader_writes_it(locale: str, expected: str) -> None:
    t = translator(locale)
    assert amount(t, 12.5, "%") == kr_amount(t, 12.5, "%") == expected


@pytest.mark.parametrize(("locale", "expected"), [("en", "16%"), ("fr", f"16{NBSP}%")])
def test_a_progress_reads_as_its_reader_writes_it(locale: str, expected: str) -> None:
    assert progress_line(translator(locale), 0.16).endswith(" " + expected)


def test_other_units_follow_the_number() -> None:
    t = translator("fr")
    assert kr_amount(t, 1500, "teams") == "1\u202f500 teams"
    assert amount(t, 2, "<!here>") == "2 &lt;!here&gt;"


def test_a_cycle_reads_as_people_say_it() -> None:
    from handlers.ui.format import cycle_label

    assert cycle_label(translator("en"), "2026-Q4") == "Q4 2026"
    assert cycle_label(translator("fr"), "2027-Q1") == "T1 2027"
    assert cycle_label(translator("en"), "<custom>") == "&lt;custom&gt;"
