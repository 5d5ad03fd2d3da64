"""`/okr digest [post]`: a private preview of the next digest, or the digest posted now (the
weekly one is posted by handlers.jobs.digest)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.errors import UserError
from bot.i18n import Translator, translator
from bot.services.digest import NOTHING_TO_DIGEST, preview_digest, start_manual_digest
from bot.services.ledger import LedgerStatus, record_post_outcome
from bot.services.runtime import Services
from handlers.context import actor_of, services_of, translator_of
from handlers.jobs.digest import send_digest
from handlers.ui.digest import (
    build_digest_preview,
    manual_already_text,
    manual_failed_text,
    manual_posted_text,
)

POST_WORDS = {"post", "publish", "now", "publier", "poster"}


# --- /okr digest [post] ---------------------------------------------------------------------


async def handle_digest_command(
    *,
    ack: AsyncAck,
    args: str,
    command: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    respond: AsyncRespond,
    **_: Any,
) -> None:
    """`/okr digest`: a private preview of the next digest, for anyone in the team's channel.
    `/okr digest post`: post it now (team lead or admin), once per week however many clicks."""
    await ack()
    services, t = services_of(context), translator_of(context)
    channel_id = command.get("channel_id", "")
    if args.strip().lower() not in POST_WORDS:
        preview = await preview_digest(
            db=services.db,
            workspace_id=context.team_id or "",
            channel_id=channel_id,
            now=services.clock(),
        )
        if not preview.digest.has_content:
            raise UserError(NOTHING_TO_DIGEST)
        message = build_digest_preview(translator(preview.digest.team.locale), preview)
        await respond(response_type="ephemeral", text=message.text, blocks=message.blocks)
        return
    await post_digest_now(
        services=services,
        client=client,
        respond=respond,
        t=t,
        context=context,
        channel_id=channel_id,
    )


async def post_digest_now(
    *,
    services: Services,
    client: AsyncWebClient,
    respond: AsyncRespond,
    t: Translator,
    context: AsyncBoltContext,
    channel_id: str,
) -> None:
    """Claim this week's manual digest, post it, record how it went, tell the lead."""
    manual = await start_manual_digest(
        db=services.db,
        workspace_id=context.team_id or "",
        channel_id=channel_id,
        actor=actor_of(context),
        claimed_by=services.instance_id,
        now=services.clock(),
        lease=timedelta(seconds=services.settings.polaris_claim_lease_seconds),
    )
    team_channel = manual.digest.team.channel_id
    if manual.entry_id is None:
        await respond(response_type="ephemeral", text=manual_already_text(t, team_channel))
        return
    outcome = await send_digest(client, manual.digest)
    # A manual post that did not go out stays retryable by the next click, whatever the cause.
    sent = outcome.status is LedgerStatus.SENT
    await record_post_outcome(
        db=services.db,
        entry_id=manual.entry_id,
        status=LedgerStatus.SENT if sent else LedgerStatus.FAILED,
        now=services.clock(),
        channel=outcome.channel,
        ts=outcome.ts,
        error=outcome.error,
    )
    if sent:
        text = manual_posted_text(t, team_channel)
    else:
        text = manual_failed_text(t, outcome.error or "error")
    await respond(response_type="ephemeral", text=text)


__all__ = ["handle_digest_command"]
