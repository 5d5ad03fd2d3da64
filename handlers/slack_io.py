"""Posting to Slack where its quirks need one well-tested answer."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import aiohttp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import Block
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.services.ledger import LedgerKey, LedgerStatus

log = logging.getLogger(__name__)

# Slack errors that will not go away by retrying: the scheduled post is recorded as skipped.
FINAL_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "account_inactive",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "not_in_channel",  # only reached for private channels: public ones are joined
        "restricted_action",
        "invalid_auth",
        "token_revoked",
        "missing_scope",
    }
)


#: The message metadata event type of every scheduled post: its payload holds the ledger key.
MARKER_EVENT = "polaris_scheduled_post"
#: How far back an uncertain post is looked for. A retried attempt comes a minute (failed) or
#: a lease (crashed) after the first, so its post, if Slack has it, is among the latest
#: messages; the key carries the period, so an older week's post never matches.
MARKER_LOOKBACK = 200


#: What a Slack call raises when Slack, or the way to it, fails.
SLACK_TROUBLE = (SlackClientError, OSError, TimeoutError)


class ChannelUnreachable(Exception):
    """The bot cannot post in a channel (private and not invited, archived, deleted)."""

    def __init__(self, channel: str, error: str) -> None:
        super().__init__(f"{channel}: {error}")
        self.channel = channel
        self.error = error


async def post_in_channel(
    client: AsyncWebClient,
    *,
    channel: str,
    text: str,
    blocks: Sequence[Block] | None = None,
    thread_ts: str | None = None,
    marker: LedgerKey | None = None,
) -> str:
    """Post and return the message ts. A public channel the bot is not in is joined first
    (Slack answers `not_in_channel`); anything else unreachable raises ChannelUnreachable.
    A scheduled post carries its ledger `marker` (see `find_marked_post`)."""
    kwargs: dict[str, Any] = {
        "channel": channel,
        "text": text,
        "blocks": blocks,
        "thread_ts": thread_ts,
        "metadata": marker_metadata(marker) if marker else None,
    }
    try:
        response = await client.chat_postMessage(**kwargs)
    except SlackApiError as error:
        code = str(error.response.get("error"))
        if code != "not_in_channel":
            raise ChannelUnreachable(channel, code) from error
        try:
            await client.conversations_join(channel=channel)
            response = await client.chat_postMessage(**kwargs)
        except SlackApiError as again:
            raise ChannelUnreachable(channel, str(again.response.get("error"))) from again
    return str(response["ts"])


def marker_metadata(key: LedgerKey) -> dict[str, Any]:
    """Slack message metadata naming the scheduled post's ledger key."""
    return {"event_type": MARKER_EVENT, "event_payload": {"key": key.marker}}


@dataclass(frozen=True)
class MarkedPost:
    """A scheduled post found in Slack; `has_replies` tells whether its thread was started."""

    channel: str
    ts: str
    has_replies: bool


async def find_marked_post(
    client: AsyncWebClient, *, channel: str, key: LedgerKey
) -> MarkedPost | None:
    """The post carrying `key`'s marker among the channel's latest messages, or None.

    `chat.postMessage` is not idempotent: an attempt that timed out or got a 5xx may have
    posted all the same, so a retried attempt asks Slack before sending again. A user id
    stands for the DM with them, as when posting. Slack errors propagate (the caller's attempt
    fails and is retried later), so a post is never re-sent on a guess; only an installation
    without the history scopes sends without looking (and logs it)."""
    try:
        if channel[:1] in ("U", "W"):
            opened = await client.conversations_open(users=channel)
            channel = str(opened["channel"]["id"])
        history = await client.conversations_history(
            channel=channel, limit=MARKER_LOOKBACK, include_all_metadata=True
        )
    except SlackApiError as error:
        if error.response.get("error") != "missing_scope":
            raise
        # Installed before Polaris asked for the history scopes: sending beats never sending.
        log.warning("cannot look for an earlier post in %s (missing_scope): reinstall", channel)
        return None
    for message in history.get("messages") or []:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") == MARKER_EVENT and payload.get("key") == key.marker:
            return MarkedPost(channel, str(message["ts"]), bool(message.get("reply_count")))
    return None


