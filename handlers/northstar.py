"""`/okr northstar [define | record | review | token | link | chart]` and the North Star's
modals and buttons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncApp

from bot.domain.archetypes import Archetype
from bot.domain.errors import N_, InvalidFields, UserError
from bot.domain.names import closest
from bot.domain.northstar import Drives, parse_drives, same_metric_name
from bot.domain.refs import parse_objective_ref
from bot.services.alignment import link_objective
from bot.services.commands import DefineNorthStar, RecordReading
from bot.services.northstar import (
    define_north_star,
    open_north_star_form,
    review_north_star,
    show_north_star,
)
from bot.services.readings import reading_form, record_reading
from bot.services.tokens import create_api_token, list_api_tokens, revoke_api_token
from handlers.args import RecordArgs, parse_record_args, split_first, tokenize
from handlers.context import (
    Answer,
    Request,
    after,
    replace_view,
    reply,
    show_errors,
)
from handlers.errors import guarded
from handlers.ids import NorthStarAction, NorthStarCallback, NorthStarWord
from handlers.slack_io import update_view
from handlers.surfaces import post_north_star_chart
from handlers.ui.forms import OutOfDate, action_value, metadata, view_handle
from handlers.ui.northstar_board import build_north_star_summary_blocks, summary_fallback_text
from handlers.ui.northstar_define import (
    NorthStarMeta,
    build_define_modal,
    build_template_modal,
    define_field_block,
    draft_from_template,
    parse_define_submission,
    parse_template_submission,
)
from handlers.ui.northstar_record import (
    build_record_modal,
    linked_text,
    new_token_text,
    parse_record_submission,
    record_field_block,
    recorded_text,
    revoked_text,
    tokens_text,
)
from handlers.ui.northstar_review import (
    build_review_message,
    build_saved_modal,
    review_fallback_text,
)
from handlers.ui.northstar_texts import northstar_usage_text

Handler = Callable[[Request], Awaitable[Answer | None]]
TEMPLATE_WORDS = frozenset({"template", "modèle", "modele"})
ALL_WORDS = frozenset({"all", "tout", "tous", "toutes"})  # `token revoke all`


# --- Subcommands ----------------------------------------------------------------------------


async def handle_northstar_show(req: Request) -> Answer:
    return after(show_summary, req=req)


async def show_summary(*, req: Request) -> None:
    summary = await show_north_star(
        db=req.db,
        workspace_id=req.workspace_id,
        channel_id=req.channel_id,
        now=req.now,
        # In a DM (no team lives there) the board of the person's own team.
        user_id=req.user_id if req.channel_id.startswith("D") else None,
    )
    await req.tell(
        summary_fallback_text(req.t, summary), build_north_star_summary_blocks(req.t, summary)
    )


async def handle_northstar_define(req: Request) -> Answer:
    template = " ".join(tokenize(req.args)).lower() in TEMPLATE_WORDS
    return after(open_define_modal, req=req, template=template)


async def open_define_modal(*, req: Request, template: bool) -> None:
    """The define modal on the current North Star, or the templates (first time, or asked)."""
    channel_id = req.channel_id
    form = await open_north_star_form(
        db=req.db, workspace_id=req.workspace_id, channel_id=channel_id, actor=req.actor
    )
    if form.north_star is not None and not template:
        view = build_define_modal(
            req.t, form.north_star.draft(), channel_id=channel_id, team_id=form.team.id
        )
    else:
        view = build_template_modal(req.t, form, channel_id=channel_id, archetype=form.archetype)
    await req.client.views_open(trigger_id=req.trigger_id, view=view)


async def handle_northstar_review(req: Request) -> Answer:
    return after(show_review, req=req)


async def show_review(*, req: Request) -> None:
    reviewed = await review_north_star(
        db=req.db, workspace_id=req.workspace_id, channel_id=req.channel_id, now=req.now
    )
    await req.tell(
        review_fallback_text(req.t, reviewed),
        build_review_message(req.t, reviewed),
    )


async def handle_northstar_record(req: Request) -> Answer:
    """`record [metric] value [date]` records at once; without a value, the modal opens."""
    today = req.now.astimezone(ZoneInfo(req.timezone)).date()
    parsed = parse_record_args(req.t, req.args, today=today)
    if parsed.value is None:
        return after(
            open_record_modal, req=req, channel_id=req.channel_id, metric=parsed.metric,
            on=parsed.on,
        )  # fmt: skip
    return after(record_typed_reading, req=req, parsed=parsed, value=parsed.parsed_value(req.t))


async def record_typed_reading(*, req: Request, parsed: RecordArgs, value: float) -> None:
    cmd = RecordReading(
        workspace_id=req.workspace_id,
        channel_id=req.channel_id,
        metric=parsed.metric,
        value=value,
        on=parsed.on,
        actor=req.user_id,
    )
    recorded = await record_reading(db=req.db, cmd=cmd, now=req.now)
    await req.tell(recorded_text(req.t, recorded))


async def open_record_modal(
    *, req: Request, channel_id: str, metric: str | None = None, on: date | None = None
) -> None:
    form = await reading_form(
        db=req.db, workspace_id=req.workspace_id, channel_id=channel_id, now=req.now
    )
    key = next((m.key for m in form.metrics if metric and same_metric_name(m.name, metric)), None)
    view = build_record_modal(req.t, form, channel_id=channel_id, metric_key=key, on=on)
    await req.client.views_open(trigger_id=req.trigger_id, view=view)


async def handle_northstar_token(req: Request) -> Answer:
    words = tokenize(req.args)
    action = words[0].lower() if words else "new"
    if action in {"revoke", "révoquer", "revoquer"} and len(words) < 2:
        raise UserError(
            N_(
                "Say which token: `/okr northstar token revoke` followed by the first "
                "characters of the token, or `/okr northstar token revoke all`."
            )
        )
    prefix = words[1] if len(words) > 1 else ""
    prefix = "all" if prefix.lower() in ALL_WORDS else prefix
    return after(manage_tokens, req=req, action=action, prefix=prefix)


async def manage_tokens(*, req: Request, action: str, prefix: str) -> None:
    """List, revoke (by prefix, or `all`) or create the team's API tokens."""
    where = {
        "db": req.db,
        "workspace_id": req.workspace_id,
        "channel_id": req.channel_id,
        "actor": req.actor,
    }
    if action in {"list", "liste"}:
        text = tokens_text(req.t, await list_api_tokens(**where))
    elif action in {"revoke", "révoquer", "revoquer"}:
        text = revoked_text(req.t, await revoke_api_token(**where, prefix=prefix, now=req.now))
    else:
        text = new_token_text(req.t, await create_api_token(**where, now=req.now))
    await req.tell(text)


