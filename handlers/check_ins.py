"""`/okr update`: one KR's new value, by modal or in one line; the thread line and post refresh."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.errors import N_, InvalidFields, NotFound, UserError
from bot.i18n import Translator, translator
from bot.services import check_ins, okrs
from bot.services.commands import RecordCheckIn
from bot.services.read_models import CheckInResult
from bot.services.runtime import Services
from handlers.args import UpdateLine, parse_update_line
from handlers.context import Answer, Request, after, modal_refusal, show_errors
from handlers.errors import guarded
from handlers.home import from_home, refresh_home
from handlers.ids import Callback, ObjectiveAction
from handlers.objectives import open_key_result_modal, refresh_objective_post
from handlers.slack_io import ChannelUnreachable, follow_up, post_in_channel
from handlers.ui.forms import metadata
from handlers.ui.update_modal import (
    KEY_RESULT,
    UpdateModalMeta,
    UpdatePrefill,
    build_check_in_saved,
    build_thread_line,
    build_update_modal,
    parse_update_submission,
    selected_key_result_ref,
)


async def open_update_modal(
    *,
    req: Request,
    ref: int | None,
    prefill: UpdatePrefill | None = None,
    objective_ref: int | None = None,
    home: bool = False,
) -> None:
    objectives, selected = await check_ins.update_choices(
        db=req.db,
        workspace_id=req.workspace_id,
        actor=req.actor,
        key_result_ref=ref,
        objective_ref=objective_ref,
        now=req.now,
    )
    if not objectives:
        raise NotFound(N_("You have no key results to update yet. Declare some with `/okr new`."))
    await req.client.views_open(
        trigger_id=req.trigger_id,
        view=build_update_modal(
            req.t, objectives, selected=selected, prefill=prefill, from_home=home
        ),
    )


async def handle_update_command(req: Request) -> Answer:
    """`/okr update KR-12 42 8 "note"` records at once; anything less opens the modal."""
    return after(record_update_line, req=req, line=parse_update_line(req.t, req.args))


async def record_update_line(*, req: Request, line: UpdateLine) -> None:
    """Record a complete line and confirm it; otherwise (or if the service refuses it) open
    the modal filled with what was typed and the problem."""
    if line.complete:
        cmd = RecordCheckIn(
            workspace_id=req.workspace_id,
            key_result_ref=line.ref or 0,
            value=line.value or 0.0,
            confidence=line.confidence,
            note=line.note,
            actor=req.actor,
            source="command",
        )
        try:
            result = await check_ins.record_check_in(db=req.db, cmd=cmd, now=req.now)
        except (NotFound, InvalidFields) as wrong:
            line = replace(line, ref=None, problem=problem_text(req.t, wrong))
        else:
            await req.tell(build_check_in_saved(req.t, result.key_result, result.previous_value))
            await share_check_in(client=req.client, services=req.services, cmd=cmd, result=result)
            return
    prefill = UpdatePrefill(
        value=line.value_text,
        confidence=line.confidence,
        note=line.note or None,
        problem=line.problem,
    )
    await open_update_modal(req=req, ref=line.ref, prefill=prefill)


def problem_text(t: Translator, error: UserError) -> str:
    if isinstance(error, InvalidFields):
        return "\n".join(t(message, **values) for message, values in error.fields.values())
    return t(error.message, **error.values)


async def share_check_in(
    *, client: AsyncWebClient, services: Services, cmd: RecordCheckIn, result: CheckInResult
) -> None:
    """`share_check_ins` for the one check-in recorded from `cmd`."""
    await share_check_ins(
        client=client,
        services=services,
        workspace_id=cmd.workspace_id,
        results=[result],
        author=cmd.actor.user_id,
    )


@follow_up
async def share_check_ins(
    *,
    client: AsyncWebClient,
    services: Services,
    workspace_id: str,
    results: Sequence[CheckInResult],
    author: str,
) -> None:
    """A short line per check-in in its objective's thread, then each objective's post
    redrawn once. Runs after Slack has had its answer; the post is read afresh, as it may
    have been sent (and its ts stored) after the check-in was."""
    recorded = [r for r in results if not r.duplicate]
    if not recorded:
        return
    objectives = await okrs.objectives_by_id(
        db=services.db,
        workspace_id=workspace_id,
        objective_ids=list(dict.fromkeys(r.objective_id for r in recorded)),
        now=services.clock(),
    )
    for objective in objectives:
        if not (objective.post_channel_id and objective.post_ts):
            continue
        t_team = translator(objective.team.locale)
        try:
            for result in (r for r in recorded if r.objective_id == objective.id):
                kr = result.key_result
                text = build_thread_line(
                    t_team, kr=kr, previous=result.previous_value, author=author, note=kr.note
                )
                await post_in_channel(
                    client,
                    channel=objective.post_channel_id,
                    text=text,
                    thread_ts=objective.post_ts,
                )
        except ChannelUnreachable:
            continue
        await refresh_objective_post(client=client, services=services, objective=objective)


async def handle_update_submission(req: Request) -> Answer:
    form, errors = parse_update_submission(req.t, req.view)
    if errors:
        return show_errors(errors)
    cmd = RecordCheckIn(
        workspace_id=req.workspace_id,
        key_result_ref=form.key_result_ref or 0,
        value=form.value or 0.0,
        confidence=form.confidence,
        note=form.note,
        actor=req.actor,
        source="modal",
        idempotency_key=req.submission_key,
    )
    try:
        result = await check_ins.record_check_in(db=req.db, cmd=cmd, now=req.now)
    except UserError as refusal:
        return modal_refusal(req.t, refusal, block=KEY_RESULT)
    shared = after(share_check_in, client=req.client, services=req.services, cmd=cmd, result=result)
    if metadata(req.view, UpdateModalMeta).from_home:
        return shared.then(refresh_home, context=req.context, client=req.client)
    return shared


async def handle_update_key_result_changed(req: Request) -> Answer:
    """The KR select changed: re-fill the modal with that KR's last value and confidence."""
    return after(refill_update_modal, req=req, ref=selected_key_result_ref(req.body["view"]))


