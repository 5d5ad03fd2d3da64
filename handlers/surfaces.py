"""What Slack shows after a change: objective posts, thread lines, the Home tab, the check-in
DM, the North Star chart.

Transport-neutral helpers: each takes what it needs by name (services, client, workspace,
user, translator), never Bolt's request context, so a listener or a scheduled job can call
it alike. The follow-ups among them run after a change is stored: they are marked
`follow_up`, so a failure is logged and never reported as the change failing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.progress import KrKind
from bot.i18n import DEFAULT_LANGUAGE, Translator, translator
from bot.services.commands import RecordCheckIn
from bot.services.lists import home_for
from bot.services.members import MemberProfile
from bot.services.northstar import north_star_summary, show_north_star
from bot.services.objective_views import objective_of, objectives_by_id
from bot.services.objectives import record_objective_post
from bot.services.read_models import CheckInResult, NudgeView, ObjectiveView
from bot.services.runtime import Services
from handlers.context import Request
from handlers.jobs.charts import render_north_star_chart
from handlers.slack_io import (
    ChannelUnreachable,
    follow_up,
    notify_user,
    post_in_channel,
    update_message,
)
from handlers.ui.home import build_home
from handlers.ui.northstar_board import build_north_star_summary_blocks, summary_fallback_text
from handlers.ui.nudges import build_nudge_answered, build_nudge_message, nudge_text
from handlers.ui.objective_modal import ObjectiveModalMeta, build_key_result_modal
from handlers.ui.okr import build_objective_post, objective_post_text
from handlers.ui.update_modal import build_session_thread_line

log = logging.getLogger(__name__)


# --- The objective's post in its team channel, and its thread --------------------------------


@follow_up
async def publish_objective(
    *,
    client: AsyncWebClient,
    services: Services,
    objective: ObjectiveView,
    actor: str,
    t: Translator,
) -> None:
    """Post the objective in its team channel, in the team's language, and remember the post
    (its thread). Should the channel be closed, the actor hears it in their own language (`t`:
    named so, its strings are extracted for the catalogs)."""
    t_team = translator(objective.team.locale)
    try:
        ts = await post_in_channel(
            client,
            channel=objective.team.channel_id,
            text=objective_post_text(t_team, objective),
            blocks=build_objective_post(t_team, objective, services.clock()),
        )
    except ChannelUnreachable as unreachable:
        log.warning("objective %s not posted: %s", objective.label, unreachable)
        await notify_user(
            client,
            user_id=actor,
            text=t(
                "{ref} is saved, but I cannot post in <#{channel}>: invite me there with "
                "`/invite @Polaris`.",
                ref=objective.label,
                channel=objective.team.channel_id,
            ),
        )
        return
    await record_objective_post(
        db=services.db,
        workspace_id=objective.workspace_id,
        objective_id=objective.id,
        channel_id=objective.team.channel_id,
        ts=ts,
    )


@follow_up
async def refresh_objective_post(
    *, client: AsyncWebClient, services: Services, objective: ObjectiveView
) -> None:
    """Redraw the objective's post after a change (progress bars, status, state)."""
    if not (objective.post_channel_id and objective.post_ts):
        return
    t_team = translator(objective.team.locale)
    await update_message(
        client,
        channel=objective.post_channel_id,
        ts=objective.post_ts,
        text=objective_post_text(t_team, objective),
        blocks=build_objective_post(t_team, objective, services.clock()),
    )


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
    """One reply per objective in its thread (one line per KR, a check-in session of several
    KRs pings once), then each objective's post redrawn once. Runs after Slack has had its
    answer; the post is read afresh, as it may have been sent (and its ts stored) after the
    check-in was."""
    recorded = [r for r in results if not r.duplicate]
    if not recorded:
        return
    objectives = await objectives_by_id(
        db=services.db,
        workspace_id=workspace_id,
        objective_ids=list(dict.fromkeys(r.objective_id for r in recorded)),
        now=services.clock(),
    )
    for objective in objectives:
        if not (objective.post_channel_id and objective.post_ts):
            continue
        t_team = translator(objective.team.locale)
        mine = [r for r in recorded if r.objective_id == objective.id]
        text = build_session_thread_line(t_team, results=mine, author=author)
        try:
            await post_in_channel(
                client, channel=objective.post_channel_id, text=text, thread_ts=objective.post_ts
            )
        except ChannelUnreachable:
            continue
        await refresh_objective_post(client=client, services=services, objective=objective)


