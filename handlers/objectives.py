"""`/okr new`, the objective post in its team channel, and editing or closing objectives."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_sdk.models.views import View

from bot.domain.errors import InvalidFields, UserError
from bot.domain.progress import MAX_KEY_RESULTS, KrKind
from bot.services import key_results
from bot.services import objectives as objective_use_cases
from bot.services.commands import (
    AddKeyResult,
    ChangeObjectiveState,
    CreateObjective,
    EditKeyResult,
    EditObjective,
    KeyResultDraft,
)
from bot.services.objective_views import get_objective
from bot.services.read_models import ObjectiveView
from handlers.context import (
    Answer,
    Request,
    after,
    modal_refusal,
    show_errors,
)
from handlers.directory import learn_owners, owners_of
from handlers.errors import guarded
from handlers.ids import Callback, ObjectiveAction
from handlers.slack_io import notify_user, update_view
from handlers.surfaces import (
    from_home,
    key_result_modal,
    open_key_result_modal,
    publish_objective,
    refresh_home,
    refresh_objective_post,
)
from handlers.ui.forms import action_choice, action_ref, metadata, view_handle
from handlers.ui.objective_modal import (
    TITLE,
    ObjectiveModalMeta,
    build_edit_objective_modal,
    build_new_objective_modal,
    parse_edit_objective_submission,
    parse_key_result_submission,
    parse_objective_submission,
    picked_kinds,
)
from handlers.ui.team_modal import build_team_prompt

log = logging.getLogger(__name__)


async def handle_new_command(req: Request) -> Answer:
    return after(open_new_objective_modal, req=req)


async def open_new_objective_modal(*, req: Request) -> None:
    """The new-objective modal, or the offer to create a team where there is none."""
    options = await objective_use_cases.objective_form_options(
        db=req.db, workspace_id=req.workspace_id, channel_id=req.channel_id, now=req.now
    )
    if not options.teams:
        await req.tell(req.t("Create a team first."), build_team_prompt(req.t, req.channel_id))
        return
    meta = ObjectiveModalMeta(channel_id=req.channel_id)
    view = build_new_objective_modal(req.t, options, user_id=req.user_id, meta=meta)
    await req.client.views_open(trigger_id=req.trigger_id, view=view)


async def handle_add_key_result_slot(req: Request) -> Answer:
    return after(add_key_result_slot, req=req)


async def add_key_result_slot(*, req: Request) -> None:
    """One more key result in the new-objective modal (up to MAX_KEY_RESULTS)."""
    view = req.body.get("view")
    view_id, view_hash = view_handle(view)
    meta = metadata(view, ObjectiveModalMeta)
    kinds = picked_kinds(view, meta.slots)
    meta.slots = min(meta.slots + 1, MAX_KEY_RESULTS)
    new_view = await new_objective_modal(req, meta, kinds)
    await update_view(req.client, view_id=view_id, hash=view_hash, view=new_view)


async def new_objective_modal(
    req: Request, meta: ObjectiveModalMeta, kinds: dict[int, KrKind]
) -> View:
    """The new-objective modal redrawn: `meta`'s slots, each of the kind picked."""
    options = await objective_use_cases.objective_form_options(
        db=req.db, workspace_id=req.workspace_id, channel_id=meta.channel_id, now=req.now
    )
    return build_new_objective_modal(req.t, options, user_id=req.user_id, meta=meta, kinds=kinds)


async def handle_kind_changed(req: Request) -> Answer:
    return after(redraw_for_kind, req=req)


async def redraw_for_kind(*, req: Request) -> None:
    """A KR's kind was picked: redraw the modal so a milestone asks no start, target or unit
    (what was typed elsewhere stays: the inputs keep their block ids)."""
    view = req.body.get("view")
    view_id, view_hash = view_handle(view)
    meta = metadata(view, ObjectiveModalMeta)
    if (view or {}).get("callback_id") == Callback.KEY_RESULT:
        new_view = await key_result_modal(req, meta, picked_kinds(view, 1)[1])
    else:
        new_view = await new_objective_modal(req, meta, picked_kinds(view, meta.slots))
    await update_view(req.client, view_id=view_id, hash=view_hash, view=new_view)


async def handle_new_objective_submission(req: Request) -> Answer | None:
    meta = metadata(req.view, ObjectiveModalMeta)
    fields, drafts, errors = parse_objective_submission(req.t, req.view, meta)
    if errors:
        return show_errors(errors)
    cmd = CreateObjective(
        workspace_id=req.workspace_id,
        key_results=drafts,
        actor=req.actor,
        submission_key=req.submission_key,
        **fields,
    )
    try:
        objective = await objective_use_cases.create_objective(db=req.db, cmd=cmd, now=req.now)
    except InvalidFields as invalid:
        return modal_refusal(req.t, invalid, block=TITLE)
    if objective is None:  # this submission was already recorded
        return None
    return after(
        publish_objective, client=req.client, services=req.services, objective=objective,
        actor=req.user_id, t=req.t,
    ).then(learn_objective_owners, req=req, objective=objective)  # fmt: skip


