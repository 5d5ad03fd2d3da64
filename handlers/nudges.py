"""The weekly check-in DM (sent by the ticker), its buttons, `/okr checkin`, pause and resume."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncApp

from bot.domain.errors import N_, UserError
from bot.services import nudge_answers, nudges
from bot.services.check_ins import record_check_ins
from bot.services.commands import RecordCheckIn
from handlers.args import parse_pause_until
from handlers.context import Answer, Request, after, replace_view, show_errors
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


async def handle_nudge_answer(req: Request) -> Answer:
    """No change, skip, snooze or undo: recorded, then the DM is updated in place."""
    return after(
        answer_nudge, req=req, nudge_id=_nudge_id(req.action), verb=req.action["action_id"]
    )


async def answer_nudge(*, req: Request, nudge_id: int, verb: str) -> None:
    db, workspace_id, actor, now = req.db, req.workspace_id, req.actor, req.now
    if verb == NudgeAction.NO_CHANGE:
        nudge = await nudge_answers.answer_no_change(
            db=db, workspace_id=workspace_id, nudge_id=nudge_id, actor=actor, now=now
        )
    elif verb == NudgeAction.SKIP:
        nudge = await nudge_answers.answer_skip(
            db=db, workspace_id=workspace_id, nudge_id=nudge_id, actor=actor, now=now
        )
    elif verb == NudgeAction.SNOOZE:
        days = int(req.action["selected_option"]["value"].split(":")[1])
        nudge = await nudge_answers.answer_snooze(
            db=db, workspace_id=workspace_id, nudge_id=nudge_id, actor=actor, days=days, now=now
        )
    else:
        nudge = await nudge_answers.undo_answer(
            db=db, workspace_id=workspace_id, nudge_id=nudge_id, actor=actor, now=now
        )
    await redraw_nudge(req.client, req.body, nudge, now, answered=verb != NudgeAction.UNDO)


async def handle_nudge_update(req: Request) -> Answer:
    """ "Update…": one modal with every KR the DM lists."""
    return after(open_nudge_modal, req=req, nudge_id=_nudge_id(req.action))


async def open_nudge_modal(*, req: Request, nudge_id: int) -> None:
    nudge = await nudge_answers.nudge_for(
        db=req.db, workspace_id=req.workspace_id, nudge_id=nudge_id, actor=req.actor, now=req.now
    )
    meta = CheckInModalMeta(refs=nudge.key_result_refs, nudge_id=nudge.id)
    view = build_check_in_modal(req.t, nudge.objectives, meta)
    await req.client.views_open(trigger_id=req.trigger_id, view=view)


async def handle_checkin_command(req: Request) -> Answer:
    """`/okr checkin`: the same modal, on demand, with my KRs due this week."""
    return after(open_due_check_in_modal, req=req)


async def open_due_check_in_modal(*, req: Request) -> None:
    due = await nudges.due_key_results(
        db=req.db, workspace_id=req.workspace_id, user_id=req.user_id, now=req.now
    )
    if not due:
        await req.tell(await nothing_to_check_in_text(req))
        return
    meta = CheckInModalMeta(refs=[kr.ref for o in due for kr in o.key_results])
    await req.client.views_open(
        trigger_id=req.trigger_id, view=build_check_in_modal(req.t, due, meta)
    )


async def nothing_to_check_in_text(req: Request) -> str:
    """Why `/okr checkin` has nothing to ask: all checked in, or nothing owned (and how to
    get a key result)."""
    if await nudges.owns_key_results(db=req.db, workspace_id=req.workspace_id, user_id=req.user_id):
        return req.t("Nothing is due: you checked in every key result during the last five days.")
    return req.t(
        "You own no key result yet, so there is nothing to check in. Ask a team lead to name "
        "you owner of one, or declare an objective with its key results with `/okr new`."
    )


async def handle_check_in_submission(req: Request) -> Answer:
    meta = metadata(req.view, CheckInModalMeta)
    entries, errors = parse_check_in_submission(req.t, req.view, meta.refs)
    if errors:
        return show_errors(errors)
    cmds = [
        RecordCheckIn(req.workspace_id, ref, value, confidence, note, req.actor,
                      source="check_in", idempotency_key=f"{req.submission_key}:{ref}")
        for ref, value, confidence, note in entries
    ]  # fmt: skip
    try:
        results = await record_check_ins(db=req.db, cmds=cmds, now=req.now)
    except UserError as refusal:
        return show_errors({f"{cmds[0].key_result_ref}.value": req.message(refusal)})
    next_page = await _next_page(req, meta)
    answer = (replace_view(next_page) if next_page else Answer()).then(
        share_check_ins, client=req.client, services=req.services,
        workspace_id=req.workspace_id, results=results, author=req.user_id,
    )  # fmt: skip
    if meta.nudge_id is None or next_page is not None:
        return answer
    return answer.then(mark_nudge_updated, req=req, nudge_id=meta.nudge_id)


async def mark_nudge_updated(*, req: Request, nudge_id: int) -> None:
    """The DM whose modal was just submitted, answered "updated" and redrawn so."""
    now = req.now
    nudge = await nudge_answers.answer_updated(
        db=req.db, workspace_id=req.workspace_id, nudge_id=nudge_id, actor=req.actor, now=now
    )
    await redraw_nudge(req.client, {}, nudge, now, answered=True)


async def _next_page(req: Request, meta: CheckInModalMeta) -> Any:
    """The modal's next page, or None after the last one."""
    from handlers.ui.nudges import KRS_PER_PAGE

    if (meta.page + 1) * KRS_PER_PAGE >= len(meta.refs):
        return None
    due = await nudges.objectives_of_refs(
        db=req.db, workspace_id=req.workspace_id, refs=meta.refs, now=req.now
    )
    return build_check_in_modal(req.t, due, meta.model_copy(update={"page": meta.page + 1}))


# --- Pause and resume -----------------------------------------------------------------------


async def handle_pause_command(req: Request) -> Answer:
    today = req.now.astimezone(ZoneInfo(req.timezone)).date()
    until = parse_pause_until(req.args)
    if until is None:
        raise UserError(
            N_("Say until when, e.g. `/okr pause until {example}`."),
            example=today.replace(day=1).isoformat(),
        )
    return after(pause_nudges, req=req, until=until, today=today)


async def pause_nudges(*, req: Request, until: date, today: date) -> None:
    await nudge_answers.pause_nudges(
        db=req.db,
        workspace_id=req.workspace_id,
        user_id=req.user_id,
        until=until,
        today=today,
        now=req.now,
    )
    await req.tell(
        req.t(
            "No check-in reminders until {date} included. `/okr resume` brings them back.",
            date=req.t.date(until),
        )
    )


async def handle_resume_command(req: Request) -> Answer:
    return after(resume_nudges, req=req)


async def resume_nudges(*, req: Request) -> None:
    await nudge_answers.resume_nudges(
        db=req.db, workspace_id=req.workspace_id, user_id=req.user_id, now=req.now
    )
    await req.tell(req.t("Welcome back: your weekly check-in reminders are on again."))


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
