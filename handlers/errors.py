"""The one error policy: users get a short answer in their language, operators a traceback."""

from __future__ import annotations

import asyncio
import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import Background
from bot.domain.errors import UserError
from handlers.context import services_of, translator_of

log = logging.getLogger(__name__)


def register(app: AsyncApp) -> None:
    app.error(report_error)


async def report_error(
    error: Exception,
    body: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    respond: AsyncRespond | None = None,
) -> None:
    """Bolt's error handler, also called for errors raised after the ack (see `guarded`)."""
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


class SignallingAck:
    """Bolt's `ack`, which also tells `guarded` that Slack may have its answer now."""

    def __init__(self, ack: AsyncAck, answered: asyncio.Event, background: Background) -> None:
        self._ack = ack
        self._answered = answered
        self._background = background

    @property
    def response(self) -> BoltResponse | None:
        return self._ack.response

    async def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        try:
            response = await self._ack(*args, **kwargs)
        finally:
            self._answered.set()
        # Step aside: this answer, and the others Slack is waiting for, leave before the
        # listener's next step (building the thread line, say) holds the event loop; the
        # steps after that make way for them too.
        self._background.after_ack()
        await self._background.after_answers()
        return response


def guarded(listener: Listener) -> Listener:
    """Register every listener through this. It does two things.

    Slack gets its answer as soon as the listener acks. The app runs with
    `process_before_response=True`, so Bolt answers when the listener returns; the wrapper
    returns at the ack and lets the listener go on as a tracked background task (the thread
    line, the post redrawn, `respond`). Bolt's own way, `process_before_response=False`, polls
    for the ack every 10 ms, which adds up to 10 ms to every answer. Events are acked first.

    Errors have one policy wherever they happen. A UserError (a refusal, something not found)
    is answered to the user right there, after acking if it had not: Bolt would lose the ack of
    a listener that raises after acking, and Slack would show an error. Anything else raised
    before the ack goes to Bolt's `app.error`; after the ack, to the same `report_error`.

    The wrapper declares every argument it may need and hands the listener only those it asks
    for, as Bolt itself would.
    """
    spec = inspect.getfullargspec(listener)
    wanted = set(spec.args) | set(spec.kwonlyargs)
    takes_all = spec.varkw is not None
    name = getattr(listener, "__name__", "listener")

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
        if event is not None and ack.response is None:
            await ack()  # an event needs no content: Slack only waits for the 200
        answered = asyncio.Event()
        background = services_of(context).background
        given = {
            "ack": SignallingAck(ack, answered, background), "body": body, "context": context,
            "client": client, "respond": respond, "payload": payload, "action": action,
            "command": command, "view": view, "event": event,
        }  # fmt: skip

        async def run() -> None:
            try:
                await listener(**{k: v for k, v in given.items() if takes_all or k in wanted})
            except UserError as refused:
                if ack.response is None:
                    await ack()
                text = translator_of(context)(refused.message, **refused.values)
                await tell_user(
                    body=body, context=context, client=client, respond=respond, text=text
                )
            except Exception as error:
                if ack.response is None:
                    raise  # Bolt's app.error answers it, with the HTTP status it chooses
                await report_error(error, body, context, client, respond)
            finally:
                answered.set()

        task = background.spawn(run(), name=name)
        if ack.response is None:
            await answered.wait()
        if task.done():
            task.result()  # raises what the listener raised before acking

    run_guarded.__name__ = run_guarded.__qualname__ = name
    return run_guarded
