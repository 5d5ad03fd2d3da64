"""Readings' rules: the periods of a time window, the sane values and dates of a reading, and
a metric's trend. Pure.

A week starts on Monday, a month on the 1st, a quarter on 1 Jan/Apr/Jul/Oct; a point-in-time
metric has one period per day. Value and date problems are codes; their texts are msgids.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.domain.display import Delta, delta, sparkline
from bot.domain.errors import N_
from bot.domain.northstar import TimeWindow, normalised


class ReadingSource(StrEnum):
    """Where a reading came from (values of the `reading.source` column)."""

    MANUAL = "manual"
    API = "api"
    IMPORT = "import"


# --- Periods --------------------------------------------------------------------------------


def period_start(day: date, window: TimeWindow | None) -> date:
    """The first day of the period containing `day`: Monday of its ISO week, the 1st of its
    month or of its quarter; the day itself for a point-in-time metric (or no window)."""
    if window is TimeWindow.WEEK:
        return day - timedelta(days=day.weekday())
    if window is TimeWindow.MONTH:
        return day.replace(day=1)
    if window is TimeWindow.QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day


def shift_period(start: date, window: TimeWindow | None, periods: int) -> date:
    """The start of the period `periods` away (negative: earlier) from the one at `start`."""
    start = period_start(start, window)
    if window is TimeWindow.WEEK:
        return start + timedelta(weeks=periods)
    if window in (TimeWindow.MONTH, TimeWindow.QUARTER):
        months = periods * (3 if window is TimeWindow.QUARTER else 1)
        index = start.year * 12 + start.month - 1 + months
        return date(index // 12, index % 12 + 1, 1)
    return start + timedelta(days=periods)


def last_periods(today: date, window: TimeWindow | None, count: int) -> list[date]:
    """The starts of the `count` periods ending with the one containing `today`, oldest first."""
    return [shift_period(today, window, -offset) for offset in range(count - 1, -1, -1)]


# --- Readings: sane values and dates --------------------------------------------------------


class ValueProblem(StrEnum):
    NOT_FINITE = "not_finite"
    NEGATIVE = "negative"
    OVER_100_PERCENT = "over_100_percent"
    TOO_LARGE = "too_large"


VALUE_PROBLEM_MESSAGES: dict[ValueProblem, str] = {
    ValueProblem.NOT_FINITE: N_("Use a finite number."),
    ValueProblem.NEGATIVE: N_("A reading cannot be negative: {value} {unit}."),
    ValueProblem.OVER_100_PERCENT: N_(
        "{value} is over 100 %. Use a unit such as “% growth” if it may exceed 100."
    ),
    ValueProblem.TOO_LARGE: N_("{value} is too large to be a real measure."),
}

#: No metric of a team is ever a thousand billion anything.
MAX_ABS_VALUE = 1e12

_PERCENT_UNITS = {"%", "percent", "pct", "pourcent", "pourcentage", "pourcents"}
# Units whose values may legitimately be negative (or over 100 % for percentages).
_SIGNED_UNIT_WORDS = (
    "growth",
    "change",
    "delta",
    "variation",
    "croissance",
    "evolution",
    "net",
    "nps",
    "score",
    "balance",
    "solde",
    "margin",
    "marge",
    "profit",
    "°",
    "celsius",
)


def is_percent_unit(unit: str) -> bool:
    return normalised(unit).strip() in _PERCENT_UNITS


def is_signed_unit(unit: str) -> bool:
    text = normalised(unit)
    return any(word in text for word in _SIGNED_UNIT_WORDS)


def value_problem(value: float, unit: str) -> ValueProblem | None:
    """Why `value` cannot be a reading of a metric in `unit`, or None if it can.

    Rules: finite; at most 1e12 in absolute value; a plain percentage (`%`, `percent`) lies
    in [0, 100]; any other unit is non-negative (a count, a duration, money), unless the unit
    says the value is signed (`% growth`, `NPS`, `net …`, `score`, `margin`…).
    """
    if not math.isfinite(value):
        return ValueProblem.NOT_FINITE
    if abs(value) > MAX_ABS_VALUE:
        return ValueProblem.TOO_LARGE
    if is_signed_unit(unit):
        return None
    if value < 0:
        return ValueProblem.NEGATIVE
    if is_percent_unit(unit) and value > 100:
        return ValueProblem.OVER_100_PERCENT
    return None


class DateProblem(StrEnum):
    IN_FUTURE = "in_future"
    BEFORE_NORTH_STAR = "before_north_star"


DATE_PROBLEM_MESSAGES: dict[DateProblem, str] = {
    DateProblem.IN_FUTURE: N_("{date} is in the future; readings are of what happened."),
    DateProblem.BEFORE_NORTH_STAR: N_(
        "{date} is before the North Star was measured (since {since}). Change or clear "
        "“Measured since” in `/okr northstar define` to record older history."
    ),
}


def date_problem(
    day: date,
    *,
    today: date,
    measured_since: date | None,
    window: TimeWindow | None = None,
) -> DateProblem | None:
    """Why a reading cannot be dated `day`: after `today` (the team's calendar) or before
    the North Star's first measured day.

    `measured_since` None (left empty) means no lower bound: a new team records its past weeks
    right after defining its North Star. Readings are filed under their period's start, so a
    reading is refused only when its whole period lies before the period of `measured_since`;
    and one in the period of `today` (where today's reading is filed) is never refused.
    """
    if day > today:
        return DateProblem.IN_FUTURE
    if measured_since is None:
        return None
    filed = period_start(day, window)
    if filed == period_start(today, window):
        return None
    if filed < period_start(measured_since, window):
        return DateProblem.BEFORE_NORTH_STAR
    return None


# --- Trends ---------------------------------------------------------------------------------

#: How many periods the sparkline and the chart show.
TREND_PERIODS = 12


@dataclass(frozen=True)
class Trend:
    """A metric's recent history, computed from its readings.

    Attributes:
        current: the latest reading's value (None without readings).
        current_period: the start of the latest reading's period.
        last_period: change from the period before the latest one.
        over_cycle: change from the last reading before the cycle started (or the cycle's
            first reading) to the latest one.
        periods: the starts of the periods shown (the last 12 periods up to today; for a
            point-in-time metric, the dates of the last 12 readings).
        values: one value per period, None where nothing was recorded.
        first: the first value ever recorded (the baseline of progress to target).
    """

    current: float | None
    current_period: date | None
    last_period: Delta
    over_cycle: Delta
    periods: tuple[date, ...]
    values: tuple[float | None, ...]
    first: float | None

    @property
    def spark(self) -> str:
        return sparkline(self.values)


def trend(
    readings: Sequence[tuple[date, float]],
    *,
    window: TimeWindow | None,
    today: date,
    cycle_start: date,
    count: int = TREND_PERIODS,
) -> Trend:
    """The trend of a metric from its `(period_start, value)` readings in any order.

    Readings are put in the periods of `window` (they may have been recorded under another
    window before the definition changed; the latest date of a period wins).
    """
    buckets: dict[date, float] = {}
    for day, value in sorted(readings, key=lambda r: r[0]):
        buckets[period_start(day, window)] = value
    keys = sorted(buckets)
    if window in (TimeWindow.WEEK, TimeWindow.MONTH, TimeWindow.QUARTER):
        periods = last_periods(today, window, count)
    else:
        periods = keys[-count:]
    values = tuple(buckets.get(p) for p in periods)
    if not keys:
        empty = delta(None, None)
        return Trend(None, None, empty, empty, tuple(periods), values, None)
    latest = keys[-1]
    current = buckets[latest]
    if window in (TimeWindow.WEEK, TimeWindow.MONTH, TimeWindow.QUARTER):
        previous = buckets.get(shift_period(latest, window, -1))
    else:
        previous = buckets[keys[-2]] if len(keys) > 1 else None
    before = [k for k in keys if k < cycle_start]
    within = [k for k in keys if k >= cycle_start]
    baseline_key = before[-1] if before else (within[0] if within else None)
    baseline = (
        buckets[baseline_key] if baseline_key is not None and baseline_key != latest else None
    )
    return Trend(
        current=current,
        current_period=latest,
        last_period=delta(current, previous),
        over_cycle=delta(current, baseline),
        periods=tuple(periods),
        values=values,
        first=buckets[keys[0]],
    )
