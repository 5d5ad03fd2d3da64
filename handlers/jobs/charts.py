"""The North Star trend chart, for the weekly digest and `/okr northstar chart` alike: one
renderer taking the read model and the translator, drawing off the event loop."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from bot.charts import ChartPool, TrendSeries, render_trend_chart
from bot.domain.northstar import TimeWindow
from bot.i18n import Translator
from bot.services.read_models import NorthStarSummary
from handlers.ui.format import amount, short_period_label


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


def chart_title(t: Translator, summary: NorthStarSummary) -> str:
    return t(
        "{name} — last {n} periods",
        name=summary.north_star.name,
        n=len(summary.metric.trend.values),
    )


def chart_arguments(t: Translator, summary: NorthStarSummary) -> dict[str, Any]:
    """The keyword arguments of `bot.charts.render_trend_chart` for a North Star board: the
    last 12 periods of the North Star with its target, and its inputs below (for a
    point-in-time metric the inputs' readings fall on other days, so they are left out)."""
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
        "target_label": (
            t("Target {target}", target=amount(t, north_star.target, north_star.unit))
            if north_star.target is not None
            else ""
        ),
    }
