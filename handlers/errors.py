"""The one error policy: users get a short answer in their language, operators a traceback."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.errors import UserError
from handlers.context import translator_of

log = logging.getLogger(__name__)


def register(app: AsyncApp) -> None:
    @app.error
    async def handle_error(
        error: Exception,
        body: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
        respond: AsyncRespond | None = None,
    ) -> None:
        t = translator_of(context)
        if isinstance(error, UserError):
            text = t(error.message, **error.values)
        else:
            reference = uuid.uuid4().hex[:8]
            log.error("unhandled error (reference %s)", reference, exc_info=error)
            text = t(
                "Sorry, something went wrong on our side (reference {reference}). "
                "Please try again; if it keeps happening, give this reference to your Slack "
                "admin.",
                reference=reference,
            )
        await tell_user(body=body, context=context, client=client, respond=respond, text=text)


async def tell_user(
    *,
    body: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    respond: AsyncRespond | None,
    text: str,
) -> None:
    """Answer privately where the user is: the response_url if any, else an ephemeral message."""
    try:
        if respond is not None and context.response_url:
            await respond(text=text, response_type="ephemeral", replace_original=False)
        elif context.channel_id and context.user_id:
            await client.chat_postEphemeral(
                channel=context.channel_id, user=context.user_id, text=text
            )
        elif context.user_id:
            await client.chat_postMessage(channel=context.user_id, text=text)
    except SlackApiError as error:
        log.warning("could not tell the user about an error: %s", error.response.get("error"))
