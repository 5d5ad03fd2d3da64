"""`/okr team`: create or edit the team living in a channel."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.errors import InvalidFields, UserError
from bot.services.commands import SaveTeam
from bot.services.teams import save_team, team_for_channel
from handlers.context import actor_of, profile_of, services_of, translator_of
from handlers.errors import guarded
from handlers.ids import Callback, ObjectiveAction
from handlers.slack_io import notify_user
from handlers.ui.forms import inline_errors, metadata
from handlers.ui.team_modal import (
    TEAM_FIELDS,
    TeamBlock,
    TeamModalMeta,
    build_team_modal,
    build_team_saved,
    parse_team_submission,
)


async def open_team_modal(
    *, context: AsyncBoltContext, client: AsyncWebClient, trigger_id: str, channel_id: str
) -> None:
    services = services_of(context)
    team = await team_for_channel(
        db=services.db, workspace_id=context.team_id or "", channel_id=channel_id
    )
    profile = profile_of(context)
    t = translator_of(context)
    view = build_team_modal(
        t,
        team=team,
        channel_id=channel_id,
        timezone=(profile.timezone if profile else None) or "UTC",
        locale=t.language,
    )
    await client.views_open(trigger_id=trigger_id, view=view)


async def handle_team_command(
    *,
    ack: AsyncAck,
    command: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    **_: Any,
) -> None:
    await ack()
    await open_team_modal(
        context=context,
        client=client,
        trigger_id=command["trigger_id"],
        channel_id=command["channel_id"],
    )


async def handle_create_team_button(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
) -> None:
    await ack()
    await open_team_modal(
        context=context, client=client, trigger_id=body["trigger_id"], channel_id=action["value"]
    )


async def handle_team_submission(
    ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    t = translator_of(context)
    form = parse_team_submission(view)
    cmd = SaveTeam(
        workspace_id=context.team_id or "",
        team_id=metadata(view, TeamModalMeta).team_id,
        actor=actor_of(context),
        **vars(form),
    )
    services = services_of(context)
    try:
        team, created = await save_team(db=services.db, cmd=cmd, now=services.clock())
    except InvalidFields as invalid:
        errors = inline_errors(t, invalid)
        await ack(
            response_action="errors", errors={TEAM_FIELDS.get(k, k): v for k, v in errors.items()}
        )
        return
    except UserError as refused:
        await ack(
            response_action="errors", errors={TeamBlock.NAME: t(refused.message, **refused.values)}
        )
        return
    await ack()
    await notify_user(
        client,
        user_id=cmd.actor.user_id,
        channel=team.channel_id,
        text=build_team_saved(t, team, created),
    )


def register(app: AsyncApp) -> None:
    app.view(Callback.TEAM.value)(guarded(handle_team_submission))
    app.action(ObjectiveAction.CREATE_TEAM.value)(guarded(handle_create_team_button))
