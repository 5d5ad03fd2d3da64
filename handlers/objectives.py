"""`/okr new`, the objective post in its team channel, and editing or closing objectives."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.errors import InvalidFields, UserError
from bot.services.commands import (
    AddKeyResult,
    ChangeObjectiveState,
    CreateObjective,
    EditKeyResult,
    EditObjective,
)
from bot.services.key_results import MAX_KEY_RESULTS, add_key_result, edit_key_result
from bot.services.objective_views import get_objective
from bot.services.objectives import (
    change_objective_state,
    create_objective,
    edit_objective,
    objective_form_options,
)
from handlers.context import actor_of, profile_of, services_of, translator_of
from handlers.errors import guarded
from handlers.ids import Callback, ObjectiveAction
from handlers.slack_io import notify_user
from handlers.surfaces import (
    from_home,
    key_result_modal,
    publish_objective,
    refresh_home,
    refresh_objective_post,
)
from handlers.ui.forms import inline_errors, metadata
from handlers.ui.objective_modal import (
    TITLE,
    ObjectiveModalMeta,
    build_edit_objective_modal,
    build_new_objective_modal,
    parse_edit_objective_submission,
    parse_key_result_submission,
    parse_objective_submission,
)
from handlers.ui.team_modal import build_team_prompt

log = logging.getLogger(__name__)


def submission_key(view: dict[str, Any]) -> str:
    """Same modal state submitted twice (double click, Slack retry) → same key."""
    return f"view:{view['id']}:{view.get('hash', '')}"


async def handle_new_command(
    *,
    ack: AsyncAck,
    command: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    respond: AsyncRespond,
    **_: Any,
) -> None:
    await ack()
    services, t = services_of(context), translator_of(context)
    options = await objective_form_options(
        db=services.db,
        workspace_id=context.team_id or "",
        channel_id=command["channel_id"],
        now=services.clock(),
    )
    if not options.teams:
        await respond(
            response_type="ephemeral",
            text=t("Create a team first."),
            blocks=build_team_prompt(t, command["channel_id"]),
        )
        return
    meta = ObjectiveModalMeta(channel_id=command["channel_id"])
    view = build_new_objective_modal(t, options, user_id=context.user_id or "", meta=meta)
    await client.views_open(trigger_id=command["trigger_id"], view=view)


async def handle_add_key_result_slot(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    await ack()
    services, t, view = services_of(context), translator_of(context), body["view"]
    meta = metadata(view, ObjectiveModalMeta)
    meta.slots = min(meta.slots + 1, MAX_KEY_RESULTS)
    options = await objective_form_options(
        db=services.db,
        workspace_id=context.team_id or "",
        channel_id=meta.channel_id,
        now=services.clock(),
    )
    new_view = build_new_objective_modal(t, options, user_id=context.user_id or "", meta=meta)
    await client.views_update(view_id=view["id"], hash=view["hash"], view=new_view)


async def handle_new_objective_submission(
    ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    services, t = services_of(context), translator_of(context)
    meta = metadata(view, ObjectiveModalMeta)
    fields, drafts, errors = parse_objective_submission(t, view, meta)
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    cmd = CreateObjective(
        workspace_id=context.team_id or "",
        key_results=drafts,
        actor=actor_of(context),
        submission_key=submission_key(view),
        **fields,
    )
    try:
        objective = await create_objective(db=services.db, cmd=cmd, now=services.clock())
    except InvalidFields as invalid:
        await ack(response_action="errors", errors=inline_errors(t, invalid))
        return
    await ack()
    if objective is None:  # this submission was already recorded
        return
    await publish_objective(
        client=client, services=services, objective=objective, actor=cmd.actor.user_id
    )


# --- Edit and close (overflow menu on the post and on the Home tab) -----------------------


async def handle_objective_menu(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
) -> None:
    await ack()
    services, t = services_of(context), translator_of(context)
    verb, _, ref_text = action["selected_option"]["value"].partition(":")
    ref, workspace_id, now = int(ref_text), context.team_id or "", services.clock()
    if verb in (ObjectiveAction.MARK_DONE, ObjectiveAction.ARCHIVE, ObjectiveAction.REOPEN):
        state = {ObjectiveAction.MARK_DONE: "done", ObjectiveAction.ARCHIVE: "archived"}.get(
            verb, "open"
        )
        cmd = ChangeObjectiveState(
            workspace_id=workspace_id, objective_ref=ref, state=state, actor=actor_of(context)
        )
        objective = await change_objective_state(db=services.db, cmd=cmd, now=now)
        await refresh_objective_post(client=client, services=services, objective=objective)
        if from_home(body):
            await refresh_home(
                client=client,
                services=services,
                workspace_id=workspace_id,
                user_id=context.user_id,
                profile=profile_of(context),
            )
        channel = (body.get("channel") or {}).get("id")
        await notify_user(
            client,
            user_id=cmd.actor.user_id,
            channel=channel,
            text=t("{ref} is now {state}.", ref=objective.label, state=t(state)),
        )
        return
    if verb == ObjectiveAction.ADD_KEY_RESULT:
        view = await key_result_modal(
            services=services,
            t=t,
            workspace_id=workspace_id,
            user_id=context.user_id or "",
            kr_ref=None,
            objective_ref=ref,
        )
    else:
        objective = await get_objective(db=services.db, workspace_id=workspace_id, ref=ref, now=now)
        view = build_edit_objective_modal(t, objective, ObjectiveModalMeta(objective_ref=ref))
    await client.views_open(trigger_id=body["trigger_id"], view=view)


async def handle_edit_objective_submission(
    ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    services, t = services_of(context), translator_of(context)
    meta = metadata(view, ObjectiveModalMeta)
    cmd = EditObjective(
        workspace_id=context.team_id or "",
        objective_ref=meta.objective_ref or 0,
        actor=actor_of(context),
        **parse_edit_objective_submission(view),
    )
    try:
        objective = await edit_objective(db=services.db, cmd=cmd, now=services.clock())
    except InvalidFields as invalid:
        await ack(response_action="errors", errors=inline_errors(t, invalid))
        return
    except UserError as refused:
        await ack(response_action="errors", errors={TITLE: t(refused.message, **refused.values)})
        return
    await ack()
    await refresh_objective_post(client=client, services=services, objective=objective)


async def handle_key_result_submission(
    ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    services, t = services_of(context), translator_of(context)
    meta = metadata(view, ObjectiveModalMeta)
    draft, errors = parse_key_result_submission(t, view)
    if errors or draft is None:
        await ack(response_action="errors", errors=errors)
        return
    workspace_id, actor, now = context.team_id or "", actor_of(context), services.clock()
    try:
        if meta.key_result_ref is not None:
            cmd_edit = EditKeyResult(
                workspace_id=workspace_id,
                key_result_ref=meta.key_result_ref,
                draft=draft,
                actor=actor,
            )
            objective = await edit_key_result(db=services.db, cmd=cmd_edit, now=now)
        else:
            cmd_add = AddKeyResult(
                workspace_id=workspace_id,
                objective_ref=meta.objective_ref or 0,
                draft=draft,
                actor=actor,
            )
            objective = await add_key_result(db=services.db, cmd=cmd_add, now=now)
    except InvalidFields as invalid:
        await ack(response_action="errors", errors=inline_errors(t, invalid))
        return
    except UserError as refused:
        await ack(
            response_action="errors", errors={"kr1.title": t(refused.message, **refused.values)}
        )
        return
    await ack()
    await refresh_objective_post(client=client, services=services, objective=objective)


def register(app: AsyncApp) -> None:
    app.view(Callback.NEW_OBJECTIVE.value)(guarded(handle_new_objective_submission))
    app.view(Callback.EDIT_OBJECTIVE.value)(guarded(handle_edit_objective_submission))
    app.view(Callback.KEY_RESULT.value)(guarded(handle_key_result_submission))
    app.action(ObjectiveAction.ADD_KR_SLOT.value)(guarded(handle_add_key_result_slot))
    app.action(ObjectiveAction.MENU.value)(guarded(handle_objective_menu))
