"""`/okr update`: one KR's new value, by modal or in one line; the thread line and post refresh."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.errors import N_, InvalidFields, NotFound, UserError
from bot.domain.refs import parse_key_result_ref
from bot.domain.status import CONFIDENCE_MAX, CONFIDENCE_MIN
from bot.i18n import Translator
from bot.services import check_ins
from bot.services.commands import RecordCheckIn
from handlers.context import actor_of, profile_of, services_of, translator_of
from handlers.errors import guarded
from handlers.ids import Callback, ObjectiveAction
from handlers.surfaces import from_home, key_result_modal, refresh_home, share_check_in
from handlers.ui.forms import inline_errors, metadata
from handlers.ui.update_modal import (
    KEY_RESULT,
    UpdateModalMeta,
    UpdatePrefill,
    build_check_in_saved,
    build_update_modal,
    parse_update_submission,
    selected_key_result_ref,
)

SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "«": '"', "»": '"', "‘": "'", "’": "'"})


@dataclass(frozen=True)
class UpdateLine:
    """`/okr update KR-12 42 8 "note"`, parsed; `problem` says what is missing or wrong."""

    ref: int | None
    value: float | None
    value_text: str | None
    confidence: int | None
    note: str
    problem: str | None

    @property
    def complete(self) -> bool:
        return self.problem is None and None not in (self.ref, self.value, self.confidence)


def parse_update_line(t: Translator, args: str) -> UpdateLine:
    """Parse the one-line form in the user's locale (quote a number with spaces: "1 234,5")."""
    try:
        words = shlex.split(args.translate(SMART_QUOTES))
    except ValueError:  # an unbalanced quote
        words = args.split()
    ref_text, value_text, confidence_text = [*words, None, None, None][:3]
    note = " ".join(words[3:])
    ref = parse_key_result_ref(ref_text) if ref_text else None
    value = confidence = problem = None
    if ref_text and ref is None:
        problem = t("“{text}” is not a key result reference like KR-12.", text=ref_text)
    if value_text is not None:
        try:
            value = t.parse_number(value_text)
        except ValueError:
            problem = problem or t("“{text}” is not a number.", text=value_text)
    if confidence_text is not None:
        if confidence_text.isdigit() and CONFIDENCE_MIN <= int(confidence_text) <= CONFIDENCE_MAX:
            confidence = int(confidence_text)
        else:
            problem = problem or t("Confidence goes from 0 to 10.")
    elif ref is not None and value is not None:
        problem = problem or t("Add your confidence from 0 to 10.")
    return UpdateLine(
        ref, value, value_text if value is not None else None, confidence, note, problem
    )


async def open_update_modal(
    *,
    context: AsyncBoltContext,
    client: AsyncWebClient,
    trigger_id: str,
    ref: int | None,
    prefill: UpdatePrefill | None = None,
    objective_ref: int | None = None,
    home: bool = False,
) -> None:
    services, t = services_of(context), translator_of(context)
    objectives, selected = await check_ins.update_choices(
        db=services.db,
        workspace_id=context.team_id or "",
        actor=actor_of(context),
        key_result_ref=ref,
        objective_ref=objective_ref,
        now=services.clock(),
    )
    if not objectives:
        raise NotFound(N_("You have no key results to update yet. Declare some with `/okr new`."))
    await client.views_open(
        trigger_id=trigger_id,
        view=build_update_modal(t, objectives, selected=selected, prefill=prefill, from_home=home),
    )


async def handle_update_command(
    *,
    ack: AsyncAck,
    args: str,
    command: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    respond: AsyncRespond,
    **_: Any,
) -> None:
    await ack()
    services, t = services_of(context), translator_of(context)
    line = parse_update_line(t, args)
    if line.complete:
        cmd = RecordCheckIn(
            workspace_id=context.team_id or "",
            key_result_ref=line.ref or 0,
            value=line.value or 0.0,
            confidence=line.confidence,
            note=line.note,
            actor=actor_of(context),
            source="command",
        )
        try:
            result = await check_ins.record_check_in(db=services.db, cmd=cmd, now=services.clock())
        except (NotFound, InvalidFields) as wrong:
            line = UpdateLine(
                None,
                line.value,
                line.value_text,
                line.confidence,
                line.note,
                problem_text(t, wrong),
            )
        else:
            await respond(
                response_type="ephemeral",
                text=build_check_in_saved(t, result.key_result, result.previous_value),
            )
            await share_check_in(client=client, services=services, cmd=cmd, result=result)
            return
    prefill = UpdatePrefill(
        value=line.value_text,
        confidence=line.confidence,
        note=line.note or None,
        problem=line.problem,
    )
    await open_update_modal(
        context=context,
        client=client,
        trigger_id=command["trigger_id"],
        ref=line.ref,
        prefill=prefill,
    )


