"""Cycles: quarters by default, computed in the team's time zone (`2026-Q4`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_KEY = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True)
class CycleSpan:
    """A cycle's key and its first and last days (inclusive, in the team's calendar)."""

    key: str
    starts_on: date
    ends_on: date

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """The cycle as aware instants: local midnight of the first day to local midnight after
        the last day, so expected progress follows the team's clock across DST changes."""
        zone = ZoneInfo(timezone)
        start = datetime.combine(self.starts_on, time.min, tzinfo=zone)
        end = datetime.combine(self.ends_on + timedelta(days=1), time.min, tzinfo=zone)
        return start, end


def quarter_of(day: date) -> CycleSpan:
    quarter = (day.month - 1) // 3 + 1
    return quarter_span(f"{day.year}-Q{quarter}")


def quarter_span(key: str) -> CycleSpan:
    """The span of `YYYY-Qn`. Raises ValueError on anything else."""
    match = _KEY.match(key.strip().upper())
    if not match:
        raise ValueError(f"not a quarter: {key!r}")
    year, quarter = int(match.group(1)), int(match.group(2))
    first_month = 3 * (quarter - 1) + 1
    starts_on = date(year, first_month, 1)
    next_start = date(year + 1, 1, 1) if quarter == 4 else date(year, first_month + 3, 1)
    return CycleSpan(f"{year}-Q{quarter}", starts_on, next_start - timedelta(days=1))


def current_quarter(now: datetime, timezone: str) -> CycleSpan:
    """The quarter containing `now` on the team's calendar (a New Year's Eve evening in
    New York is still Q4 there while it is Q1 in UTC)."""
    return quarter_of(now.astimezone(ZoneInfo(timezone)).date())


def next_quarter(span: CycleSpan) -> CycleSpan:
    return quarter_of(span.ends_on + timedelta(days=1))
