"""The weekly check-in DM (sent by the ticker), its buttons, `/okr checkin`, pause and resume."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncApp

from bot.domain.errors import N_, UserError
from bot.i18n import Translator
from bot.services import nudge_answers, nudges
from bot.services.check_ins import record_check_ins
from bot.services.commands import RecordCheckIn
from handlers.args import parse_pause_until
from handlers.context import Answer, Request, after, replace_view, show_errors
from handlers.errors import guarded
from handlers.ids import Callback, CheckInAction, NudgeAction
from handlers.slack_io import notify_user
from handlers.surfaces import redraw_nudge, refresh_home, share_check_ins
from handlers.ui.format import clip
from handlers.ui.forms import action_choice, action_value, metadata, payload_int
from handlers.ui.help import pause_example
from handlers.ui.nudges import (
    PAUSE_UNTIL,
    CheckInModalMeta,
    build_check_in_modal,
    build_pause_modal,
    first_value_block,
    nothing_to_record,
    parse_check_in_submission,
    parse_pause_submission,
)

# --- The DM's buttons -----------------------------------------------------------------------


async def handle_nudge_answer(req: Request) -> Answer:
    """No change, skip, snooze or undo: recorded, then the DM is updated in place."""
    return after(
        answer_nudge, req=req, nudge_id=payload_int(action_choice(req.action)[0]),
        verb=req.action["action_id"],
    )  # fmt: skip


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
        days = payload_int(action_choice(req.action)[1])
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
    return after(open_nudge_modal, req=req, nudge_id=payload_int(action_value(req.action)))


async def open_nudge_modal(*, req: Request, nudge_id: int) -> None:
    nudge = await nudge_answers.nudge_for(
        db=req.db, workspace_id=req.workspace_id, nudge_id=nudge_id, actor=req.actor, now=req.now
    )
    meta = CheckInModalMeta(refs=nudge.key_result_refs, nudge_id=nudge.id)
    view = build_check_in_modal(req.t, nudge.objectives, meta, reader=req.user_id)
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
        trigger_id=req.trigger_id, view=build_check_in_modal(req.t, due, meta, reader=req.user_id)
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
    if not entries and not meta.saved:
        # A check-in that records nothing is not a check-in: say so on the first value.
        return show_errors({first_value_block(req.view): nothing_to_record(req.t, meta)})
    cmds = [
        RecordCheckIn(req.workspace_id, ref, value, confidence, note, req.actor,
                      source="check_in", idempotency_key=f"{req.submission_key}:{ref}")
        for ref, value, confidence, note in entries
    ]  # fmt: skip
    try:
        results = await record_check_ins(db=req.db, cmds=cmds, now=req.now)
    except UserError as refusal:
        return show_errors({f"{cmds[0].key_result_ref}.value": req.message(refusal)})
    next_page = await _next_page(req, meta.model_copy(update={"saved": meta.saved or bool(cmds)}))
    answer = (replace_view(next_page) if next_page else Answer()).then(
        share_check_ins, client=req.client, services=req.services,
        workspace_id=req.workspace_id, results=results, author=req.user_id,
    )  # fmt: skip
    if meta.nudge_id is None or next_page is not None:
        return answer
    return answer.then(
        mark_nudge_updated,
        req=req,
        nudge_id=meta.nudge_id,
        check_in_ids=[r.check_in_id for r in results if r.check_in_id is not None],
        key_result_ids=[r.key_result.id for r in results],
    )


async def mark_nudge_updated(
    *, req: Request, nudge_id: int, check_in_ids: list[int], key_result_ids: list[int]
) -> None:
    """The DM whose modal was just submitted, redrawn: answered "updated", or (some KRs left
    empty) with what was updated, what is still due and the buttons for the rest."""
    now = req.now
    nudge = await nudge_answers.answer_updated(
        db=req.db, workspace_id=req.workspace_id, nudge_id=nudge_id, actor=req.actor, now=now,
        check_in_ids=check_in_ids, key_result_ids=key_result_ids,
    )  # fmt: skip
    await redraw_nudge(req.client, {}, nudge, now, answered=nudge.answer is not None)


async def _next_page(req: Request, meta: CheckInModalMeta) -> Any:
    """The modal's next page, or None after the last one."""
    from handlers.ui.nudges import KRS_PER_PAGE

    if (meta.page + 1) * KRS_PER_PAGE >= len(meta.refs):
        return None
    due = await nudges.objectives_of_refs(
        db=req.db, workspace_id=req.workspace_id, refs=meta.refs, now=req.now
    )
    page = meta.model_copy(update={"page": meta.page + 1})
    return build_check_in_modal(req.t, due, page, reader=req.user_id)


