"""`/okr team`: create or edit the team living in a channel."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.errors import UserError
from bot.i18n import translator
from bot.services.read_models import TeamView
from bot.services.teams import save_team, team_for_channel
from handlers.context import Answer, Request, after, modal_refusal
from handlers.directory import learn_owners
from handlers.errors import guarded
from handlers.ids import Callback, ObjectiveAction
from handlers.slack_io import ChannelUnreachable, follow_up, notify_user, post_in_channel
from handlers.ui.forms import action_value
from handlers.ui.team_modal import (
    TEAM_FIELDS,
    TeamBlock,
    build_team_announcement,
    build_team_modal,
    build_team_saved,
    parse_team_submission,
)

log = logging.getLogger(__name__)


async def open_team_modal(*, req: Request, channel_id: str) -> None:
    """The team modal for `channel_id`: the team living there, or a new one."""
    team = await team_for_channel(db=req.db, workspace_id=req.workspace_id, channel_id=channel_id)
    view = build_team_modal(
        req.t, team=team, channel_id=channel_id, timezone=req.timezone, locale=req.t.language
    )
    await req.client.views_open(trigger_id=req.trigger_id, view=view)


async def handle_team_command(req: Request) -> Answer:
    return after(open_team_modal, req=req, channel_id=req.channel_id)


async def handle_create_team_button(req: Request) -> Answer:
    return after(open_team_modal, req=req, channel_id=action_value(req.action))


async def handle_team_submission(req: Request) -> Answer:
    cmd = parse_team_submission(req.view, workspace_id=req.workspace_id, actor=req.actor)
    try:
        team, created = await save_team(db=req.db, cmd=cmd, now=req.now)
    except UserError as refusal:
        return modal_refusal(req.t, refusal, block=TeamBlock.NAME, blocks=TEAM_FIELDS)
    answer = after(
        notify_user, req.client, user_id=req.user_id, channel=team.channel_id,
        text=build_team_saved(req.t, team, created),
    ).then(
        learn_owners, client=req.client, services=req.services, workspace_id=req.workspace_id,
        user_ids=[team.lead_user_id] if team.lead_user_id else [],
    )  # fmt: skip
    return answer.then(announce_team, client=req.client, team=team) if created else answer


@follow_up
async def announce_team(*, client: AsyncWebClient, team: TeamView) -> None:
    """Once, when the team is created: its channel hears of it and of its rhythm, in the
    team's language. A channel closed to the bot only misses the announcement."""
    t_team = translator(team.locale)
    try:
        await post_in_channel(
            client, channel=team.channel_id, text=build_team_announcement(t_team, team)
        )
    except ChannelUnreachable as unreachable:
        log.warning("team %s not announced: %s", team.id, unreachable)


def register(app: AsyncApp) -> None:
    app.view(Callback.TEAM.value)(guarded(handle_team_submission))
    app.action(ObjectiveAction.CREATE_TEAM.value)(guarded(handle_create_team_button))
