"""Measuring the North Star and wiring it up: the record modal and its parser, the answer to a
recorded reading, API tokens for analytics jobs, and what an objective now drives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from slack_sdk.models.views import View

from bot.domain.northstar import Drives
from bot.i18n import Translator
from bot.services.read_models import (
    ApiTokenView,
    Choice,
    LinkedObjective,
    NewApiToken,
    ReadingForm,
    RecordedReading,
)
from handlers.ids import NorthStarBlock, NorthStarCallback
from handlers.ui.blocks import modal
from handlers.ui.format import amount, escape, period_label
from handlers.ui.forms import (
    date_input,
    date_value,
    number_problem,
    select_input,
    state_value,
    text_input,
)
from handlers.ui.northstar_define import FIELD, NorthStarMeta
from handlers.ui.okr import objective_text

# --- Record ---------------------------------------------------------------------------------


def build_record_modal(
    t: Translator,
    form: ReadingForm,
    *,
    channel_id: str,
    metric_key: str | None = None,
    value_text: str | None = None,
    on: date | None = None,
) -> View:
    """A reading of the North Star or an input: metric, value (typed as the user writes
    numbers), date (default today)."""
    metrics = [Choice(m.key, m.name + (f" ({m.unit})" if m.unit else "")) for m in form.metrics]
    known = any(m.value == metric_key for m in metrics)
    meta = NorthStarMeta(channel_id=channel_id, team_id=form.team.id)
    return modal(
        t,
        NorthStarCallback.RECORD,
        t("Record a reading"),
        [
            select_input(
                NorthStarBlock.METRIC,
                t("Metric"),
                metrics,
                initial=metric_key if known else metrics[0].value,
                placeholder=t("Metric"),
                action_id=FIELD,
            ),
            text_input(
                NorthStarBlock.VALUE,
                t("Value"),
                initial=value_text,
                max_length=40,
                hint=t("Write it as you usually do, e.g. {example}.", example=t.number(1234.5)),
                action_id=FIELD,
            ),
            date_input(
                NorthStarBlock.DATE,
                t("Date"),
                initial=on or form.today,
                hint=t("A second reading in the same period replaces the first."),
                action_id=FIELD,
            ),
        ],
        submit=t("Record"),
        meta=meta,
    )


def parse_record_submission(
    t: Translator, view: dict[str, Any]
) -> tuple[NorthStarMeta, str | None, float | None, date | None, dict[str, str]]:
    """metadata, metric key, value, date and field errors (block id → message)."""
    meta = NorthStarMeta.parse(view.get("private_metadata", ""))
    errors: dict[str, str] = {}
    raw = state_value(view, NorthStarBlock.VALUE) or ""
    value, problem = number_problem(t, raw)
    if problem:
        errors[NorthStarBlock.VALUE.value] = problem
    return (
        meta,
        state_value(view, NorthStarBlock.METRIC),
        value,
        date_value(view, NorthStarBlock.DATE),
        errors,
    )


def record_field_block(field_name: str) -> str:
    """The record modal's block id of a service's InvalidFields field (the value by default)."""
    known = {"metric": NorthStarBlock.METRIC, "date": NorthStarBlock.DATE}
    return known.get(field_name, NorthStarBlock.VALUE).value


def recorded_text(t: Translator, recorded: RecordedReading) -> str:
    text = t(
        "Recorded {value} for *{metric}* ({period}).",
        value=amount(t, recorded.value, recorded.unit),
        metric=escape(recorded.metric_name),
        period=period_label(t, recorded.period_start, recorded.window),
    )
    if recorded.replaced is not None:
        text += " " + t(
            "It replaces {value}, kept in the history.",
            value=amount(t, recorded.replaced, recorded.unit),
        )
    return text


# --- Tokens and links -----------------------------------------------------------------------


def new_token_text(t: Translator, created: NewApiToken) -> str:
    return "\n".join(
        [
            t(
                "New API token for *{team}*. Copy it now: it will not be shown again.",
                team=escape(created.team.name),
            ),
            f"```{created.token}```",
            t(
                "Send readings with `POST /api/v1/metrics/readings` and the header "
                "`Authorization: Bearer <token>`. "
                "Revoke it with `/okr northstar token revoke {prefix}`.",
                prefix=created.prefix,
            ),
        ]
    )


def tokens_text(t: Translator, tokens: Sequence[ApiTokenView]) -> str:
    if not tokens:
        return t("No API token yet: `/okr northstar token new` creates one.")
    lines = []
    for token in tokens:
        state = (
            t("revoked on {date}", date=t.date(token.revoked_at))
            if token.revoked_at
            else t("last used {date}", date=t.date(token.last_used_at))
            if token.last_used_at
            else t("never used")
        )
        lines.append(
            t(
                "`{prefix}…` by <@{user}> on {date}: {state}",
                prefix=token.prefix,
                user=token.created_by,
                date=t.date(token.created_at),
                state=state,
            )
        )
    return "\n".join(lines)


def revoked_text(t: Translator, prefixes: Sequence[str]) -> str:
    return t(
        "Revoked: {tokens}. Requests with them now get 401.",
        tokens=", ".join(f"`{p}…`" for p in prefixes),
    )


def linked_text(t: Translator, linked: LinkedObjective) -> str:
    label = objective_text(linked.objective)
    if linked.drives is Drives.HEALTH:
        return t(
            "{objective} is now a health objective (not aimed at the North Star).", objective=label
        )
    if linked.drives is Drives.NORTH_STAR:
        return t(
            "{objective} now drives the North Star *{metric}*.",
            objective=label,
            metric=escape(linked.metric_name or ""),
        )
    return t(
        "{objective} now drives the input metric *{metric}*.",
        objective=label,
        metric=escape(linked.metric_name or ""),
    )
