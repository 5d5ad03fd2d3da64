"""`/okr <subcommand> …`: one entry point, routed by the table below."""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.services.teams import claim_team_prompt
from handlers.check_ins import handle_update_command
from handlers.context import services_of, translator_of
from handlers.digest import handle_digest_command
from handlers.errors import guarded
from handlers.ids import SUBCOMMAND_ALIASES, Command, Subcommand
from handlers.lists import handle_list_command
from handlers.northstar import handle_northstar_command
from handlers.nudges import handle_checkin_command, handle_pause_command, handle_resume_command
from handlers.objectives import handle_new_command
from handlers.teams import handle_team_command
from handlers.ui.help import build_help_message, help_fallback_text
from handlers.ui.team_modal import build_team_prompt

SubcommandHandler = Callable[..., Awaitable[None]]


async def handle_help_command(*, ack: AsyncAck, context: AsyncBoltContext, **_: Any) -> None:
    t = translator_of(context)
    await ack(
        response_type="ephemeral",
        text=help_fallback_text(t),
        blocks=build_help_message(t, available=SUBCOMMANDS.keys()),
    )


# The routes. Each handler takes keyword arguments: ack, args (the text after the
# subcommand), command (Slack's payload), context, client, respond.
SUBCOMMANDS: dict[Subcommand, SubcommandHandler] = {
    Subcommand.HELP: handle_help_command,
    Subcommand.TEAM: handle_team_command,
    Subcommand.NEW: handle_new_command,
    Subcommand.UPDATE: handle_update_command,
    Subcommand.LIST: handle_list_command,
    Subcommand.NORTHSTAR: handle_northstar_command,
    Subcommand.CHECKIN: handle_checkin_command,
    Subcommand.PAUSE: handle_pause_command,
    Subcommand.RESUME: handle_resume_command,
    Subcommand.DIGEST: handle_digest_command,
}
# Subcommands that do not offer to create a team in a channel without one (they are about
# creating it, or handle the missing team themselves).
NO_TEAM_PROMPT = {Subcommand.TEAM, Subcommand.NEW}


def split_subcommand(text: str) -> tuple[str, str]:
    """`"update KR-1 4"` → `("update", "KR-1 4")`; empty text means help."""
    word, _, rest = text.strip().partition(" ")
    return (word.lower() or Subcommand.HELP.value), rest.strip()


def resolve_subcommand(word: str) -> Subcommand | None:
    if word in SUBCOMMAND_ALIASES:
        return SUBCOMMAND_ALIASES[word]
    try:
        return Subcommand(word)
    except ValueError:
        return None


def suggest_subcommand(word: str) -> str | None:
    known = [s.value for s in Subcommand] + list(SUBCOMMAND_ALIASES)
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return resolve_subcommand(close[0]) if close else None


async def handle_okr_command(
    ack: AsyncAck,
    command: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    respond: AsyncRespond,
) -> None:
    word, args = split_subcommand(command.get("text", ""))
    subcommand = resolve_subcommand(word)
    handler = SUBCOMMANDS.get(subcommand) if subcommand else None
    if handler is None:
        t = translator_of(context)
        await ack(
            response_type="ephemeral",
            text=help_fallback_text(t),
            blocks=build_help_message(
                t,
                available=SUBCOMMANDS.keys(),
                unknown=None if subcommand else word,
                suggestion=None if subcommand else suggest_subcommand(word),
            ),
        )
        return
    await handler(
        ack=ack, args=args, command=command, context=context, client=client, respond=respond
    )
    if subcommand not in NO_TEAM_PROMPT:
        await offer_team(command=command, context=context, respond=respond)


async def offer_team(
    *, command: dict[str, Any], context: AsyncBoltContext, respond: AsyncRespond
) -> None:
    """The first time /okr is used in a channel without a team, offer to create one."""
    channel_id = command.get("channel_id", "")
    if command.get("channel_name") == "directmessage" or channel_id.startswith("D"):
        return
    services = services_of(context)
    if await claim_team_prompt(
        db=services.db,
        workspace_id=context.team_id or "",
        channel_id=channel_id,
        now=services.clock(),
    ):
        t = translator_of(context)
        await respond(
            response_type="ephemeral",
            replace_original=False,
            text=t("Create a team here"),
            blocks=build_team_prompt(t, channel_id),
        )


def register(app: AsyncApp) -> None:
    app.command(Command.OKR.value)(guarded(handle_okr_command))