async def open_key_result_modal(
    *, req: Request, kr_ref: int | None, objective_ref: int | None = None
) -> None:
    """Open the modal adding a key result to objective `objective_ref`, or editing KR `kr_ref`.
    Raises NotFound for a reference that is not there."""
    meta = ObjectiveModalMeta(objective_ref=objective_ref, key_result_ref=kr_ref)
    await req.client.views_open(trigger_id=req.trigger_id, view=await key_result_modal(req, meta))


async def key_result_modal(
    req: Request, meta: ObjectiveModalMeta, kind: KrKind | None = None
) -> View:
    """The modal adding a key result to `meta`'s objective or editing its KR, the KR's kind
    as picked (`kind`) when it is redrawn. Raises NotFound for a reference that is not there."""
    objective, kr = await objective_of(
        db=req.db,
        workspace_id=req.workspace_id,
        objective_ref=meta.objective_ref,
        key_result_ref=meta.key_result_ref,
        now=req.now,
    )
    meta = ObjectiveModalMeta(objective_ref=objective.ref, key_result_ref=kr.ref if kr else None)
    return build_key_result_modal(
        req.t, user_id=req.user_id, objective=objective, kr=kr, meta=meta, kind=kind
    )


# --- The Home tab -----------------------------------------------------------------------------


def from_home(body: dict[str, Any]) -> bool:
    """Whether an action was clicked on the Home tab."""
    return (body.get("view") or {}).get("type") == "home"


async def publish_home(
    *,
    client: AsyncWebClient,
    services: Services,
    workspace_id: str,
    user_id: str,
    profile: MemberProfile | None,
) -> None:
    """Render and publish `user_id`'s Home tab as of now, in their language and time zone
    (English and UTC without a profile). Raises SlackApiError if Slack refuses the view."""
    t = translator(
        profile.locale if profile else None,
        default=profile.workspace_locale if profile else DEFAULT_LANGUAGE,
    )
    now = services.clock()
    model = await home_for(
        db=services.db,
        workspace_id=workspace_id,
        user_id=user_id,
        timezone=(profile.timezone if profile else None) or "UTC",
        now=now,
    )
    # The North Star of the person's (first) team heads the cockpit.
    summary = (
        await north_star_summary(
            db=services.db, workspace_id=workspace_id, team_id=model.teams[0].id, now=now
        )
        if model.teams
        else None
    )
    extra = build_north_star_summary_blocks(t, summary) if summary else []
    await client.views_publish(
        user_id=user_id, view=build_home(t, model, now, extra, user_id=user_id)
    )


@follow_up
async def refresh_home(*, req: Request) -> None:
    """Re-publish the acting user's Home after they changed something from it (Slack keeps
    the last published view). Changes made elsewhere need no refresh: opening the Home tab
    publishes it afresh. Without a user, nothing to do."""
    if req.user_id:
        await publish_home(
            client=req.client,
            services=req.services,
            workspace_id=req.workspace_id,
            user_id=req.user_id,
            profile=req.profile,
        )


# --- The check-in DM ----------------------------------------------------------------------------


async def redraw_nudge(
    client: AsyncWebClient,
    body: dict[str, Any],
    nudge: NudgeView,
    now: datetime,
    *,
    answered: bool,
) -> None:
    """Redraw the check-in DM in place: answered (as of `now`) or open again. The message is
    the one clicked (`body`'s container) or else the one stored with the nudge."""
    t = translator(nudge.locale)
    container = body.get("container") or {}
    channel = container.get("channel_id") or nudge.dm_channel
    ts = container.get("message_ts") or nudge.dm_ts
    if channel and ts:
        blocks = (
            build_nudge_answered(t, nudge, now)
            if answered
            else build_nudge_message(t, nudge, now=now)
        )
        await update_message(
            client, channel=channel, ts=ts, text=nudge_text(t, nudge), blocks=blocks
        )


# --- The North Star chart ---------------------------------------------------------------------


async def post_north_star_chart(*, req: Request, channel_id: str) -> None:
    """Upload the trend chart of the channel's team's North Star to the channel, in the team's
    language (the channel reads it, not only the person who asked). Raises NotFound without a
    team or North Star there."""
    summary = await show_north_star(
        db=req.db, workspace_id=req.workspace_id, channel_id=channel_id, now=req.now
    )
    t_team = translator(summary.team.locale)
    png = await render_north_star_chart(t_team, summary)
    await req.client.files_upload_v2(
        channel=channel_id,
        file=png,
        filename="north-star.png",
        title=summary.north_star.name,
        initial_comment=summary_fallback_text(t_team, summary),
    )
