"""`/okr northstar [define | record | review | token | link | chart]` and the North Star's
modals and buttons."""

from __future__ import annotations

import re
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.archetypes import Archetype
from bot.domain.errors import N_, InvalidFields, UserError, field_error
from bot.domain.northstar import Drives, parse_drives, same_metric_name
from bot.domain.refs import parse_objective_ref
from bot.services.alignment import link_objective
from bot.services.commands import DefineNorthStar, RecordReading
from bot.services.northstar import (
    define_north_star,
    open_north_star_form,
    review_north_star,
    show_north_star,
)
from bot.services.readings import reading_form, record_reading
from bot.services.tokens import create_api_token, list_api_tokens, revoke_api_token
from handlers.context import actor_of, services_of, translator_of
from handlers.errors import guarded
from handlers.ids import NorthStarAction, NorthStarCallback, NorthStarWord
from handlers.surfaces import post_north_star_chart
from handlers.ui.northstar_board import build_north_star_summary_blocks, summary_fallback_text
from handlers.ui.northstar_define import (
    NorthStarMeta,
    build_define_modal,
    build_template_modal,
    define_field_block,
    draft_from_template,
    parse_define_submission,
    parse_template_submission,
)
from handlers.ui.northstar_record import (
    build_record_modal,
    linked_text,
    new_token_text,
    parse_record_submission,
    record_field_block,
    recorded_text,
    revoked_text,
    tokens_text,
)
from handlers.ui.northstar_review import build_review_message, build_saved_modal
from handlers.ui.northstar_texts import northstar_usage_text

Handler = Callable[..., Awaitable[None]]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_LIKE = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}$")
_NUMBER_START = re.compile(r"^[+\-−]?[\d.,]")
_NUMERIC = re.compile(r"^[+\-−]?[\d.,\u202f\xa0]+$")
# "1 234,5" arrives as two words: later words of a number are thousands groups.
_THOUSANDS_GROUP = re.compile(r"^\d{3}([.,]\d+)?$")
_QUOTES = str.maketrans({"“": '"', "”": '"', "«": '"', "»": '"', "„": '"'})


def split_words(text: str) -> list[str]:
    """Words of a command, "quoted names" kept whole (Slack may send curly quotes)."""
    cleaned = text.translate(_QUOTES).replace("\xa0", " ")
    try:
        return shlex.split(cleaned)
    except ValueError:  # an unbalanced quote: take the words as they come
        return cleaned.replace('"', " ").split()


@dataclass(frozen=True)
class RecordArgs:
    """`record [metric name] [value] [YYYY-MM-DD]`; a missing value opens the modal."""

    metric: str | None
    value: str | None
    on: date | None


def parse_record_args(args: str) -> RecordArgs:
    """Raises InvalidFields for a date that is not YYYY-MM-DD."""
    words = split_words(args)
    on = None
    if words and (_ISO_DATE.match(words[-1]) or _DATE_LIKE.match(words[-1])):
        try:
            on = date.fromisoformat(words[-1])
        except ValueError:
            raise field_error(
                "date", N_("date: “{text}” is not a date like 2026-11-23."), text=words[-1]
            ) from None
        words = words[:-1]
    start = len(words)
    if words and _NUMERIC.match(words[-1]):
        start -= 1
        while (
            start > 0 and _NUMERIC.match(words[start - 1]) and _THOUSANDS_GROUP.match(words[start])
        ):
            start -= 1
    elif words and _NUMBER_START.match(words[-1]):
        start -= 1  # "12abc": a value that is not a number, said so when parsed
    value = " ".join(words[start:]) or None
    return RecordArgs(metric=" ".join(words[:start]) or None, value=value, on=on)


# --- Subcommands ----------------------------------------------------------------------------


async def handle_northstar_show(
    *,
    ack: AsyncAck,
    command: dict[str, Any],
    context: AsyncBoltContext,
    respond: AsyncRespond,
    **_: Any,
) -> None:
    await ack()
    services, t = services_of(context), translator_of(context)
    summary = await show_north_star(
        db=services.db,
        workspace_id=context.team_id or "",
        channel_id=command.get("channel_id", ""),
        now=services.clock(),
    )
    await respond(
        response_type="ephemeral",
        text=summary_fallback_text(t, summary),
        blocks=build_north_star_summary_blocks(t, summary),
    )


async def handle_northstar_define(
    *,
    ack: AsyncAck,
    args: str,
    command: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    **_: Any,
) -> None:
    await ack()
    services, t = services_of(context), translator_of(context)
    channel_id = command.get("channel_id", "")
    form = await open_north_star_form(
        db=services.db, workspace_id=context.team_id or "", channel_id=channel_id
    )
    if form.north_star is not None and args.strip().lower() not in {"template", "modèle"}:
        view = build_define_modal(
            t, form.north_star.draft(), channel_id=channel_id, team_id=form.team.id
        )
    else:
        view = build_template_modal(t, form, channel_id=channel_id, archetype=form.archetype)
    await client.views_open(trigger_id=command["trigger_id"], view=view)


