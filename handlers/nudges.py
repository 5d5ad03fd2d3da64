"""The weekly check-in DM's buttons, `/okr checkin`, pause and resume (the DM itself is sent
by handlers.jobs.nudges)."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.errors import N_, UserError
from bot.services.check_ins import record_check_ins
from bot.services.commands import RecordCheckIn
from bot.services.nudge_answers import (
    answer_no_change,
    answer_skip,
    answer_snooze,
    answer_updated,
    nudge_for,
    pause_nudges,
    resume_nudges,
    undo_answer,
)
from bot.services.nudges import due_key_results, objectives_of_refs
from handlers.context import actor_of, profile_of, services_of, translator_of
from handlers.errors import guarded
from handlers.ids import Callback, NudgeAction
from handlers.surfaces import redraw_nudge, share_check_ins
from handlers.ui.forms import metadata
from handlers.ui.nudges import (
    CheckInModalMeta,
    build_check_in_modal,
    parse_check_in_submission,
)

# --- The DM's buttons -----------------------------------------------------------------------


def _nudge_id(action: dict[str, Any]) -> int:
    value = action.get("value") or action.get("selected_option", {}).get("value", "")
    return int(str(value).split(":")[0])


async def handle_nudge_answer(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
) -> None:
    """No change, skip, snooze or undo: recorded, then the DM is updated in place."""
    await ack()
    services = services_of(context)
    db, workspace_id, actor, now = (
        services.db,
        context.team_id or "",
        actor_of(context),
        services.clock(),
    )
    nudge_id, verb = _nudge_id(action), action["action_id"]
    if verb == NudgeAction.NO_CHANGE:
        nudge = await answer_no_change(
            db=db, workspace_id=workspace_id, nudge_id=nudge_id, actor=actor, now=now
        )
    elif verb == NudgeAction.SKIP:
        nudge = await answer_skip(
            db=db, workspace_id=workspace_id, nudge_id=nudge_id, actor=actor, now=now
        )
    elif verb == NudgeAction.SNOOZE:
        days = int(action["selected_option"]["value"].split(":")[1])
        nudge = await answer_snooze(
            db=db, workspace_id=workspace_id, nudge_id=nudge_id, actor=actor, days=days, now=now
        )
    else:
        nudge = await undo_answer(
            db=db, workspace_id=workspace_id, nudge_id=nudge_id, actor=actor, now=now
        )
    await redraw_nudge(client, body, nudge, now, answered=verb != NudgeAction.UNDO)


async def handle_nudge_update(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
) -> None:
    """ "Update…": one modal with every KR the DM lists."""
    await ack()
    services = services_of(context)
    nudge = await nudge_for(
        db=services.db,
        workspace_id=context.team_id or "",
        nudge_id=_nudge_id(action),
        actor=actor_of(context),
        now=services.clock(),
    )
    meta = CheckInModalMeta(refs=nudge.key_result_refs, nudge_id=nudge.id)
    view = build_check_in_modal(translator_of(context), nudge.objectives, meta)
    await client.views_open(trigger_id=body["trigger_id"], view=view)


async def handle_checkin_command(
    *,
    ack: AsyncAck,
    command: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    respond: AsyncRespond,
    **_: Any,
) -> None:
    """`/okr checkin`: the same modal, on demand, with my KRs due this week."""
    await ack()
    services, t = services_of(context), translator_of(context)
    due = await due_key_results(
        db=services.db,
        workspace_id=context.team_id or "",
        user_id=context.user_id or "",
        now=services.clock(),
    )
    if not due:
        await respond(
            response_type="ephemeral",
            text=t("Nothing is due: you checked in every key result during the last five days."),
        )
        return
    meta = CheckInModalMeta(refs=[kr.ref for o in due for kr in o.key_results])
    await client.views_open(
        trigger_id=command["trigger_id"], view=build_check_in_modal(t, due, meta)
    )


async def handle_check_in_submission(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
) -> None:
    services, t = services_of(context), translator_of(context)
    meta = metadata(view, CheckInModalMeta)
    entries, errors = parse_check_in_submission(t, view, meta.refs)
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    actor, now, workspace_id = actor_of(context), services.clock(), context.team_id or ""
    cmds = [
        RecordCheckIn(
            workspace_id,
            ref,
            value,
            confidence,
            note,
            actor,
            source="check_in",
            idempotency_key=f"view:{view['id']}:{view.get('hash', '')}:{ref}",
        )
        for ref, value, confidence, note in entries
    ]
    try:
        results = await record_check_ins(db=services.db, cmds=cmds, now=now)
    except UserError as refused:
        await ack(
            response_action="errors",
            errors={f"{cmds[0].key_result_ref}.value": t(refused.message, **refused.values)},
        )
        return
    next_page = await _next_page(context, meta)
    await ack(response_action="update", view=next_page) if next_page else await ack()
    await share_check_ins(
        client=client,
        services=services,
        workspace_id=workspace_id,
        results=results,
        author=actor.user_id,
    )
    if meta.nudge_id is not None and next_page is None:
        nudge = await answer_updated(
            db=services.db, workspace_id=workspace_id, nudge_id=meta.nudge_id, actor=actor, now=now
        )
        await redraw_nudge(client, {}, nudge, now, answered=True)


async def _next_page(context: AsyncBoltContext, meta: CheckInModalMeta) -> Any:
    """The modal's next page, or None after the last one."""
    from handlers.ui.nudges import KRS_PER_PAGE

    if (meta.page + 1) * KRS_PER_PAGE >= len(meta.refs):
        return None
    services = services_of(context)
    due = await objectives_of_refs(
        db=services.db, workspace_id=context.team_id or "", refs=meta.refs, now=services.clock()
    )
    return build_check_in_modal(
        translator_of(context), due, meta.model_copy(update={"page": meta.page + 1})
    )


