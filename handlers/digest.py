"""The weekly digest in Slack: the scheduled job that posts it, and `/okr digest [post]`.

Posting order: the main post (joining a public channel if needed), then the thread replies
holding the long lists, then the North Star chart in the thread. Only the main post decides the
outcome recorded in the ledger: once it is out, a failing reply or chart is logged, never
retried, because a retry would post the digest twice.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.charts import render_trend_chart
from bot.domain.errors import NotFound, UserError
from bot.i18n import Translator, translator
from bot.scheduler import DueItem, Outcome
from bot.services.digest import (
    DIGEST_KIND,
    MISSED,
    NOTHING_TO_DIGEST,
    NOTHING_TO_REPORT,
    DigestModel,
    DueDigest,
    due_digests,
    preview_digest,
    start_manual_digest,
    weekly_digest,
)
from bot.services.ledger import LedgerStatus, record_post_outcome
from bot.services.runtime import Services
from handlers.args import tokenize
from handlers.context import Answer, Request, after
from handlers.slack_io import ChannelUnreachable, notify_user, outcome_of, post_in_channel
from handlers.ui.digest import (
    build_digest_post,
    build_digest_preview,
    manual_already_text,
    manual_failed_text,
    manual_posted_text,
    unreachable_text,
)
from handlers.ui.northstar import chart_arguments, chart_title

log = logging.getLogger(__name__)

#: Errors meaning the channel is closed to the bot: private without it (Slack answers
#: channel_not_found, or not_in_channel that joining cannot fix), deleted, archived. The lead
#: is told how to fix it; the digest is skipped (retrying would not help).
LEAD_FIXES = frozenset(
    {"not_in_channel", "method_not_supported_for_channel_type", "channel_not_found", "is_archived"}
)
POST_WORDS = {"post", "publish", "now", "publier", "poster"}


async def send_digest(
    client: AsyncWebClient,
    digest: DigestModel,
    *,
    late_since: datetime | None = None,
    charts: ChartPoster | None = None,
) -> Outcome:
    """Post a digest in its team's channel, in the team's language. Never raises for Slack
    trouble: the outcome says sent (with the ts), skipped (final) or failed (retry later).
    `charts` posts the chart in the background; without it, it is rendered in a thread and
    posted before this returns."""
    t = translator(digest.team.locale)
    post = build_digest_post(t, digest, late_since=late_since)
    channel = digest.team.channel_id
    try:
        ts = await post_in_channel(
            client, channel=channel, text=post.main.text, blocks=post.main.blocks
        )
    except ChannelUnreachable as unreachable:
        if unreachable.error in LEAD_FIXES:
            await _tell_lead(client, t, digest, unreachable.error)
            return Outcome(LedgerStatus.SKIPPED, channel, error=unreachable.error)
        status, code = outcome_of(unreachable)
        return Outcome(status, channel, error=code)
    except (SlackClientError, OSError, TimeoutError) as error:
        status, code = outcome_of(error)
        return Outcome(status, channel, error=code)
    for reply in post.thread:
        try:
            await post_in_channel(
                client, channel=channel, text=reply.text, blocks=reply.blocks, thread_ts=ts
            )
        except (ChannelUnreachable, SlackClientError, OSError, TimeoutError) as error:
            log.warning("digest of team %s: thread reply not posted: %s", digest.team.id, error)
            break
    if not digest.empty and charts is not None:
        charts.post(client, t, digest, ts)
    elif not digest.empty:
        await _post_chart(client, t, digest, ts, render_in_thread)
    return Outcome(LedgerStatus.SENT, channel, ts)


Render = Callable[[dict[str, Any]], Awaitable[bytes]]


async def render_in_thread(arguments: dict[str, Any]) -> bytes:
    return await asyncio.to_thread(functools.partial(render_trend_chart, **arguments))


class ChartPoster:
    """Posts the North Star chart under each digest, in the background, rendered in a worker
    process.

    matplotlib holds the GIL for about a third of a second per chart: in a thread, a Monday
    with a hundred charts would starve the event loop and delay every other team's digest. A
    process renders them on another core. And a digest does not wait for its chart: the
    ticker's slot goes to the next team as soon as the post is out, the chart follows in the
    thread. `drain` waits for the charts still on their way (`close` does, before a
    `polaris tick` process exits). The pool starts with the first chart (spawned, so it
    inherits no event loop, thread or connection) and is restarted if a worker dies.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or max(1, min(2, (os.cpu_count() or 2) - 1))
        self._pool: ProcessPoolExecutor | None = None
        self._pending: set[asyncio.Task[None]] = set()

    def post(self, client: AsyncWebClient, t: Translator, digest: DigestModel, ts: str) -> None:
        task = asyncio.create_task(_post_chart(client, t, digest, ts, self.render))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def render(self, arguments: dict[str, Any]) -> bytes:
        """The PNG of `bot.charts.render_trend_chart(**arguments)`."""
        if self._pool is None:
            # Charts are a follow-up: on a busy machine, the posts get the CPU first. (A
            # builtin, so the worker imports nothing but matplotlib to run it.)
            nice: dict[str, Any] = (
                {"initializer": os.nice, "initargs": (10,)} if hasattr(os, "nice") else {}
            )
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"), **nice
            )
        call = functools.partial(render_trend_chart, **arguments)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, call)
        except BrokenProcessPool:
            self._pool = None
            raise

    async def drain(self) -> None:
        """Wait until every chart handed to `post` is uploaded (or has failed)."""
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def close(self) -> None:
        await self.drain()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