async def handle_northstar_link(req: Request) -> Answer:
    words = tokenize(req.args)
    ref = parse_objective_ref(words[0]) if words else None
    if ref is None or len(words) < 2:
        raise UserError(
            N_(
                'Say what the objective drives: `/okr northstar link O-4 "input name"`, '
                "`… nsm` or `… health`."
            )
        )
    return after(link_to_north_star, req=req, ref=ref, target=" ".join(words[1:]))


async def link_to_north_star(*, req: Request, ref: int, target: str) -> None:
    drives = parse_drives(target) or Drives.INPUT_METRIC
    linked = await link_objective(
        db=req.db,
        workspace_id=req.workspace_id,
        objective_ref=ref,
        drives=drives,
        input_metric_name=target if drives is Drives.INPUT_METRIC else None,
        actor=req.actor,
        now=req.now,
    )
    await req.tell(linked_text(req.t, linked))


async def handle_northstar_chart(req: Request) -> Answer:
    return after(post_north_star_chart, req=req, channel_id=req.channel_id)


NORTHSTAR_WORDS: dict[str, Handler] = {
    NorthStarWord.SHOW: handle_northstar_show,
    NorthStarWord.DEFINE: handle_northstar_define,
    NorthStarWord.RECORD: handle_northstar_record,
    NorthStarWord.REVIEW: handle_northstar_review,
    NorthStarWord.TOKEN: handle_northstar_token,
    NorthStarWord.LINK: handle_northstar_link,
    NorthStarWord.CHART: handle_northstar_chart,
    # French and short forms people type
    "définir": handle_northstar_define,
    "definir": handle_northstar_define,
    "edit": handle_northstar_define,
    "mesure": handle_northstar_record,
    "mesurer": handle_northstar_record,
    "enregistrer": handle_northstar_record,
    "jeton": handle_northstar_token,
    "revue": handle_northstar_review,
    "lier": handle_northstar_link,
    "graphique": handle_northstar_chart,
}


