"""Weekly occurrences across time zones and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.domain.schedule import latest_weekly, local_instant, next_working_day, week_key

FRIDAY, MONDAY = 4, 0


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("at", "zone", "expected"),
    [
        ("2026-11-27T10:00:00+01:00", "Europe/Paris", "2026-11-27T09:00:00+00:00"),
        ("2026-11-27T09:59:00+01:00", "Europe/Paris", "2026-11-20T09:00:00+00:00"),
        ("2026-11-27T10:00:00-05:00", "America/New_York", "2026-11-27T15:00:00+00:00"),
        ("2026-11-29T12:00:00+01:00", "Europe/Paris", "2026-11-27T09:00:00+00:00"),
    ],
)
def test_latest_friday_ten(at: str, zone: str, expected: str) -> None:
    occurrence = latest_weekly(utc(at), timezone=zone, weekday=FRIDAY, at_time=time(10))
    assert occurrence.at == utc(expected)


@pytest.mark.parametrize(
    ("zone", "monday", "offset_before", "offset_after"),
    [
        # Europe changes on the last Sunday of March and of October 2026.
        ("Europe/Paris", date(2026, 3, 23), "+01:00", "+02:00"),
        ("Europe/Paris", date(2026, 10, 19), "+02:00", "+01:00"),
        # The United States on the second Sunday of March and the first of November 2026.
        ("America/New_York", date(2026, 3, 2), "-05:00", "-04:00"),
        ("America/New_York", date(2026, 10, 26), "-04:00", "-05:00"),
    ],
)
def test_a_week_across_a_dst_change_keeps_the_local_hour_and_one_period_per_week(
    zone: str, monday: date, offset_before: str, offset_after: str
) -> None:
    # Tick every 30 minutes for three weeks around the change: each Monday 09:30 local is
    # found exactly once, at 09:30 on the wall clock.
    start = datetime.combine(monday, time(0), tzinfo=UTC)
    seen: dict[str, datetime] = {}
    for step in range(3 * 7 * 48):
        at = start + timedelta(minutes=30 * step)
        occurrence = latest_weekly(at, timezone=zone, weekday=MONDAY, at_time=time(9, 30))
        assert seen.setdefault(occurrence.period, occurrence.at) == occurrence.at
    assert len(seen) == 4  # the Monday before the window, and the three inside it
    firsts = sorted(seen.values())[1:]
    assert firsts[0].isoformat(timespec="minutes").endswith("+00:00")
    local = [latest_weekly(a, timezone=zone, weekday=MONDAY, at_time=time(9, 30)) for a in firsts]
    assert [o.local_date.weekday() for o in local] == [MONDAY] * 3
    from zoneinfo import ZoneInfo

    walls = [a.astimezone(ZoneInfo(zone)) for a in firsts]
    assert [w.strftime("%H:%M") for w in walls] == ["09:30"] * 3
    assert walls[0].isoformat().endswith(offset_before)
    assert walls[-1].isoformat().endswith(offset_after)


def test_a_time_in_the_spring_gap_happens_once_an_hour_later() -> None:
    instant = local_instant(date(2026, 3, 29), time(2, 30), "Europe/Paris")
    assert instant == utc("2026-03-29T03:30:00+02:00")


def test_a_time_in_the_autumn_fold_happens_once() -> None:
    instant = local_instant(date(2026, 10, 25), time(2, 30), "Europe/Paris")
    assert instant == utc("2026-10-25T02:30:00+02:00")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 27), date(2026, 11, 30)),
        (date(2026, 11, 23), date(2026, 11, 24)),
        (date(2026, 11, 28), date(2026, 11, 30)),
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    assert next_working_day(day) == expected


def test_week_keys_follow_iso_weeks() -> None:
    assert week_key(date(2026, 11, 23)) == "2026-W48"
    assert week_key(date(2027, 1, 1)) == "2026-W53"


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError):
        latest_weekly(datetime(2026, 1, 1), timezone="UTC", weekday=0, at_time=time(9))
