"""`/okr list [mine | @person | #channel | team | "Team name"]`: this cycle's objectives, paged."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.services.commands import ListScope
from bot.services.lists import list_objectives
from handlers.args import parse_list_scope
from handlers.context import Answer, Request, after
from handlers.errors import guarded
from handlers.ids import ListAction
from handlers.ui.lists import (
    build_objective_list,
    list_scope_label,
    objective_list_text,
    parse_list_page,
)

PAGE_SIZE = 10  # 10 objectives stay far below Slack's 50 blocks and read on one screen


async def respond_with_list(
    *, req: Request, scope: ListScope, page: int, replace_original: bool = False
) -> None:
    """One page of the objectives in `scope`, privately (in place of the last page if asked)."""
    now = req.now
    objectives = await list_objectives(
        db=req.db,
        workspace_id=req.workspace_id,
        scope=scope,
        timezone=req.timezone,
        now=now,
        page=page,
        page_size=PAGE_SIZE,
    )
    label = list_scope_label(req.t, scope, req.user_id)
    await req.respond(
        text=objective_list_text(req.t, objectives, label),
        blocks=build_objective_list(req.t, objectives, label, now, scope=scope),
        response_type="ephemeral",
        replace_original=replace_original,
    )


async def handle_list_command(req: Request) -> Answer:
    scope = parse_list_scope(req.args, req.user_id, req.channel_id)
    return after(respond_with_list, req=req, scope=scope, page=1)


async def handle_list_page_action(req: Request) -> Answer:
    wanted = parse_list_page(str(req.action.get("value", "")))
    return after(
        respond_with_list, req=req, scope=wanted.scope, page=wanted.page, replace_original=True
    )


def register(app: AsyncApp) -> None:
    for action_id in ListAction:
        app.action(action_id.value)(guarded(handle_list_page_action))
