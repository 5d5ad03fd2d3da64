"""The North Star trend chart, for the weekly digest and `/okr northstar chart` alike: one
renderer taking the read model and the translator, drawing off the event loop."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from bot.charts import ChartPool, TrendSeries, render_trend_chart
from bot.domain.display import Delta
from bot.domain.errors import N_
from bot.domain.northstar import Direction, TimeWindow
from bot.i18n import Translator
from bot.services.read_models import NorthStarSummary
from handlers.ui.format import short_period_label


async def render_north_star_chart(
    t: Translator, summary: NorthStarSummary, *, pool: ChartPool | None = None
) -> bytes:
    """The PNG of the board's trend chart in `t`'s language, drawn off the event loop: in
    `pool`'s worker processes when given (charts in bulk), else in a thread (one chart, which
    should not wait for a worker to start). Texts are translated here; the drawing knows none."""
    arguments = chart_arguments(t, summary)
    if pool is not None:
        return await pool.render(arguments)
    return await asyncio.to_thread(functools.partial(render_trend_chart, **arguments))


# The change over one period, by window: the title says it in so many words.
CHANGE_OVER = {
    TimeWindow.WEEK: N_("{name}: {value}, {change} in a week"),
    TimeWindow.MONTH: N_("{name}: {value}, {change} in a month"),
    TimeWindow.QUARTER: N_("{name}: {value}, {change} in a quarter"),
}
CHANGE_SINCE_READING = N_("{name}: {value}, {change} since the previous reading")


def chart_title(t: Translator, summary: NorthStarSummary) -> str:
    """`Weekly sessions: 1,480 sessions, +80 (+6%) in a week`: what a glance should take in.
    Plain text (a chart and a file title are no mrkdwn)."""
    north_star, trend = summary.north_star, summary.metric.trend
    name = north_star.name
    if trend.current is None:
        return name
    value = plain_amount(t, trend.current, north_star.unit)
    change = change_text(t, trend.last_period, north_star.unit)
    if change is None:
        return t("{name}: {value}", name=name, value=value)
    message = CHANGE_OVER.get(north_star.window or TimeWindow.POINT_IN_TIME, CHANGE_SINCE_READING)
    return t(message, name=name, value=value, change=change)


def plain_amount(t: Translator, value: float, unit: str) -> str:
    """`1,480 sessions`, `12.5%` / `12,5 %`: an amount as the reader writes it, unescaped."""
    return t.percent_value(value) if unit == "%" else f"{t.number(value)} {unit}".strip()


def change_text(t: Translator, change: Delta, unit: str) -> str | None:
    """`+80 (+6%)`, `−2 pt`: a change with its sign, None when there is nothing to compare."""
    if change.absolute is None:
        return None
    sign = "+" if change.absolute > 0 else "−" if change.absolute < 0 else "±"
    text = f"{sign}{t.number(abs(change.absolute))}" + (" pt" if unit == "%" else "")
    if change.relative is not None and change.absolute != 0:
        text += f" ({sign}{t.percent(abs(change.relative))})"
    return text


def target_label(t: Translator, summary: NorthStarSummary) -> str:
    """`Target 5,000 sessions: 3,520 to go`, or `Target 5,000 sessions reached`."""
    north_star, current = summary.north_star, summary.metric.trend.current
    if north_star.target is None:
        return ""
    target = plain_amount(t, north_star.target, north_star.unit)
    if current is None:
        return t("Target {target}", target=target)
    gap = north_star.target - current
    if north_star.direction is Direction.LOWER_IS_BETTER:
        gap = -gap
    if gap <= 0:
        return t("Target {target} reached", target=target)
    gap_text = plain_amount(t, gap, north_star.unit)
    return t("Target {target}: {gap} to go", target=target, gap=gap_text)


def chart_arguments(t: Translator, summary: NorthStarSummary) -> dict[str, Any]:
    """The keyword arguments of `bot.charts.render_trend_chart` for a North Star board: the
    last 12 periods of the North Star with its target, and its inputs below (for a
    point-in-time metric the inputs' readings fall on other days, so they are left out).
    Numbers on the axes are the reader's (`t.number`, picklable for a worker process)."""
    north_star = summary.north_star
    trend = summary.metric.trend
    window = north_star.window
    inputs = (
        [TrendSeries(m.name, list(m.trend.values)) for m in summary.inputs]
        if window in (TimeWindow.WEEK, TimeWindow.MONTH, TimeWindow.QUARTER)
        else []
    )
    return {
        "title": chart_title(t, summary),
        "period_labels": [short_period_label(t, p, window) for p in trend.periods],
        "main": TrendSeries(north_star.name, list(trend.values), target=north_star.target),
        "inputs": inputs,
        "target_label": target_label(t, summary),
        "empty_label": t("No readings yet"),
        "format_number": t.number,
    }
