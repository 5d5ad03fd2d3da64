"""The weekly digest in Slack: the scheduled job that posts it, and `/okr digest [post]`.

Posting order: the main post (joining a public channel if needed), then the thread replies
holding the long lists, then the North Star chart in the thread. Only the main post decides the
outcome recorded in the ledger: once it is out, a failing reply or chart is logged, never
retried, because a retry would post the digest twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.domain.errors import UserError
from bot.i18n import translator
from bot.services.digest import (
    NOTHING_TO_DIGEST,
    preview_digest,
    start_manual_digest,
)
from bot.services.ledger import LedgerStatus, record_post_outcome
from handlers.args import tokenize
from handlers.context import Answer, Request, after
from handlers.jobs.digest import send_digest
from handlers.ui.digest import (
    build_digest_preview,
    manual_already_text,
    manual_failed_text,
    manual_posted_text,
)

log = logging.getLogger(__name__)

#: Errors meaning the channel is closed to the bot: private without it (Slack answers
#: channel_not_found, or not_in_channel that joining cannot fix), deleted, archived. The lead
#: is told how to fix it; the digest is skipped (retrying would not help).
POST_WORDS = {"post", "publish", "now", "publier", "poster"}


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