async def handle_northstar_review(
    *,
    ack: AsyncAck,
    command: dict[str, Any],
    context: AsyncBoltContext,
    respond: AsyncRespond,
    **_: Any,
) -> None:
    await ack()
    services, t = services_of(context), translator_of(context)
    reviewed = await review_north_star(
        db=services.db,
        workspace_id=context.team_id or "",
        channel_id=command.get("channel_id", ""),
        now=services.clock(),
    )
    await respond(
        response_type="ephemeral",
        text=t("Checklist: {name}", name=reviewed.north_star.name),
        blocks=build_review_message(t, reviewed),
    )


async def handle_northstar_record(
    *,
    ack: AsyncAck,
    args: str,
    command: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    respond: AsyncRespond,
    **_: Any,
) -> None:
    await ack()
    services, t = services_of(context), translator_of(context)
    channel_id, parsed = command.get("channel_id", ""), parse_record_args(args)
    if parsed.value is None:
        await open_record_modal(
            context=context,
            client=client,
            trigger_id=command["trigger_id"],
            channel_id=channel_id,
            metric=parsed.metric,
            on=parsed.on,
        )
        return
    try:
        value = t.parse_number(parsed.value)
    except ValueError:
        raise field_error(
            "value", N_("value: “{text}” is not a number."), text=parsed.value
        ) from None
    recorded = await record_reading(
        db=services.db,
        cmd=RecordReading(
            workspace_id=context.team_id or "",
            channel_id=channel_id,
            metric=parsed.metric,
            value=value,
            on=parsed.on,
            actor=context.user_id or "",
        ),
        now=services.clock(),
    )
    await respond(response_type="ephemeral", text=recorded_text(t, recorded))


async def open_record_modal(
    *,
    context: AsyncBoltContext,
    client: AsyncWebClient,
    trigger_id: str,
    channel_id: str,
    metric: str | None = None,
    on: date | None = None,
) -> None:
    services, t = services_of(context), translator_of(context)
    form = await reading_form(
        db=services.db,
        workspace_id=context.team_id or "",
        channel_id=channel_id,
        now=services.clock(),
    )
    key = next((m.key for m in form.metrics if metric and same_metric_name(m.name, metric)), None)
    view = build_record_modal(t, form, channel_id=channel_id, metric_key=key, on=on)
    await client.views_open(trigger_id=trigger_id, view=view)


async def handle_northstar_token(
    *,
    ack: AsyncAck,
    args: str,
    command: dict[str, Any],
    context: AsyncBoltContext,
    respond: AsyncRespond,
    **_: Any,
) -> None:
    await ack()
    services, t = services_of(context), translator_of(context)
    where = {
        "db": services.db,
        "workspace_id": context.team_id or "",
        "channel_id": command.get("channel_id", ""),
        "actor": actor_of(context),
    }
    words = split_words(args)
    action = words[0].lower() if words else "new"
    if action in {"list", "liste"}:
        text = tokens_text(t, await list_api_tokens(**where))
    elif action in {"revoke", "révoquer", "revoquer"}:
        if len(words) < 2:
            raise UserError(N_("Say which token: `/okr northstar token revoke <prefix>` or `all`."))
        text = revoked_text(
            t, await revoke_api_token(**where, prefix=words[1], now=services.clock())
        )
    else:
        text = new_token_text(t, await create_api_token(**where, now=services.clock()))
    await respond(response_type="ephemeral", text=text)


async def handle_northstar_link(
    *, ack: AsyncAck, args: str, context: AsyncBoltContext, respond: AsyncRespond, **_: Any
) -> None:
    await ack()
    services, t = services_of(context), translator_of(context)
    words = split_words(args)
    ref = parse_objective_ref(words[0]) if words else None
    if ref is None or len(words) < 2:
        raise UserError(
            N_(
                'Say what the objective drives: `/okr northstar link O-4 "input name"`, '
                "`… nsm` or `… health`."
            )
        )
    target = " ".join(words[1:])
    drives = parse_drives(target) or Drives.INPUT_METRIC
    linked = await link_objective(
        db=services.db,
        workspace_id=context.team_id or "",
        objective_ref=ref,
        drives=drives,
        input_metric_name=target if drives is Drives.INPUT_METRIC else None,
        actor=actor_of(context),
        now=services.clock(),
    )
    await respond(response_type="ephemeral", text=linked_text(t, linked))


async def handle_northstar_chart(
    *,
    ack: AsyncAck,
    command: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    **_: Any,
) -> None:
    await ack()
    await post_north_star_chart(
        client=client,
        services=services_of(context),
        t=translator_of(context),
        workspace_id=context.team_id or "",
        channel_id=command.get("channel_id", ""),
    )


