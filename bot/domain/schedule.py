"""When weekly things are due: local wall-clock times in a time zone, DST-proof.

A weekly post is due at a local weekday and time (Friday 10:00 in the owner's zone, Monday
09:30 in the team's). Its *period* is the ISO week of its local date: the ledger key that makes
it exactly-once, whatever the offsets do around it. Pure functions, stdlib only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MONDAY, FRIDAY, SATURDAY = 0, 4, 5


@dataclass(frozen=True)
class Occurrence:
    """One weekly occurrence: when (aware, UTC) and its period key (`2026-W48`)."""

    at: datetime
    local_date: date
    period: str


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def local_instant(day: date, at_time: time, timezone: str) -> datetime:
    """`day` at `at_time` on the wall clock of `timezone`, as an aware UTC datetime.

    In the spring-forward gap (02:30 that does not exist) the time is read with the offset in
    force before the change, so it lands one hour later on the wall clock (03:30); in the
    autumn fold (02:30 twice) the first one is taken. Either way one instant per day.
    """
    local = datetime.combine(day, at_time, tzinfo=ZoneInfo(timezone))
    return local.astimezone(ZoneInfo("UTC"))


def latest_weekly(at: datetime, *, timezone: str, weekday: int, at_time: time) -> Occurrence:
    """The most recent occurrence of (weekday, at_time) in `timezone` at or before `at`."""
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware")
    today = at.astimezone(ZoneInfo(timezone)).date()
    day = today - timedelta(days=(today.weekday() - weekday) % 7)
    instant = local_instant(day, at_time, timezone)
    if instant > at:
        day -= timedelta(days=7)
        instant = local_instant(day, at_time, timezone)
    return Occurrence(at=instant, local_date=day, period=week_key(day))


def next_working_day(day: date) -> date:
    """The next Monday-to-Friday day after `day`."""
    following = day + timedelta(days=1)
    while following.weekday() >= SATURDAY:
        following += timedelta(days=1)
    return following


def snooze_until(now: datetime, *, days: int, timezone: str, at_time: time) -> datetime:
    """When a nudge snoozed at `now` for `days` comes back: that many days later on the
    person's calendar, moved to the next working day when it falls on a weekend, at the
    check-in hour in their zone ("tomorrow" clicked on a Friday is Monday)."""
    day = now.astimezone(ZoneInfo(timezone)).date() + timedelta(days=days)
    while day.weekday() >= SATURDAY:
        day += timedelta(days=1)
    return local_instant(day, at_time, timezone)


def lateness(at: datetime, occurrence: Occurrence) -> timedelta:
    return at - occurrence.at
