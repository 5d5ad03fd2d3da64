"""The weekly digest's scheduled job, and the posting it shares with `/okr digest post`.

Posting order: the main post (joining a public channel if needed), then the thread replies
holding the long lists, then the North Star chart in the thread. Only the main post decides the
outcome recorded in the ledger: once it is out, a failing reply or chart is logged, never
retried, because a retry would post the digest twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.charts import ChartPool
from bot.domain.errors import NotFound
from bot.i18n import Translator, translator
from bot.scheduler import DueItem
from bot.services.digest import (
    DIGEST_KIND,
    MISSED,
    NOTHING_TO_REPORT,
    DueDigest,
    due_digests,
    weekly_digest,
)
from bot.services.ledger import LedgerKey, LedgerStatus, Outcome
from bot.services.read_models import DigestModel
from bot.services.runtime import Services
from handlers.jobs.charts import chart_title, render_north_star_chart
from handlers.slack_io import (
    ChannelUnreachable,
    find_marked_post,
    notify_user,
    outcome_of,
    post_in_channel,
)
from handlers.ui.digest import DigestMessage, build_digest_post, unreachable_text

log = logging.getLogger(__name__)

#: Errors meaning the channel is closed to the bot: private without it (Slack answers
#: channel_not_found, or not_in_channel that joining cannot fix), deleted, archived. The lead
#: is told how to fix it; the digest is skipped (retrying would not help).
LEAD_FIXES = frozenset(
    {"not_in_channel", "method_not_supported_for_channel_type", "channel_not_found", "is_archived"}
)


async def send_digest(
    client: AsyncWebClient,
    digest: DigestModel,
    key: LedgerKey,
    *,
    retry: bool = False,
    late_since: datetime | None = None,
    charts: ChartPoster | None = None,
) -> Outcome:
    """Post a digest in its team's channel, in the team's language. Never raises for Slack
    trouble: the outcome says sent (with the ts), skipped (final) or failed (retry later).
    The post carries `key` as its marker; a `retry` whose post Slack already has stops there.
    `charts` posts the thread (replies, chart) in the background; without it, the thread is
    posted before this returns."""
    t = translator(digest.team.locale)
    post = build_digest_post(t, digest, late_since=late_since)
    channel = digest.team.channel_id
    try:
        found = await find_marked_post(client, channel=channel, key=key) if retry else None
        if found is None:
            ts = await post_in_channel(
                client, channel=channel, text=post.main.text, blocks=post.main.blocks, marker=key
            )
        elif found.has_replies:  # posted whole (or its thread begun) before the attempt broke
            return Outcome(LedgerStatus.SENT, channel, found.ts)
        else:  # the main post is out, its thread is not: finish the digest, not repost it
            ts = found.ts
    except ChannelUnreachable as unreachable:
        if unreachable.error in LEAD_FIXES:
            await _tell_lead(client, digest, unreachable.error)
            return Outcome(LedgerStatus.SKIPPED, channel, error=unreachable.error)
        status, code = outcome_of(unreachable)
        return Outcome(status, channel, error=code)
    except (SlackClientError, OSError, TimeoutError) as error:
        status, code = outcome_of(error)
        return Outcome(status, channel, error=code)
    if charts is not None:
        charts.post(client, t, digest, ts, post.thread)
    else:
        await post_digest_thread(client, t, digest, ts, post.thread)
    return Outcome(LedgerStatus.SENT, channel, ts)


class ChartPoster:
    """Posts each digest's thread (the long lists, then the North Star chart rendered in a
    worker process, see `ChartPool`) in the background: the ticker's send slot goes to the
    next team as soon as the main post is out, instead of waiting through Slack's one message
    per second per channel for the replies. `drain` waits for the threads still on their way
    (`close` does, before a `polaris tick` process exits)."""

    def __init__(self, pool: ChartPool | None = None) -> None:
        self.pool = pool or ChartPool()
        self._pending: set[asyncio.Task[None]] = set()

    def post(
        self,
        client: AsyncWebClient,
        t: Translator,
        digest: DigestModel,
        ts: str,
        replies: Sequence[DigestMessage] = (),
    ) -> None:
        thread = post_digest_thread(client, t, digest, ts, replies, self.pool)
        task = asyncio.create_task(thread)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Wait until every thread handed to `post` is out (or has failed)."""
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def close(self) -> None:
        await self.drain()
        self.pool.close()


async def post_digest_thread(
    client: AsyncWebClient,
    t: Translator,
    digest: DigestModel,
    ts: str,
    replies: Sequence[DigestMessage],
    pool: ChartPool | None = None,
) -> None:
    """The digest's thread: its replies in order, then its chart. The main post is out, so a
    failure here is logged and left: retrying would post the digest twice."""
    channel = digest.team.channel_id
    for reply in replies:
        try:
            await post_in_channel(
                client, channel=channel, text=reply.text, blocks=reply.blocks, thread_ts=ts
            )
        except (ChannelUnreachable, SlackClientError, OSError, TimeoutError) as error:
            log.warning("digest of team %s: thread reply not posted: %s", digest.team.id, error)
            break
    if not digest.empty:
        await post_digest_chart(client, t, digest, ts, pool)


async def post_digest_chart(
    client: AsyncWebClient,
    t: Translator,
    digest: DigestModel,
    ts: str,
    pool: ChartPool | None = None,
) -> None:
    """The North Star chart in the digest's thread (nothing without a reading yet)."""
    summary = digest.north_star
    if summary is None or summary.metric.trend.current is None:
        return
    try:
        png = await render_north_star_chart(t, summary, pool=pool)
        await client.files_upload_v2(
            channel=digest.team.channel_id,
            thread_ts=ts,
            file=png,
            filename="north-star.png",
            title=chart_title(t, summary),
        )
    except Exception:  # the digest is out: a chart problem must not make the ticker repost it
        log.exception("digest of team %s: chart not posted", digest.team.id)


async def _tell_lead(client: AsyncWebClient, digest: DigestModel, code: str) -> None:
    """A DM to the team lead, in their language: the channel refused the digest."""
    lead = digest.team.lead_user_id
    log.warning(
        "digest of team %s: channel %s refused (%s)", digest.team.id, digest.team.channel_id, code
    )
    if not lead:
        return
    t = translator(digest.lead_locale, default=digest.team.locale)
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

    async def ahead(self, at: datetime) -> None:
        """Nothing to prepare: a digest reads what is stored when it is due."""

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
            item.key,
            retry=item.retry,
            late_since=due.occurrence_at if due.late else None,
            charts=self.charts,
        )


__all__ = ["ChartPoster", "DigestJob", "send_digest"]
