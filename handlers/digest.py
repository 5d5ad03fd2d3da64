"""`/okr digest [post]`: a private preview of the next digest, or posting it now.

Posting itself (order, ledger, what is retried) is the scheduled job's, in `handlers.jobs.digest`.
"""

from __future__ import annotations

from dataclasses import replace
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

#: The words after `/okr digest` that post it now rather than preview it.
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
    t_team = translator(preview.digest.team.locale)  # the post as the channel will read it
    message = build_digest_preview(req.t, preview, t_team=t_team)
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
    outcome = await send_digest(req.client, manual.digest, manual.key, retry=manual.retry)
    # A manual post that did not go out stays retryable by the next click, whatever the cause.
    sent = outcome.status is LedgerStatus.SENT
    if not sent:
        outcome = replace(outcome, status=LedgerStatus.FAILED)
    await record_post_outcome(
        db=services.db, entry_id=manual.entry_id, outcome=outcome, now=req.now
    )
    if sent:
        text = manual_posted_text(t, team_channel)
    else:
        text = manual_failed_text(t, outcome.error or "error")
    await req.tell(text)
