"""`/okr list [mine | @user | #channel | team]`: the current cycle's objectives, paged."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.domain.errors import N_, UserError
from bot.services.lists import ListScope, list_objectives
from handlers.context import profile_of, services_of, translator_of
from handlers.errors import guarded
from handlers.ids import ListAction
from handlers.ui.format import clip, escape
from handlers.ui.lists import (
    build_objective_list,
    list_scope_label,
    objective_list_text,
    parse_list_page,
)

PAGE_SIZE = 10  # 10 objectives stay far below Slack's 50 blocks and read on one screen
MINE = frozenset({"", "mine", "me", "my", "moi", "mes", "les miens"})
# With should_escape, Slack sends a picked person as <@U123|name> and a channel as <#C123|name>.
USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
CHANNEL_MENTION = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")


def parse_list_scope(args: str, user_id: str) -> ListScope:
    """The text after `/okr list` as a scope: mine (empty or `mine`), a person, the team of a
    channel, or a team by name. Raises UserError for a person or channel Slack did not link."""
    text = " ".join(args.split())
    if text.lower() in MINE:
        return ListScope(user_id=user_id)
    if match := USER_MENTION.fullmatch(text):
        return ListScope(user_id=match.group(1))
    if match := CHANNEL_MENTION.fullmatch(text):
        return ListScope(channel_id=match.group(1))
    if text.startswith(("<", "@")):
        raise UserError(
            N_(
                "I can't tell who “{text}” is. Pick the person from the list Slack shows "
                "when you type @, e.g. `/okr list @ada`."
            ),
            text=escape(clip(text, 80)),
        )
    if text.startswith("#"):
        raise UserError(
            N_(
                "I can't find the channel “{text}”. Pick it from the list Slack shows when "
                "you type #, e.g. `/okr list #growth`."
            ),
            text=escape(clip(text, 80)),
        )
    # Slack escapes &, < and > in command text; team names are stored as typed.
    name = text.strip('"“”«» ').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return ListScope(team_name=name)


async def respond_with_list(
    *,
    context: AsyncBoltContext,
    respond: AsyncRespond,
    scope: ListScope,
    page: int,
    replace_original: bool,
) -> None:
    services, t, profile = services_of(context), translator_of(context), profile_of(context)
    now = services.clock()
    objectives = await list_objectives(
        db=services.db,
        workspace_id=context.team_id or "",
        scope=scope,
        timezone=(profile.timezone if profile else None) or "UTC",
        now=now,
        page=page,
        page_size=PAGE_SIZE,
    )
    label = list_scope_label(t, scope, context.user_id or "")
    await respond(
        text=objective_list_text(t, objectives, label),
        blocks=build_objective_list(t, objectives, label, now, scope=scope),
        response_type="ephemeral",
        replace_original=replace_original,
    )


async def handle_list_command(
    *, ack: AsyncAck, args: str, context: AsyncBoltContext, respond: AsyncRespond, **_: Any
) -> None:
    await ack()
    scope = parse_list_scope(args, context.user_id or "")
    await respond_with_list(
        context=context, respond=respond, scope=scope, page=1, replace_original=False
    )


async def handle_list_page_action(
    ack: AsyncAck, action: dict[str, Any], context: AsyncBoltContext, respond: AsyncRespond
) -> None:
    await ack()
    wanted = parse_list_page(str(action.get("value", "")))
    await respond_with_list(
        context=context,
        respond=respond,
        scope=wanted.scope,
        page=wanted.page,
        replace_original=True,
    )


def register(app: AsyncApp) -> None:
    for action_id in ListAction:
        app.action(action_id.value)(guarded(handle_list_page_action))