async def learn_objective_owners(*, req: Request, objective: ObjectiveView) -> None:
    """Owners a lead just named may never have typed /okr: learn their zone and language."""
    await learn_owners(
        client=req.client, services=req.services, workspace_id=req.workspace_id,
        user_ids=owners_of(objective),
    )  # fmt: skip


# --- Edit and close (overflow menu on the post and on the Home tab) -----------------------


#: The menu's verbs that change an objective's state, and the state each sets.
NEW_STATES = {
    ObjectiveAction.MARK_DONE: "done",
    ObjectiveAction.ARCHIVE: "archived",
    ObjectiveAction.REOPEN: "open",
}


async def handle_objective_menu(req: Request) -> Answer:
    verb, ref = action_choice(req.action)[0], action_ref(req.action)
    if verb in NEW_STATES:
        return after(
            change_objective_state, req=req, ref=ref, state=NEW_STATES[ObjectiveAction(verb)]
        )
    if verb == ObjectiveAction.ADD_KEY_RESULT:
        return after(open_key_result_modal, req=req, kr_ref=None, objective_ref=ref)
    return after(open_edit_objective_modal, req=req, ref=ref)


async def change_objective_state(*, req: Request, ref: int, state: str) -> None:
    """Mark done, archive or reopen; redraw the post (and the Home if clicked there); say so."""
    cmd = ChangeObjectiveState(
        workspace_id=req.workspace_id, objective_ref=ref, state=state, actor=req.actor
    )
    objective = await objective_use_cases.change_objective_state(db=req.db, cmd=cmd, now=req.now)
    await refresh_objective_post(client=req.client, services=req.services, objective=objective)
    if from_home(req.body):
        await refresh_home(req=req)
    await notify_user(
        req.client,
        user_id=req.user_id,
        channel=(req.body.get("channel") or {}).get("id"),
        text=req.t("{ref} is now {state}.", ref=objective.label, state=req.t(state)),
    )


async def open_edit_objective_modal(*, req: Request, ref: int) -> None:
    objective = await get_objective(db=req.db, workspace_id=req.workspace_id, ref=ref, now=req.now)
    view = build_edit_objective_modal(req.t, objective, ObjectiveModalMeta(objective_ref=ref))
    await req.client.views_open(trigger_id=req.trigger_id, view=view)


async def handle_edit_objective_submission(req: Request) -> Answer:
    cmd = EditObjective(
        workspace_id=req.workspace_id,
        objective_ref=metadata(req.view, ObjectiveModalMeta).objective_ref or 0,
        actor=req.actor,
        **parse_edit_objective_submission(req.view),
    )
    try:
        objective = await objective_use_cases.edit_objective(db=req.db, cmd=cmd, now=req.now)
    except UserError as refusal:
        return modal_refusal(req.t, refusal, block=TITLE)
    return after(
        refresh_objective_post, client=req.client, services=req.services, objective=objective
    ).then(learn_objective_owners, req=req, objective=objective)


async def handle_key_result_submission(req: Request) -> Answer:
    draft, errors = parse_key_result_submission(req.t, req.view)
    if errors or draft is None:
        return show_errors(errors)
    try:
        objective = await save_key_result(req, metadata(req.view, ObjectiveModalMeta), draft)
    except UserError as refusal:
        return modal_refusal(req.t, refusal, block="kr1.title")
    return after(
        refresh_objective_post, client=req.client, services=req.services, objective=objective
    ).then(learn_objective_owners, req=req, objective=objective)


async def save_key_result(
    req: Request, meta: ObjectiveModalMeta, draft: KeyResultDraft
) -> ObjectiveView:
    """Edit the modal's key result, or add the draft to its objective. Raises UserError."""
    if meta.key_result_ref is not None:
        edit = EditKeyResult(
            workspace_id=req.workspace_id,
            key_result_ref=meta.key_result_ref,
            draft=draft,
            actor=req.actor,
        )
        return await key_results.edit_key_result(db=req.db, cmd=edit, now=req.now)
    add = AddKeyResult(
        workspace_id=req.workspace_id,
        objective_ref=meta.objective_ref or 0,
        draft=draft,
        actor=req.actor,
    )
    return await key_results.add_key_result(db=req.db, cmd=add, now=req.now)


def register(app: AsyncApp) -> None:
    app.view(Callback.NEW_OBJECTIVE.value)(guarded(handle_new_objective_submission))
    app.view(Callback.EDIT_OBJECTIVE.value)(guarded(handle_edit_objective_submission))
    app.view(Callback.KEY_RESULT.value)(guarded(handle_key_result_submission))
    app.action(ObjectiveAction.ADD_KR_SLOT.value)(guarded(handle_add_key_result_slot))
    app.action(ObjectiveAction.KR_KIND.value)(guarded(handle_kind_changed))
    app.action(ObjectiveAction.MENU.value)(guarded(handle_objective_menu))