def problem_text(t: Translator, error: UserError) -> str:
    if isinstance(error, InvalidFields):
        return "\n".join(t(message, **values) for message, values in error.fields.values())
    return t(error.message, **error.values)


async def handle_update_submission(
    ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    services, t = services_of(context), translator_of(context)
    form, errors = parse_update_submission(t, view)
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    cmd = RecordCheckIn(
        workspace_id=context.team_id or "",
        key_result_ref=form.key_result_ref or 0,
        value=form.value or 0.0,
        confidence=form.confidence,
        note=form.note,
        actor=actor_of(context),
        source="modal",
        idempotency_key=f"view:{view['id']}:{view.get('hash', '')}",
    )
    try:
        result = await check_ins.record_check_in(db=services.db, cmd=cmd, now=services.clock())
    except InvalidFields as invalid:
        await ack(response_action="errors", errors=inline_errors(t, invalid))
        return
    except UserError as refused:
        await ack(
            response_action="errors", errors={KEY_RESULT: t(refused.message, **refused.values)}
        )
        return
    await ack()
    await share_check_in(client=client, services=services, cmd=cmd, result=result)
    if metadata(view, UpdateModalMeta).from_home:
        await refresh_home(
            client=client,
            services=services,
            workspace_id=cmd.workspace_id,
            user_id=context.user_id,
            profile=profile_of(context),
        )


async def handle_update_key_result_changed(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    """The KR select changed: re-fill the modal with that KR's last value and confidence."""
    await ack()
    services, t, view = services_of(context), translator_of(context), body["view"]
    objectives, selected = await check_ins.update_choices(
        db=services.db,
        workspace_id=context.team_id or "",
        actor=actor_of(context),
        key_result_ref=selected_key_result_ref(view),
        objective_ref=None,
        now=services.clock(),
    )
    await client.views_update(
        view_id=view["id"],
        hash=view["hash"],
        view=build_update_modal(t, objectives, selected=selected),
    )


async def handle_update_button(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
) -> None:
    """ "Update" on a KR (Home tab) or "Update a key result" on an objective post."""
    await ack()
    from_post = action["action_id"] == ObjectiveAction.UPDATE_FROM_POST
    ref = int(action["value"])
    await open_update_modal(
        context=context,
        client=client,
        trigger_id=body["trigger_id"],
        ref=None if from_post else ref,
        objective_ref=ref if from_post else None,
        home=from_home(body),
    )


async def handle_key_result_menu(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
) -> None:
    """The overflow of a KR line: update it, or edit its definition."""
    await ack()
    verb, _, ref_text = action["selected_option"]["value"].partition(":")
    if verb == ObjectiveAction.EDIT_KEY_RESULT:
        view = await key_result_modal(
            services=services_of(context),
            t=translator_of(context),
            workspace_id=context.team_id or "",
            user_id=context.user_id or "",
            kr_ref=int(ref_text),
            objective_ref=None,
        )
        await client.views_open(trigger_id=body["trigger_id"], view=view)
        return
    await open_update_modal(
        context=context, client=client, trigger_id=body["trigger_id"], ref=int(ref_text)
    )


def register(app: AsyncApp) -> None:
    app.action(ObjectiveAction.KR_MENU.value)(guarded(handle_key_result_menu))
    app.view(Callback.UPDATE.value)(guarded(handle_update_submission))
    app.action(KEY_RESULT)(guarded(handle_update_key_result_changed))
    app.action(ObjectiveAction.UPDATE_KEY_RESULT.value)(guarded(handle_update_button))
    app.action(ObjectiveAction.UPDATE_FROM_POST.value)(guarded(handle_update_button))
