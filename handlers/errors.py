"""The one error policy: users get a short answer in their language, operators a traceback."""

from __future__ import annotations

import asyncio
import dataclasses
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
from sqlalchemy.exc import OperationalError

from bot.background import Background
from bot.domain.errors import UserError
from handlers.context import Answer, Request, translator_of
from handlers.slack_io import PooledRespond
from handlers.ui.format import refusal_text
from handlers.ui.forms import UnreadableField, inline_errors
from storage.database import unreachable_reason

log = logging.getLogger(__name__)


def register(app: AsyncApp) -> None:
    app.error(report_error)


async def report_error(
    error: Exception,
    body: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    respond: AsyncRespond | None = None,
) -> BoltResponse | None:
    """Bolt's error handler, also called for errors raised after the ack (see `guarded`)."""
    t = translator_of(context)
    if isinstance(error, OperationalError):
        return await report_unreachable_database(error, body, context, client, respond)
    if isinstance(error, UserError):
        text = refusal_text(t, error)
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
    return None


async def report_unreachable_database(
    error: OperationalError,
    body: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    respond: AsyncRespond | None,
) -> BoltResponse | None:
    """The database is down or restarting: an outage, not a bug. One log line (a traceback
    per request would bury the one line that says why), and the user is told to try again.
    A command or a click gets a 200, so Slack shows our message and not its own error on top;
    an event keeps its 500 (Slack delivers it again later), a modal too (it stays open, for
    another try, instead of closing on what was typed)."""
    log.warning("database unreachable: %s", unreachable_reason(error))
    text = translator_of(context)(
        "Polaris cannot reach its database right now. Please try again in a minute."
    )
    await tell_user(body=body, context=context, client=client, respond=respond, text=text)
    if body.get("type") in ("event_callback", "view_submission"):
        return None
    return BoltResponse(status=200, body="")


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


Listener = Callable[..., Awaitable[Answer | None]]


def guarded(listener: Listener) -> Callable[..., Awaitable[None]]:
    """Register every listener through this. It builds the `Request`, hands the listener the
    parameters it names (`req`, or any attribute of the Request by its name, as FastAPI
    resolves dependencies), acks with the `Answer` it returns and runs its follow-ups.

    Slack gets its answer as soon as the listener returns. The app runs with
    `process_before_response=True`, so Bolt answers when this wrapper returns; the wrapper
    returns at the ack and lets the follow-ups go on as a tracked background task (the thread
    line, the post redrawn, `respond`). Bolt's own way, `process_before_response=False`, polls
    for the ack every 10 ms, which adds up to 10 ms to every answer. Events are acked first.

    Errors have one policy wherever they happen. A UserError (a refusal, something not found)
    is answered to the user right there, after acking if it had not: Bolt would lose the ack of
    a listener that raises after acking, and Slack would show an error. Anything else raised
    before the ack goes to Bolt's `app.error`; after the ack, to the same `report_error`.
    Follow-ups of a stored change are marked `follow_up`: they log, never report a failure.
    A submitted modal field Polaris cannot read (`UnreadableField`, from the one parse in
    handlers/ui/forms.py) is said under that field, the modal left open.
    """
    wanted = list(inspect.signature(listener).parameters)
    name = getattr(listener, "__name__", "listener")
    known = {f.name for f in dataclasses.fields(Request)} | {"req"}
    unknown = [n for n in wanted if n not in known and not hasattr(Request, n)]
    if unknown:  # said at registration, not at the first click
        raise TypeError(f"{name} asks for {unknown}, which a Request does not have")

    async def run_guarded(
        ack: AsyncAck,
        body: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
        respond: AsyncRespond,
        action: dict[str, Any] | None,
        command: dict[str, Any] | None,
        view: dict[str, Any] | None,
        event: dict[str, Any] | None,
    ) -> None:
        if event is not None and ack.response is None:
            await ack()  # an event needs no content: Slack only waits for the 200
        answered = asyncio.Event()
        respond = PooledRespond(respond, client.session)
        req = Request.of(
            context=context, client=client, respond=respond, body=body,
            action=action, command=command, view=view, event=event,
        )  # fmt: skip
        background = req.services.background
        given = {n: req if n == "req" else getattr(req, n) for n in wanted}

        async def run() -> None:
            try:
                answer = await listener(**given)
                await answer_then_follow_up(ack, answer or Answer(), answered, background)
            except UserError as refusal:
                await refuse(ack, req, refusal)
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


async def refuse(ack: AsyncAck, req: Request, refusal: UserError) -> None:
    """Answer a refusal: under its field when a submitted modal has one Polaris cannot read
    (the modal stays open), else privately, after acking if that was not done."""
    submitted = req.body.get("type") == "view_submission"
    if ack.response is None and submitted and isinstance(refusal, UnreadableField):
        await ack(response_action="errors", errors=inline_errors(req.t, refusal))
        return
    if ack.response is None:
        await ack()
    await tell_user(
        body=req.body, context=req.context, client=req.client, respond=req.respond,
        text=refusal_text(req.t, refusal),
    )  # fmt: skip


async def answer_then_follow_up(
    ack: AsyncAck, answer: Answer, answered: asyncio.Event, background: Background
) -> None:
    """Ack with the answer, let it (and the answers Slack is still waiting for) leave before
    the follow-ups hold the event loop, then run them in order."""
    try:
        if ack.response is None:
            await ack(**answer.ack)
    finally:
        answered.set()
    background.after_ack()
    await background.after_answers()
    for work, args, kwargs in answer.steps:
        await work(*args, **kwargs)
