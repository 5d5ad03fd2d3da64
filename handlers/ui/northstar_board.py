"""The North Star's board, shown by `/okr northstar` and atop the Home tab, and its trend chart."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, DividerBlock

from bot.domain.northstar import WINDOW_LABELS
from bot.i18n import Translator
from bot.services.read_models import MetricTrend, NorthStarSummary
from handlers.ids import NorthStarAction
from handlers.ui.blocks import button, context, header, section
from handlers.ui.format import (
    CONTEXT_TEXT_MAX,
    HEADER_TEXT_MAX,
    amount,
    clip,
    escape,
)
from handlers.ui.northstar_texts import (
    change_lines,
    metric_trend_text,
    no_reading_text,
    objective_list_text,
    reading_text,
    target_line,
)


def _metric_line(t: Translator, metric: MetricTrend) -> str:
    """An input metric's trend, owner, and the objectives that drive it (or that none does)."""
    line = metric_trend_text(t, metric)
    if metric.owner_user_id:
        line += " · <@" + metric.owner_user_id + ">"
    if metric.objectives:
        line += "\n" + t(
            "Driven by {objectives}", objectives=objective_list_text(metric.objectives)
        )
    else:
        line += "\n_" + t("No objective drives it yet.") + "_"
    return clip(line)


def _headline(t: Translator, summary: NorthStarSummary) -> list[Block]:
    """Name, value, changes, sparkline and target; the definition, window and owner; the
    objectives aimed at the North Star itself."""
    north_star = summary.north_star
    current = summary.metric.trend.current
    lines = [
        reading_text(t, summary) if current is not None else no_reading_text(t),
        *change_lines(t, summary),
    ]
    if (target := target_line(t, summary)) is not None:
        lines.append(target)
    details = [escape(north_star.definition)] if north_star.definition else []
    if north_star.window:
        details.append(t(WINDOW_LABELS[north_star.window]))
    if north_star.owner_user_id:
        details.append(t("owner <@{user}>", user=north_star.owner_user_id))
    blocks: list[Block] = [
        header(clip("⭐ " + north_star.name, HEADER_TEXT_MAX)),
        section(clip("\n".join(lines))),
    ]
    if details:
        blocks.append(context(clip(" · ".join(details), CONTEXT_TEXT_MAX)))
    if summary.metric.objectives:
        aimed = t(
            "Objectives aimed at the North Star itself: {objectives}",
            objectives=objective_list_text(summary.metric.objectives),
        )
        blocks.append(section(clip(aimed)))
    return blocks


def _inputs(t: Translator, summary: NorthStarSummary) -> list[Block]:
    blocks: list[Block] = [DividerBlock(), section("*" + t("Input metrics") + "*")]
    if not summary.inputs:
        blocks.append(section(t("No input metric yet: add 3 to 6 with `/okr northstar define`.")))
    blocks += [section(_metric_line(t, metric)) for metric in summary.inputs]
    return blocks


def _notes(t: Translator, summary: NorthStarSummary) -> list[str]:
    """Health objectives, objectives linked to nothing, and the checklist's warnings."""
    notes: list[str] = []
    if summary.health:
        notes.append(
            t("Health objectives: {objectives}", objectives=objective_list_text(summary.health))
        )
    if summary.unlinked:
        notes.append(
            "⚠️ "
            + t(
                "Linked to nothing: {objectives}. Use `/okr northstar link`.",
                objectives=objective_list_text(summary.unlinked),
            )
        )
    if summary.warnings:
        notes.append(
            t.plural(
                "The checklist warns about {n} point: `/okr northstar review`.",
                "The checklist warns about {n} points: `/okr northstar review`.",
                summary.warnings,
            )
        )
    return notes


def _actions(t: Translator, summary: NorthStarSummary) -> ActionsBlock:
    channel_id = summary.team.channel_id
    return ActionsBlock(
        elements=[
            button(NorthStarAction.RECORD, t("Record a reading"), channel_id, primary=True),
            button(NorthStarAction.CHART, t("Post the trend chart"), channel_id),
        ]
    )


def build_north_star_summary_blocks(t: Translator, summary: NorthStarSummary) -> list[Block]:
    """The North Star board: value, change over the last period and the cycle, sparkline of
    the last 12 periods, progress to target; each input with its trend and the objectives that
    drive it. At most 25 blocks, so it fits a message (50) or the Home tab (100)."""
    blocks = [*_headline(t, summary), *_inputs(t, summary)]
    if notes := _notes(t, summary):
        blocks.append(context(clip("\n".join(notes), CONTEXT_TEXT_MAX)))
    blocks.append(_actions(t, summary))
    return blocks


def summary_fallback_text(t: Translator, summary: NorthStarSummary) -> str:
    trend = summary.metric.trend
    return t(
        "North Star {name}: {value}",
        name=escape(summary.north_star.name),
        value=amount(t, trend.current, summary.north_star.unit),
    )
