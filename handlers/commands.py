"""`/okr <subcommand> …`: one entry point, routed by the table below."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncApp

from bot.domain.names import closest
from bot.i18n import Translator
from bot.logs import facts
from bot.services.teams import claim_team_prompt
from handlers.args import command_text, split_first
from handlers.check_ins import handle_update_command
from handlers.context import Answer, Request, reply
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

log = logging.getLogger(__name__)

SubcommandHandler = Callable[[Request], Awaitable[Answer | None]]


async def handle_help_command(req: Request) -> Answer:
    return help_answer(req.t, today=req.now.astimezone(ZoneInfo(req.timezone)).date())


def help_answer(t: Translator, word: str | None = None, *, today: date | None = None) -> Answer:
    """The help, with the closest subcommand to an unknown `word` if there is one; examples
    are dated from `today`."""
    return reply(
        help_fallback_text(t),
        build_help_message(
            t,
            available=SUBCOMMANDS.keys(),
            unknown=word,
            suggestion=suggest(word) if word else None,
            today=today,
        ),
    )


# The routes. Each handler takes the Request, whose `args` is the text after the subcommand.
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


def resolve_subcommand(word: str) -> Subcommand | None:
    if word in SUBCOMMAND_ALIASES:
        return SUBCOMMAND_ALIASES[word]
    try:
        return Subcommand(word)
    except ValueError:
        return None


def suggest(word: str) -> Subcommand | None:
    close = closest(word, [s.value for s in Subcommand] + list(SUBCOMMAND_ALIASES))
    return resolve_subcommand(close) if close else None


async def handle_okr_command(req: Request) -> Answer:
    """`/okr <subcommand> …`, routed; empty text is the help, an unknown word gets it too."""
    word, args = split_first(command_text(req.command))
    subcommand = resolve_subcommand(word or Subcommand.HELP.value)
    handler = SUBCOMMANDS.get(subcommand) if subcommand else None
    # The subcommand, never the rest of the text: that is what people typed.
    what = f"{Command.OKR.value} {subcommand.value if subcommand else '?'}"
    log.info(
        "%s by %s in %s", what, req.user_id, req.workspace_id,
        extra=facts("command", who=req.user_id, what=what, workspace=req.workspace_id),
    )  # fmt: skip
    if handler is None:
        today = req.now.astimezone(ZoneInfo(req.timezone)).date()
        return help_answer(req.t, None if subcommand else word, today=today)
    answer = await handler(req.with_args(args)) or Answer()
    return answer if subcommand in NO_TEAM_PROMPT else answer.then(offer_team, req=req)


async def offer_team(*, req: Request) -> None:
    """The first time /okr is used in a channel without a team, offer to create one."""
    channel_id = req.channel_id
    if req.command.get("channel_name") == "directmessage" or channel_id.startswith("D"):
        return
    if await claim_team_prompt(
        db=req.db, workspace_id=req.workspace_id, channel_id=channel_id, now=req.now
    ):
        await req.respond(
            response_type="ephemeral",
            replace_original=False,
            text=req.t("Create a team here"),
            blocks=build_team_prompt(req.t, channel_id),
        )


def register(app: AsyncApp) -> None:
    app.command(Command.OKR.value)(guarded(handle_okr_command))