async def update_message(
    client: AsyncWebClient, *, channel: str, ts: str, text: str, blocks: Sequence[Block]
) -> bool:
    """Refresh a posted message; False if Slack refused (deleted message, lost channel)."""
    try:
        await client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    except SlackApiError as error:
        log.warning("could not refresh %s/%s: %s", channel, ts, error.response.get("error"))
        return False
    return True


# views.update refusals that only mean the modal moved on: closed, or changed since the click
# (a second click, a newer page). The newer view stands; nothing to tell.
STALE_VIEW_ERRORS = frozenset({"hash_conflict", "not_found", "view_not_found"})


async def update_view(client: AsyncWebClient, *, view_id: str, hash: str | None, view: Any) -> bool:
    """Redraw an open modal; False when it is gone or changed since. Raises other refusals."""
    try:
        await client.views_update(view_id=view_id, hash=hash, view=view)
    except SlackApiError as error:
        if error.response.get("error") not in STALE_VIEW_ERRORS:
            raise
        log.info("modal %s not redrawn: %s", view_id, error.response.get("error"))
        return False
    return True


async def notify_user(
    client: AsyncWebClient,
    *,
    user_id: str,
    text: str,
    channel: str | None = None,
    blocks: Sequence[Block] | None = None,
) -> None:
    """Tell one person something privately: ephemeral in `channel` when possible, else a DM,
    else a log line. It follows a change already stored (or a refusal already decided), so
    Slack refusing both is never reported to anyone as the change failing."""
    if channel and not channel.startswith("D"):
        try:
            await client.chat_postEphemeral(channel=channel, user=user_id, text=text, blocks=blocks)
            return
        except SLACK_TROUBLE as error:
            log.info("ephemeral in %s failed (%s); sending a DM", channel, _reason(error))
    try:
        await client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
    except SLACK_TROUBLE as error:
        log.warning("could not tell %s (%s): %.200s", user_id, _reason(error), text)


def _reason(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or error.response.status_code)
    return type(error).__name__


F = TypeVar("F", bound=Callable[..., Awaitable[None]])


def follow_up(work: F) -> F:
    """Mark a follow-up of a change that is already stored (a thread line, a post redrawn,
    the Home tab re-published): if it fails, the failure is logged, never reported as the
    change failing. The person's data is safe, and telling them otherwise would make them
    record it twice."""

    @functools.wraps(work)
    async def run(*args: Any, **kwargs: Any) -> None:
        try:
            await work(*args, **kwargs)
        except Exception:  # one place on purpose: see the docstring
            log.exception("follow-up %s failed; the change itself is stored", work.__name__)

    return cast(F, run)


def outcome_of(error: Exception) -> tuple[LedgerStatus, str]:
    """How a scheduled post that raised should be recorded: skipped for good when Slack says
    the target is gone or closed to us, failed (retried by the next tick) otherwise (rate
    limits that outlasted the client's retries, 5xx, network trouble)."""
    if isinstance(error, ChannelUnreachable):
        code = error.error
    elif isinstance(error, SlackApiError):
        code = str(error.response.get("error"))
    elif isinstance(error, SlackClientError | OSError | TimeoutError):
        return LedgerStatus.FAILED, f"{type(error).__name__}: {error}"[:255]
    else:
        raise error
    return (LedgerStatus.SKIPPED if code in FINAL_ERRORS else LedgerStatus.FAILED), code


class PooledRespond(AsyncRespond):
    """Bolt's `respond` (a reply through the request's response_url) over the app's pooled
    HTTP session. Bolt's own opens a new aiohttp session, and so a new connection (a TLS
    handshake with Slack), for every reply, then closes it: that was the costliest part of
    answering a command after its ack. Without a session, Bolt's behaviour."""

    def __init__(self, respond: AsyncRespond, session: aiohttp.ClientSession | None) -> None:
        super().__init__(response_url=respond.response_url, proxy=respond.proxy, ssl=respond.ssl)
        self._session = session

    async def __call__(self, text: str | dict[str, Any] = "", **kwargs: Any) -> WebhookResponse:  # type: ignore[override]
        if self.response_url is None or self._session is None or self._session.closed:
            return await super().__call__(text, **kwargs)
        message = (
            _build_message(**text)
            if isinstance(text, dict)
            else _build_message(text=text, **kwargs)
        )
        client = AsyncWebhookClient(url=self.response_url, session=self._session)
        return await client.send_dict(message)