# --- Pause and resume -----------------------------------------------------------------------


def parse_pause_until(args: str) -> date | None:
    """`until 2026-12-24`, `2026-12-24` → the date; anything else → None."""
    words = [w for w in args.split() if w.lower() not in {"until", "jusqu'au", "jusqu’au", "au"}]
    try:
        return date.fromisoformat(words[0]) if len(words) == 1 else None
    except ValueError:
        return None


async def handle_pause_command(
    *, ack: AsyncAck, args: str, context: AsyncBoltContext, respond: AsyncRespond, **_: Any
) -> None:
    await ack()
    services, t, profile = services_of(context), translator_of(context), profile_of(context)
    now = services.clock()
    today = now.astimezone(ZoneInfo((profile.timezone if profile else None) or "UTC")).date()
    until = parse_pause_until(args)
    if until is None:
        raise UserError(
            N_("Say until when, e.g. `/okr pause until {example}`."),
            example=today.replace(day=1).isoformat(),
        )
    await pause_nudges(
        db=services.db,
        workspace_id=context.team_id or "",
        user_id=context.user_id or "",
        until=until,
        today=today,
        now=now,
    )
    await respond(
        response_type="ephemeral",
        text=t(
            "No check-in reminders until {date} included. `/okr resume` brings them back.",
            date=t.date(until),
        ),
    )


async def handle_resume_command(
    *, ack: AsyncAck, context: AsyncBoltContext, respond: AsyncRespond, **_: Any
) -> None:
    await ack()
    services, t = services_of(context), translator_of(context)
    await resume_nudges(
        db=services.db,
        workspace_id=context.team_id or "",
        user_id=context.user_id or "",
        now=services.clock(),
    )
    await respond(
        response_type="ephemeral",
        text=t("Welcome back: your weekly check-in reminders are on again."),
    )


def register(app: AsyncApp) -> None:
    for action_id in (
        NudgeAction.NO_CHANGE,
        NudgeAction.SKIP,
        NudgeAction.SNOOZE,
        NudgeAction.UNDO,
    ):
        app.action(action_id.value)(guarded(handle_nudge_answer))
    app.action(NudgeAction.UPDATE.value)(guarded(handle_nudge_update))
    app.view(Callback.CHECK_IN.value)(guarded(handle_check_in_submission))
