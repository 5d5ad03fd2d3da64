"""The one error policy: users get a short answer in their language, operators a traceback."""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
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


Listener = Callable[..., Awaitable[None]]


def guarded(listener: Listener) -> Listener:
    """Register listeners through this: a UserError raised by `listener` (a refusal, something
    not found) is answered to the user right there, after acking if it had not.

    Bolt loses the ack of a listener that raises after acking (the request then times out and
    Slack shows the user an error), so refusals must not travel to `app.error`; anything
    unexpected still does. The wrapper declares every argument it may need and hands the
    listener only those it asks for, as Bolt itself would.
    """
    spec = inspect.getfullargspec(listener)
    wanted = set(spec.args) | set(spec.kwonlyargs)
    takes_all = spec.varkw is not None

    async def run_guarded(
        ack: AsyncAck,
        body: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
        respond: AsyncRespond,
        payload: dict[str, Any],
        action: dict[str, Any] | None,
        command: dict[str, Any] | None,
        view: dict[str, Any] | None,
        event: dict[str, Any] | None,
    ) -> None:
        given = {
            "ack": ack, "body": body, "context": context, "client": client, "respond": respond,
            "payload": payload, "action": action, "command": command, "view": view, "event": event,
        }  # fmt: skip
        try:
            await listener(**{k: v for k, v in given.items() if takes_all or k in wanted})
        except UserError as refused:
            if ack.response is None:
                await ack()
            text = translator_of(context)(refused.message, **refused.values)
            await tell_user(body=body, context=context, client=client, respond=respond, text=text)

    run_guarded.__name__ = run_guarded.__qualname__ = getattr(listener, "__name__", "listener")
    return run_guarded