NORTHSTAR_WORDS: dict[str, Handler] = {
    NorthStarWord.SHOW: handle_northstar_show,
    NorthStarWord.DEFINE: handle_northstar_define,
    NorthStarWord.RECORD: handle_northstar_record,
    NorthStarWord.REVIEW: handle_northstar_review,
    NorthStarWord.TOKEN: handle_northstar_token,
    NorthStarWord.LINK: handle_northstar_link,
    NorthStarWord.CHART: handle_northstar_chart,
    # French and short forms people type
    "définir": handle_northstar_define,
    "definir": handle_northstar_define,
    "edit": handle_northstar_define,
    "mesure": handle_northstar_record,
    "revue": handle_northstar_review,
    "lier": handle_northstar_link,
    "graphique": handle_northstar_chart,
}


async def handle_northstar_command(
    *, ack: AsyncAck, args: str, context: AsyncBoltContext, **kwargs: Any
) -> None:
    """`/okr northstar …` routed by its first word; an unknown word gets the usage."""
    word, _, rest = args.strip().partition(" ")
    handler = NORTHSTAR_WORDS.get(word.lower())
    if handler is None:
        await ack(response_type="ephemeral", text=northstar_usage_text(translator_of(context)))
        return
    await handler(ack=ack, args=rest.strip(), context=context, **kwargs)


# --- Modals and buttons ---------------------------------------------------------------------


async def handle_archetype_changed(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
) -> None:
    await ack()
    services, t = services_of(context), translator_of(context)
    view = body["view"]
    meta = NorthStarMeta.parse(view.get("private_metadata", ""))
    form = await open_north_star_form(
        db=services.db, workspace_id=context.team_id or "", channel_id=meta.channel_id
    )
    archetype = Archetype(action["selected_option"]["value"])
    await client.views_update(
        view_id=view["id"],
        hash=view.get("hash"),
        view=build_template_modal(t, form, channel_id=meta.channel_id, archetype=archetype),
    )


async def handle_template_submission(
    ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext
) -> None:
    t = translator_of(context)
    meta, key = parse_template_submission(view)
    archetype = Archetype(meta.archetype) if meta.archetype in set(Archetype) else None
    draft = draft_from_template(t, key, archetype=archetype, owner_user_id=context.user_id)
    await ack(
        response_action="update",
        view=build_define_modal(t, draft, channel_id=meta.channel_id, team_id=meta.team_id or 0),
    )


async def handle_define_submission(
    ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext
) -> None:
    services, t = services_of(context), translator_of(context)
    meta, draft, errors = parse_define_submission(t, view)
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    try:
        saved = await define_north_star(
            db=services.db,
            cmd=DefineNorthStar(context.team_id or "", meta.team_id or 0, draft, actor_of(context)),
            now=services.clock(),
        )
    except UserError as problem:  # shown on its field, in the modal, before it closes
        block = define_field_block(problem.field if isinstance(problem, InvalidFields) else "name")
        await ack(response_action="errors", errors={block: t(problem.message, **problem.values)})
        return
    await ack(response_action="update", view=build_saved_modal(t, saved))


async def handle_record_submission(
    ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    services, t = services_of(context), translator_of(context)
    meta, metric, value, on, errors = parse_record_submission(t, view)
    if errors or value is None:
        await ack(response_action="errors", errors=errors)
        return
    try:
        recorded = await record_reading(
            db=services.db,
            cmd=RecordReading(
                workspace_id=context.team_id or "",
                channel_id=meta.channel_id,
                metric=metric,
                value=value,
                on=on,
                actor=context.user_id or "",
            ),
            now=services.clock(),
        )
    except UserError as problem:
        block = record_field_block(problem.field if isinstance(problem, InvalidFields) else "value")
        await ack(response_action="errors", errors={block: t(problem.message, **problem.values)})
        return
    await ack()
    await client.chat_postEphemeral(
        channel=meta.channel_id, user=context.user_id or "", text=recorded_text(t, recorded)
    )


async def handle_record_button(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
) -> None:
    await ack()
    await open_record_modal(
        context=context,
        client=client,
        trigger_id=body["trigger_id"],
        channel_id=str(action.get("value", "")),
    )


async def handle_chart_button(
    ack: AsyncAck, action: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    await ack()
    await post_north_star_chart(
        client=client,
        services=services_of(context),
        t=translator_of(context),
        workspace_id=context.team_id or "",
        channel_id=str(action.get("value", "")),
    )


def register(app: AsyncApp) -> None:
    app.view(NorthStarCallback.TEMPLATE.value)(guarded(handle_template_submission))
    app.view(NorthStarCallback.DEFINE.value)(guarded(handle_define_submission))
    app.view(NorthStarCallback.RECORD.value)(guarded(handle_record_submission))
    app.action(NorthStarAction.ARCHETYPE.value)(guarded(handle_archetype_changed))
    app.action(NorthStarAction.RECORD.value)(guarded(handle_record_button))
    app.action(NorthStarAction.CHART.value)(guarded(handle_chart_button))
