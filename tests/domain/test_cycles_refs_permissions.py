"""Cycles, references and permissions: small pure rules, table-driven."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.domain.cycles import current_quarter, next_quarter, quarter_of, quarter_span
from bot.domain.permissions import Actor, may_change
from bot.domain.refs import parse_key_result_ref, parse_objective_ref


@pytest.mark.parametrize(
    ("day", "key", "starts_on", "ends_on"),
    [
        (date(2026, 1, 1), "2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 3, 31), "2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), "2026-Q2", date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 11, 26), "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        (date(2028, 2, 29), "2028-Q1", date(2028, 1, 1), date(2028, 3, 31)),
    ],
)
def test_quarter_of_a_day(day: date, key: str, starts_on: date, ends_on: date) -> None:
    span = quarter_of(day)
    assert (span.key, span.starts_on, span.ends_on) == (key, starts_on, ends_on)


@pytest.mark.parametrize("key", ["2026-Q0", "2026-Q5", "26-Q1", "Q4-2026", ""])
def test_bad_quarter_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError):
        quarter_span(key)


def test_the_quarter_follows_the_team_time_zone() -> None:
    new_year_utc = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)  # still 2026 in New York
    assert current_quarter(new_year_utc, "America/New_York").key == "2026-Q4"
    assert current_quarter(new_year_utc, "Europe/Paris").key == "2027-Q1"


def test_next_quarter_crosses_the_year() -> None:
    assert next_quarter(quarter_span("2026-Q4")).key == "2027-Q1"


def test_cycle_bounds_are_local_midnights() -> None:
    start, end = quarter_span("2026-Q4").bounds("Europe/Paris")
    assert start.isoformat() == "2026-10-01T00:00:00+02:00"
    assert end.isoformat() == "2027-01-01T00:00:00+01:00"


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("KR-12", 12),
        ("kr12", 12),
        ("12", 12),
        (" KR-3 ", 3),
        ("KR-", None),
        ("O-4", None),
        ("x", None),
    ],
)
def test_key_result_refs(text: str, ref: int | None) -> None:
    assert parse_key_result_ref(text) == ref


@pytest.mark.parametrize(("text", "ref"), [("O-4", 4), ("o4", 4), ("4", None), ("KR-4", None)])
def test_objective_refs(text: str, ref: int | None) -> None:
    assert parse_objective_ref(text) == ref


@pytest.mark.parametrize(
    ("actor", "owners", "lead", "allowed"),
    [
        (Actor("U1"), ["U1", "U2"], None, True),  # KR owner
        (Actor("U2"), ["U1", "U2"], None, True),  # objective owner
        (Actor("U3"), ["U1", "U2"], "U3", True),  # team lead
        (Actor("U4", is_admin=True), ["U1"], "U3", True),  # workspace admin
        (Actor("U5"), ["U1", "U2"], "U3", False),  # anyone else
        (Actor("U5"), [None], None, False),
    ],
)
def test_who_may_change(
    actor: Actor, owners: list[str | None], lead: str | None, allowed: bool
) -> None:
    assert may_change(actor, owners=owners, team_lead=lead) is allowed