async def handle_northstar_command(req: Request) -> Answer | None:
    """`/okr northstar …` routed by its first word; an unknown word gets the usage."""
    word, rest = split_first(req.args)
    handler = NORTHSTAR_WORDS.get(word)
    if handler is None:
        suggestion = closest(word, [w for w in NORTHSTAR_WORDS if w])
        return reply(northstar_usage_text(req.t, word, suggestion))
    return await handler(req.with_args(rest))


# --- Modals and buttons ---------------------------------------------------------------------


async def handle_archetype_changed(req: Request) -> Answer:
    archetype = (
        Archetype(picked) if (picked := action_value(req.action)) in set(Archetype) else None
    )
    if archetype is None:
        raise OutOfDate()
    return after(show_templates, req=req, archetype=archetype)


async def show_templates(*, req: Request, archetype: Archetype) -> None:
    """The template modal redrawn with `archetype`'s templates."""
    view = req.body.get("view")
    view_id, view_hash = view_handle(view)
    meta = metadata(view, NorthStarMeta)
    form = await open_north_star_form(
        db=req.db, workspace_id=req.workspace_id, channel_id=meta.channel_id, actor=req.actor
    )
    await update_view(
        req.client,
        view_id=view_id,
        hash=view_hash,
        view=build_template_modal(req.t, form, channel_id=meta.channel_id, archetype=archetype),
    )


async def handle_template_submission(req: Request) -> Answer:
    meta, key = parse_template_submission(req.view)
    archetype = Archetype(meta.archetype) if meta.archetype in set(Archetype) else None
    draft = draft_from_template(req.t, key, archetype=archetype, owner_user_id=req.user_id)
    return replace_view(
        build_define_modal(req.t, draft, channel_id=meta.channel_id, team_id=meta.team_id or 0)
    )


async def handle_define_submission(req: Request) -> Answer:
    meta, draft, errors = parse_define_submission(req.t, req.view)
    if errors:
        return show_errors(errors)
    cmd = DefineNorthStar(req.workspace_id, meta.team_id or 0, draft, req.actor)
    try:
        saved = await define_north_star(db=req.db, cmd=cmd, now=req.now)
    except UserError as problem:  # shown on its field, in the modal, before it closes
        field = problem.field if isinstance(problem, InvalidFields) else "name"
        return show_errors({define_field_block(field): req.message(problem)})
    return replace_view(build_saved_modal(req.t, saved))


async def handle_record_submission(req: Request) -> Answer:
    meta, metric, value, on, errors = parse_record_submission(req.t, req.view)
    if errors or value is None:
        return show_errors(errors)
    cmd = RecordReading(
        workspace_id=req.workspace_id, channel_id=meta.channel_id, metric=metric, value=value,
        on=on, actor=req.user_id,
    )  # fmt: skip
    try:
        recorded = await record_reading(db=req.db, cmd=cmd, now=req.now)
    except UserError as problem:
        field = problem.field if isinstance(problem, InvalidFields) else "value"
        return show_errors({record_field_block(field): req.message(problem)})
    return after(
        req.client.chat_postEphemeral, channel=meta.channel_id, user=req.user_id,
        text=recorded_text(req.t, recorded),
    )  # fmt: skip


async def handle_record_button(req: Request) -> Answer:
    return after(open_record_modal, req=req, channel_id=action_value(req.action))


async def handle_chart_button(req: Request) -> Answer:
    channel_id = action_value(req.action)
    return after(post_north_star_chart, req=req, channel_id=channel_id)


def register(app: AsyncApp) -> None:
    app.view(NorthStarCallback.TEMPLATE.value)(guarded(handle_template_submission))
    app.view(NorthStarCallback.DEFINE.value)(guarded(handle_define_submission))
    app.view(NorthStarCallback.RECORD.value)(guarded(handle_record_submission))
    app.action(NorthStarAction.ARCHETYPE.value)(guarded(handle_archetype_changed))
    app.action(NorthStarAction.RECORD.value)(guarded(handle_record_button))
    app.action(NorthStarAction.CHART.value)(guarded(handle_chart_button))