async def _post_chart(
    client: AsyncWebClient, t: Translator, digest: DigestModel, ts: str, render: Render
) -> None:
    summary = digest.north_star
    if summary is None or summary.metric.trend.current is None:
        return
    try:
        png = await render(chart_arguments(t, summary))
        await client.files_upload_v2(
            channel=digest.team.channel_id,
            thread_ts=ts,
            file=png,
            filename="north-star.png",
            title=chart_title(t, summary),
        )
    except Exception:  # the digest is out: a chart problem must not make the ticker repost it
        log.exception("digest of team %s: chart not posted", digest.team.id)


async def _tell_lead(client: AsyncWebClient, t: Translator, digest: DigestModel, code: str) -> None:
    lead = digest.team.lead_user_id
    log.warning(
        "digest of team %s: channel %s refused (%s)", digest.team.id, digest.team.channel_id, code
    )
    if not lead:
        return
    text = unreachable_text(t, team=digest.team.name, channel_id=digest.team.channel_id, error=code)
    try:
        await notify_user(client, user_id=lead, text=text)
    except (SlackClientError, OSError, TimeoutError) as error:
        log.warning("could not tell lead %s about team %s: %s", lead, digest.team.id, error)


class DigestJob:
    """The scheduled weekly digest of every team (see bot.services.digest for the rules)."""

    kind = DIGEST_KIND

    def __init__(self, *, services: Services, client: AsyncWebClient) -> None:
        self.services = services
        self.client = client
        self.charts = ChartPoster()

    async def close(self) -> None:
        await self.charts.close()

    async def due(self, at: datetime) -> Sequence[DueItem]:
        return [DueItem(d.key, d) for d in await due_digests(db=self.services.db, at=at)]

    async def send(self, item: DueItem, at: datetime) -> Outcome:
        due: DueDigest = item.payload
        if due.missed:
            log.warning(
                "digest of team %s for %s was due %s, more than a day ago: skipped",
                due.team_id, due.period, due.occurrence_at.isoformat(),
            )  # fmt: skip
            return Outcome(LedgerStatus.SKIPPED, error=MISSED)
        try:
            digest = await weekly_digest(
                db=self.services.db, workspace_id=due.workspace_id, team_id=due.team_id, now=at
            )
        except NotFound:  # the team was deleted since `due`
            return Outcome(LedgerStatus.SKIPPED, error="team_not_found")
        if not digest.has_content:
            return Outcome(LedgerStatus.SKIPPED, error=NOTHING_TO_REPORT)
        return await send_digest(
            self.client,
            digest,
            late_since=due.occurrence_at if due.late else None,
            charts=self.charts,
        )


# --- /okr digest [post] ---------------------------------------------------------------------


async def handle_digest_command(req: Request) -> Answer:
    """`/okr digest`: a private preview of the next digest, for anyone in the team's channel.
    `/okr digest post`: post it now (team lead or admin), once per week however many clicks."""
    if " ".join(tokenize(req.args)).lower() in POST_WORDS:
        return after(post_digest_now, req=req)
    return after(preview_digest_privately, req=req)


async def preview_digest_privately(*, req: Request) -> None:
    """The next digest of the channel's team, shown only to the person who asked."""
    preview = await preview_digest(
        db=req.db, workspace_id=req.workspace_id, channel_id=req.channel_id, now=req.now
    )
    if not preview.digest.has_content:
        raise UserError(NOTHING_TO_DIGEST)
    message = build_digest_preview(translator(preview.digest.team.locale), preview)
    await req.tell(message.text, message.blocks)


async def post_digest_now(*, req: Request) -> None:
    """Claim this week's manual digest, post it, record how it went, tell the lead."""
    services, t = req.services, req.t
    manual = await start_manual_digest(
        db=services.db,
        workspace_id=req.workspace_id,
        channel_id=req.channel_id,
        actor=req.actor,
        claimed_by=services.instance_id,
        now=req.now,
        lease=timedelta(seconds=services.settings.polaris_claim_lease_seconds),
    )
    team_channel = manual.digest.team.channel_id
    if manual.entry_id is None:
        await req.tell(manual_already_text(t, team_channel))
        return
    outcome = await send_digest(req.client, manual.digest)
    # A manual post that did not go out stays retryable by the next click, whatever the cause.
    sent = outcome.status is LedgerStatus.SENT
    await record_post_outcome(
        db=services.db,
        entry_id=manual.entry_id,
        status=LedgerStatus.SENT if sent else LedgerStatus.FAILED,
        now=req.now,
        channel=outcome.channel,
        ts=outcome.ts,
        error=outcome.error,
    )
    if sent:
        text = manual_posted_text(t, team_channel)
    else:
        text = manual_failed_text(t, outcome.error or "error")
    await req.tell(text)


__all__ = ["ChartPoster", "DigestJob", "handle_digest_command", "send_digest"]
