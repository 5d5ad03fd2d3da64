"""`/okr update`: one KR's new value, by modal or in one line; the thread line and post refresh."""

from __future__ import annotations

from dataclasses import replace

from slack_bolt.async_app import AsyncApp

from bot.domain.errors import N_, InvalidFields, NotFound, UserError
from bot.services import check_ins
from bot.services.check_ins import KEY_RESULT_FIELD
from bot.services.commands import RecordCheckIn
from bot.services.read_models import CheckInResult, KeyResultView, ObjectiveView
from handlers.args import UpdateLine, parse_update_line
from handlers.context import Answer, Request, after, modal_refusal, show_errors
from handlers.errors import guarded
from handlers.ids import Callback, ObjectiveAction
from handlers.slack_io import update_view
from handlers.surfaces import from_home, open_key_result_modal, refresh_home, share_check_in
from handlers.ui.format import refusal_text
from handlers.ui.forms import action_choice, action_ref, metadata, view_handle
from handlers.ui.update_modal import (
    KEY_RESULT,
    UpdateForm,
    UpdateModalMeta,
    UpdatePrefill,
    build_check_in_saved,
    build_update_modal,
    kept_confidence_text,
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
    objectives, selected = await _update_choices(req, ref=ref, objective_ref=objective_ref)
    if not objectives:
        raise NotFound(N_("You have no key results to update yet. Declare some with `/okr new`."))
    await req.client.views_open(
        trigger_id=req.trigger_id,
        view=build_update_modal(
            req.t,
            objectives,
            selected=selected,
            prefill=prefill,
            from_home=home,
            reader=req.user_id,
        ),
    )


async def _update_choices(
    req: Request, *, ref: int | None, objective_ref: int | None = None
) -> tuple[list[ObjectiveView], KeyResultView | None]:
    """The KRs the acting user may update, and the one the modal shows first."""
    return await check_ins.update_choices(
        db=req.db,
        workspace_id=req.workspace_id,
        actor=req.actor,
        key_result_ref=ref,
        objective_ref=objective_ref,
        now=req.now,
    )


async def _record(
    req: Request,
    form: UpdateForm,
    *,
    source: str,
    key: str | None = None,
    keep_confidence: bool = False,
    yes_no: bool = False,
) -> tuple[RecordCheckIn, CheckInResult]:
    """Record the check-in `form` holds as the acting user's (a form with no KR or value
    reaches the service as KR 0 / value 0, which it refuses); `keep_confidence` keeps the
    KR's last confidence when the form has none; `yes_no`: the value was said as done / not
    done. Raises what the service raises."""
    cmd = RecordCheckIn(
        workspace_id=req.workspace_id,
        key_result_ref=form.key_result_ref or 0,
        value=form.value or 0.0,
        confidence=form.confidence,
        note=form.note,
        actor=req.actor,
        source=source,
        idempotency_key=key,
        keep_confidence=keep_confidence,
        yes_no=yes_no,
    )
    return cmd, await check_ins.record_check_in(db=req.db, cmd=cmd, now=req.now)


def command_key(req: Request) -> str | None:
    """The check-in's idempotency key for a command: Slack's trigger_id, its own for every
    command Slack sends. A command sent again byte for byte (its signature holds for five
    minutes) has the same one, and the check-in's unique key stores it once."""
    # Slack's trigger ids are ~50 characters; the column holds 128.
    return f"trigger:{req.trigger_id}"[:128] if req.trigger_id else None


async def handle_update_command(req: Request) -> Answer:
    """`/okr update KR-12 42 8 "note"` records at once; anything less opens the modal."""
    return after(record_update_line, req=req, line=parse_update_line(req.t, req.args))


async def record_update_line(*, req: Request, line: UpdateLine) -> None:
    """Record a complete line and confirm it; otherwise (or if the service refuses it) open
    the modal filled with what was typed and the problem. A KR that does not exist, is
    archived or that the person may not update is refused at once, never with a modal (a
    complete line is checked by the recording itself, in its one transaction)."""
    if line.ref is not None and not line.complete:
        await check_ins.check_updatable(
            db=req.db, workspace_id=req.workspace_id, actor=req.actor, key_result_ref=line.ref
        )
    if line.complete:
        form = UpdateForm(line.ref, line.value, line.confidence, line.note)
        try:
            cmd, result = await _record(
                req,
                form,
                source="command",
                key=command_key(req),
                keep_confidence=line.confidence is None,
                yes_no=line.yes_no,
            )
        except InvalidFields as wrong:
            if KEY_RESULT_FIELD in wrong.fields:
                raise  # archived: refused at once, as a line naming no value would be
            # "done" said of a number: the modal asks for the number rather than show a 1.
            shown = None if line.yes_no else line.value_text
            line = replace(line, ref=None, value_text=shown, problem=refusal_text(req.t, wrong))
        else:
            if result.duplicate:  # the same command again: the first one said it all
                return
            saved = build_check_in_saved(req.t, result.key_result, result.previous_value)
            if cmd.keep_confidence:
                saved += "\n" + kept_confidence_text(req.t, result.key_result)
            await req.tell(saved)
            await share_check_in(client=req.client, services=req.services, cmd=cmd, result=result)
            return
    prefill = UpdatePrefill(
        value=line.value_text,
        confidence=line.confidence,
        note=line.note or None,
        problem=line.problem,
    )
    await open_update_modal(req=req, ref=line.ref, prefill=prefill)


async def handle_update_submission(req: Request) -> Answer:
    form, errors = parse_update_submission(req.t, req.view)
    if errors:
        return show_errors(errors)
    try:
        cmd, result = await _record(req, form, source="modal", key=req.submission_key)
    except UserError as refusal:
        return modal_refusal(req.t, refusal, block=KEY_RESULT)
    shared = after(share_check_in, client=req.client, services=req.services, cmd=cmd, result=result)
    if metadata(req.view, UpdateModalMeta).from_home:
        return shared.then(refresh_home, req=req)
    return shared


async def handle_update_key_result_changed(req: Request) -> Answer:
    """The KR select changed: re-fill the modal with that KR's last value and confidence."""
    view = req.body.get("view")
    return after(
        refill_update_modal, req=req, ref=selected_key_result_ref(view), handle=view_handle(view)
    )


async def refill_update_modal(
    *, req: Request, ref: int | None, handle: tuple[str, str | None]
) -> None:
    objectives, selected = await _update_choices(req, ref=ref)
    await update_view(
        req.client,
        view_id=handle[0],
        hash=handle[1],
        view=build_update_modal(req.t, objectives, selected=selected, reader=req.user_id),
    )


async def handle_update_button(req: Request) -> Answer:
    """ "Update" on a KR (Home tab) or "Update a key result" on an objective post."""
    from_post = req.action["action_id"] == ObjectiveAction.UPDATE_FROM_POST
    ref = action_ref(req.action)
    return after(
        open_update_modal,
        req=req,
        ref=None if from_post else ref,
        objective_ref=ref if from_post else None,
        home=from_home(req.body),
    )


async def handle_key_result_menu(req: Request) -> Answer:
    """The overflow of a KR line: update it, or edit its definition."""
    verb, ref = action_choice(req.action)[0], action_ref(req.action)
    if verb == ObjectiveAction.EDIT_KEY_RESULT:
        return after(open_key_result_modal, req=req, kr_ref=ref)
    return after(open_update_modal, req=req, ref=ref)


def register(app: AsyncApp) -> None:
    app.action(ObjectiveAction.KR_MENU.value)(guarded(handle_key_result_menu))
    app.view(Callback.UPDATE.value)(guarded(handle_update_submission))
    app.action(KEY_RESULT)(guarded(handle_update_key_result_changed))
    app.action(ObjectiveAction.UPDATE_KEY_RESULT.value)(guarded(handle_update_button))
    app.action(ObjectiveAction.UPDATE_FROM_POST.value)(guarded(handle_update_button))