async def refill_update_modal(*, req: Request, ref: int | None) -> None:
    view = req.body["view"]
    objectives, selected = await check_ins.update_choices(
        db=req.db,
        workspace_id=req.workspace_id,
        actor=req.actor,
        key_result_ref=ref,
        objective_ref=None,
        now=req.now,
    )
    await req.client.views_update(
        view_id=view["id"],
        hash=view["hash"],
        view=build_update_modal(req.t, objectives, selected=selected),
    )


async def handle_update_button(req: Request) -> Answer:
    """ "Update" on a KR (Home tab) or "Update a key result" on an objective post."""
    from_post = req.action["action_id"] == ObjectiveAction.UPDATE_FROM_POST
    ref = int(req.action["value"])
    return after(
        open_update_modal,
        req=req,
        ref=None if from_post else ref,
        objective_ref=ref if from_post else None,
        home=from_home(req.body),
    )


async def handle_key_result_menu(req: Request) -> Answer:
    """The overflow of a KR line: update it, or edit its definition."""
    verb, _, ref_text = req.action["selected_option"]["value"].partition(":")
    if verb == ObjectiveAction.EDIT_KEY_RESULT:
        return after(open_key_result_modal, req=req, kr_ref=int(ref_text))
    return after(open_update_modal, req=req, ref=int(ref_text))


def register(app: AsyncApp) -> None:
    app.action(ObjectiveAction.KR_MENU.value)(guarded(handle_key_result_menu))
    app.view(Callback.UPDATE.value)(guarded(handle_update_submission))
    app.action(KEY_RESULT)(guarded(handle_update_key_result_changed))
    app.action(ObjectiveAction.UPDATE_KEY_RESULT.value)(guarded(handle_update_button))
    app.action(ObjectiveAction.UPDATE_FROM_POST.value)(guarded(handle_update_button))