# --- Check in from the Home tab and the digest ------------------------------------------------


async def handle_check_in_button(req: Request) -> Answer:
    """ "Check in" (Home tab, digest): the check-in modal with my KRs due."""
    return after(open_due_check_in_modal, req=req)


async def handle_no_change_for_all(req: Request) -> Answer:
    """ "No change for all" (Home tab): a no-change check-in for each of my KRs due."""
    return after(record_no_change_for_all, req=req).then(refresh_home, req=req)


async def record_no_change_for_all(*, req: Request) -> None:
    await nudge_answers.no_change_for_due(
        db=req.db, workspace_id=req.workspace_id, actor=req.actor, now=req.now
    )


async def handle_open_home(req: Request) -> Answer:
    """ "Open Home" (digest): Slack has no API to switch tabs, so a private link to it."""
    app_id = str(req.body.get("api_app_id", ""))
    link = f"slack://app?team={req.workspace_id}&id={app_id}&tab=home"
    return after(tell_home_link, req=req, link=link)


async def tell_home_link(*, req: Request, link: str) -> None:
    await req.tell(req.t("🏠 <{link}|Open your Polaris Home tab>", link=link))


# --- Pause and resume -----------------------------------------------------------------------


def _today(req: Request) -> date:
    return req.now.astimezone(ZoneInfo(req.timezone)).date()


async def handle_pause_command(req: Request) -> Answer:
    """`/okr pause until 24/12` (the date as the person writes it), or a date picker."""
    today = _today(req)
    if not req.args.strip():
        return after(open_pause_modal, req=req, today=today)
    until = parse_pause_until(req.t, req.args, today=today)
    if until is None:
        raise UserError(
            N_(
                "I can't read “{text}” as a date. Try `{example}`, or `/okr pause` "
                "to pick the date."
            ),
            text=clip(req.args, 80),
            example=pause_example(req.t, today),
        )
    return after(pause_nudges, req=req, until=until, today=today)


async def open_pause_modal(*, req: Request, today: date) -> None:
    view = build_pause_modal(req.t, today + timedelta(days=7))
    await req.client.views_open(trigger_id=req.trigger_id, view=view)


async def handle_pause_submission(req: Request) -> Answer:
    """The picked date is stored before the modal closes; a wrong one keeps it open."""
    until, today = parse_pause_submission(req.view), _today(req)
    if until is None:
        return show_errors({PAUSE_UNTIL: req.t("Pick a date.")})
    try:
        await nudge_answers.pause_nudges(
            db=req.db, workspace_id=req.workspace_id, user_id=req.user_id, until=until,
            today=today, now=req.now,
        )  # fmt: skip
    except UserError as refusal:
        return show_errors({PAUSE_UNTIL: req.message(refusal)})
    return after(notify_user, req.client, user_id=req.user_id, text=paused_text(req.t, until))


def paused_text(t: Translator, until: date) -> str:
    return t(
        "No check-in reminders until {date} included. `/okr resume` brings them back.",
        date=t.date(until),
    )


async def pause_nudges(*, req: Request, until: date, today: date) -> None:
    await nudge_answers.pause_nudges(
        db=req.db,
        workspace_id=req.workspace_id,
        user_id=req.user_id,
        until=until,
        today=today,
        now=req.now,
    )
    await req.tell(paused_text(req.t, until))


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
    app.action(CheckInAction.OPEN.value)(guarded(handle_check_in_button))
    app.action(CheckInAction.NO_CHANGE_ALL.value)(guarded(handle_no_change_for_all))
    app.action(CheckInAction.OPEN_HOME.value)(guarded(handle_open_home))
    app.view(Callback.CHECK_IN.value)(guarded(handle_check_in_submission))
    app.view(Callback.PAUSE.value)(guarded(handle_pause_submission))
