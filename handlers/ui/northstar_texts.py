"""Texts the North Star surfaces share: its reading, change and target lines and an input
metric's trend line (the board and the weekly digest show them alike), the objectives that
drive a metric, and the usage of `/okr northstar`."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.display import progress_bar
from bot.i18n import Translator
from bot.services.read_models import MetricTrend, NorthStarSummary
from handlers.ui.format import (
    amount,
    clip,
    cycle_label,
    delta_text,
    escape,
    period_label,
    progress_percent,
)
from handlers.ui.okr import Labelled, objective_text


def objective_list_text(objectives: Sequence[Labelled]) -> str:
    """`*O-4* Delight new teams, *O-7* …`: the objectives' labels and (escaped) titles."""
    return ", ".join(objective_text(o) for o in objectives)


def no_reading_text(t: Translator) -> str:
    return t("No reading yet: record one with `/okr northstar record 1234`.")


def reading_text(t: Translator, summary: NorthStarSummary) -> str:
    """`*1,234 sessions* for week of Nov 23, 2026`: the latest reading and its period."""
    north_star, trend = summary.north_star, summary.metric.trend
    return t(
        "*{value}* for {period}",
        value=amount(t, trend.current, north_star.unit),
        period=period_label(t, trend.current_period, north_star.window),
    )


def change_lines(t: Translator, summary: NorthStarSummary) -> list[str]:
    """The change over the last period and over the cycle, then the sparkline of the periods."""
    north_star, trend = summary.north_star, summary.metric.trend
    direction, unit = north_star.direction, north_star.unit
    return [
        t("Last period: {change}", change=delta_text(t, trend.last_period, direction, unit))
        + "   "
        + t(
            "This cycle ({cycle}): {change}",
            cycle=cycle_label(t, summary.cycle_key),
            change=delta_text(t, trend.over_cycle, direction, unit),
        ),
        t("Last {n} periods: `{spark}`", n=len(trend.values), spark=trend.spark or " "),
    ]


def target_line(t: Translator, summary: NorthStarSummary) -> str | None:
    """The target, its date and the progress bar towards it; None without a target."""
    north_star = summary.north_star
    if north_star.target is None:
        return None
    target = amount(t, north_star.target, north_star.unit)
    by = t(" by {date}", date=t.date(north_star.target_date)) if north_star.target_date else ""
    if summary.progress is None:
        return t("Target {target}{by}", target=target, by=by)
    return t(
        "Target {target}{by}: `{bar}` {percent}",
        target=target,
        by=by,
        bar=progress_bar(summary.progress),
        percent=progress_percent(t, summary.progress),
    )


def metric_trend_text(t: Translator, metric: MetricTrend) -> str:
    """`*Activation*: 42% · 🟢 +3 pt · `▁▃▅``: an input metric's value, change and sparkline."""
    trend = metric.trend
    return t(
        "*{name}*: {value} · {change} · `{spark}`",
        name=escape(metric.name),
        value=amount(t, trend.current, metric.unit),
        change=delta_text(t, trend.last_period, metric.direction, metric.unit),
        spark=trend.spark or " ",
    )


def northstar_usage_text(
    t: Translator, unknown: str | None = None, suggestion: str | None = None
) -> str:
    """The North Star's commands; after an `unknown` word, what it was and the closest word."""
    lines = []
    if unknown:
        line = t("I don't know `/okr northstar {word}`.", word=escape(clip(unknown, 40)))
        if suggestion:
            line += " " + t("Did you mean `/okr northstar {suggestion}`?", suggestion=suggestion)
        lines.append(line)
    return "\n".join(
        [
            *lines,
            t("*North Star commands*"),
            "`/okr northstar` — " + t("the board: value, trend, inputs, objectives"),
            "`/okr northstar define` — " + t("define or revise it (guided modal)"),
            "`/okr northstar review` — " + t("the checklist on its definition"),
            '`/okr northstar record 1234 [2026-11-23]` · `/okr northstar record "input" 56` — '
            + t("record a reading"),
            '`/okr northstar link O-4 "input" | nsm | health` — '
            + t("say what an objective drives"),
            "`/okr northstar chart` — " + t("post the trend chart in the channel"),
            "`/okr northstar token [new | list | revoke polaris_Ab12 | revoke all]` — "
            + t("API tokens for analytics jobs"),
        ]
    )
