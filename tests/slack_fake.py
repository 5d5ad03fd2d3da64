"""A recording fake of the Slack Web API for Polaris tests and benchmarks.

`FakeSlack` is a small aiohttp server on 127.0.0.1 (OS-chosen port) that speaks enough of the
Slack Web API for the real `slack_sdk.web.async_client.AsyncWebClient` (and therefore Bolt's
`AsyncApp`) to run against it unmodified::

    async with FakeSlack() as slack:
        client = AsyncWebClient(token="xoxb-test", base_url=slack.base_url)
        await client.chat_postMessage(channel="C1", text="hi")
        [call] = slack.calls_to("chat.postMessage")

Contracts shared by every endpoint:

* Every request that reaches the server is recorded in `FakeSlack.calls`, in arrival order,
  *before* anything else happens - including requests later answered with an injected failure,
  a rate limit, `not_authed` or a validation error. Retries therefore show up as extra calls.
* Arguments are merged from the query string, a form body (urlencoded or multipart) and a JSON
  body, in that order (later sources win). Arguments Slack accepts as JSON-encoded strings
  (`blocks`, `view`, `attachments`, `files`, ...) are decoded when sent as strings.
* The token is taken from ``Authorization: Bearer ...`` or a ``token`` argument (which is then
  removed from `Call.args`). API calls without one are answered ``not_authed``.
* Answers are JSON with an ``ok`` field, like Slack. Slack-level errors use HTTP 200 with
  ``{"ok": false, "error": "<code>"}``; rate limits use HTTP 429 with ``Retry-After``.
* Message blocks and views are validated with slack_sdk's own models (`slack_sdk.models`), so a
  payload that the SDK refuses to serialise is refused here too. Every problem found is also
  appended to `FakeSlack.validation_errors` as ``"<method>: <message>"`` so a test can assert the
  list is empty even when the app swallowed the error.

The fake is deliberately lenient about *existence*: channels never registered with
`add_channel` behave as public channels the bot is a member of (except ids starting with
``CMISSING``, which do not exist), so tests only need to register what they make assertions on.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import itertools
import json
import math
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

JSONDict = dict[str, Any]

#: Slack refuses messages with more blocks than this ("no more than 50 items allowed").
MESSAGE_BLOCKS_MAX = 50
#: Modals and Home tabs may hold at most this many blocks.
VIEW_BLOCKS_MAX = 100

#: Arguments that Slack accepts as JSON-encoded strings in form / query encoded requests.
_JSON_STRING_ARGS = frozenset(
    {"blocks", "attachments", "view", "files", "metadata", "unfurls", "user_auth_blocks"}
)

#: First message ts handed out; each further ts is 100 microseconds later.
_TS_EPOCH_US = 1_700_000_000_000_000

_MESSAGE_METHODS = ("chat.postMessage", "chat.postEphemeral", "chat.update")


@dataclass(frozen=True)
class Call:
    """One request received by the fake.

    Attributes:
        method: the Web API method (``"chat.postMessage"``), ``"upload"`` for a file upload to an
            URL from ``files.getUploadURLExternal``, or ``"response_url:<key>"`` for a POST to
            `FakeSlack.response_url`.
        args: merged query params, form fields and JSON body; JSON-string fields such as
            ``blocks`` / ``view`` are already decoded. The ``token`` argument is not included.
        token: the bearer token or ``token`` argument, ``None`` if the request carried neither.
        at: ``time.monotonic()`` when the request was received (before any simulated latency).
    """

    method: str
    args: dict[str, Any]
    token: str | None
    at: float


@dataclass(frozen=True)
class _Failure:
    status: int
    error: str | None
    retry_after: int | None
    after_serving: bool = False
    delay: float = 0.0


@dataclass(frozen=True)
class _Reply:
    """An HTTP-level answer (status other than 200 and/or extra headers)."""

    status: int
    body: JSONDict
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _User:
    user_id: str
    team_id: str
    locale: str
    tz: str
    tz_offset: int
    name: str
    real_name: str
    is_admin: bool
    is_owner: bool
    deleted: bool
    is_bot: bool
    status_text: str = ""
    status_emoji: str = ""
    status_expiration: int = 0
    dnd_window: tuple[int, int] = (0, 0)  # do not disturb (start, end) epoch seconds; (0, 0): none


@dataclass
class _Channel:
    channel_id: str
    name: str
    is_private: bool
    is_member: bool
    members: list[str]

    @property
    def is_im(self) -> bool:
        return self.channel_id.startswith("D")


@dataclass
class _File:
    file_id: str
    name: str
    length: int
    size: int | None = None  # set once the bytes were POSTed to the upload URL


_Handler = Callable[[Call], "JSONDict | _Reply"]


def _error(code: str, **extra: Any) -> JSONDict:
    return {"ok": False, "error": code, **extra}


def _truthy(value: Any) -> bool:
    """Slack's reading of boolean arguments: JSON true, or the strings "true" / "1"."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _tz_offset(tz: str) -> int:
    """Current UTC offset of `tz` in seconds (0 if the zone is unknown on this machine)."""
    try:
        offset = datetime.now(UTC).astimezone(ZoneInfo(tz)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset is not None else 0


def _null_entries(value: Any, pointer: str) -> list[str]:
    """JSON pointers of ``None`` list entries in an SDK-rendered dict.

    `Block.parse` / `BlockElement.parse` do not raise on an unknown ``type``: they log a warning
    and put ``None`` in its place, which then survives `to_dict()`. Slack rejects such payloads,
    so we look for those holes.
    """
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _null_entries(item, f"{pointer}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if item is None:
                found.append(f"{pointer}/{index}")
            else:
                found += _null_entries(item, f"{pointer}/{index}")
    return found


def _block_problems(raw: Any, pointer: str) -> list[str]:
    """Problems with one block, as Slack-style ``"<message> [json-pointer:<pointer>]"`` strings.

    The block is parsed with `slack_sdk.models.blocks.Block.parse` and rendered with
    `.to_dict()`, which runs the SDK's validators (text lengths, element counts, ...) on the
    block and, recursively, on every parsed element inside it.
    """
    if not isinstance(raw, dict):
        return [f"block must be a JSON object [json-pointer:{pointer}]"]
    if "type" not in raw:
        return [f"block is missing `type` [json-pointer:{pointer}]"]
    try:
        block = Block.parse(copy.deepcopy(raw))
        if block is None:
            return [f"unsupported block type {raw['type']!r} [json-pointer:{pointer}]"]
        rendered = block.to_dict()
    except Exception as exc:  # SlackObjectFormationError (limits); TypeError/KeyError (malformed)
        return [f"{raw['type']} block: {type(exc).__name__}: {exc} [json-pointer:{pointer}]"]
    return [
        f"unsupported or malformed element [json-pointer:{hole}]"
        for hole in _null_entries(rendered, pointer)
    ]


def _block_list_problems(blocks: Any, *, limit: int, pointer: str) -> list[str]:
    """Problems with a ``blocks`` array: its type, its length (`limit`) and every block in it."""
    if not isinstance(blocks, list):
        return [f"blocks must be a JSON array [json-pointer:{pointer}]"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"no more than {limit} items allowed [json-pointer:{pointer}]")
    for index, raw in enumerate(blocks):
        problems += _block_problems(raw, f"{pointer}/{index}")
    return problems


def _view_problems(method: str, view: Any) -> list[str]:
    """Problems with the ``view`` argument of a ``views.*`` method.

    Surface rules: ``views.open`` / ``views.push`` take modals, ``views.publish`` only Home tabs
    (``views.update`` takes either); modals need a title; ``blocks`` is required. Each block goes
    through `_block_problems`, with 1 to `VIEW_BLOCKS_MAX` blocks, and the view's own fields
    through `slack_sdk.models.views.View(**view).to_dict()` (title/submit/close <= 24 chars,
    private_metadata <= 3000, callback_id <= 255, home tabs without submit/close, ...).
    """
    if not isinstance(view, dict):
        return ["view must be a JSON object [json-pointer:/view]"]
    problems: list[str] = []
    view_type = view.get("type")
    if method == "views.publish" and view_type != "home":
        problems.append(f"views.publish only accepts home views, got {view_type!r}")
    elif method in ("views.open", "views.push") and view_type != "modal":
        problems.append(f"{method} only accepts modal views, got {view_type!r}")
    if view_type == "modal" and not view.get("title"):
        problems.append("a modal requires a title [json-pointer:/view/title]")
    if "blocks" not in view:
        problems.append("missing required field: blocks [json-pointer:/view/blocks]")
    else:
        problems += _block_list_problems(
            view["blocks"], limit=VIEW_BLOCKS_MAX, pointer="/view/blocks"
        )
    # Blocks were checked one by one above, with precise pointers. To have the SDK check the
    # rest without repeating those messages, it gets a stand-in block - except for an empty
    # list, which is kept so that its "between 1 and 100 blocks" rule still applies.
    # (The SDK stops at the first failing validator, so this adds at most one message.)
    meta = {key: value for key, value in view.items() if key != "blocks"}
    meta["blocks"] = [] if view.get("blocks") == [] else [{"type": "divider"}]
    try:
        View(**meta).to_dict()
    except Exception as exc:  # SlackObjectFormationError, or TypeError/KeyError if malformed
        problems.append(f"{type(exc).__name__}: {exc} [json-pointer:/view]")
    return problems


def _paginate(items: list[Any], args: JSONDict, *, default_limit: int) -> tuple[list[Any], str]:
    """Cursor pagination like Slack's: returns (page, next_cursor); the cursor is an offset."""
    try:
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit") or default_limit)
    except ValueError:
        start, limit = 0, default_limit
    if limit <= 0:
        limit = len(items) or 1
    page = items[start : start + limit]
    next_cursor = str(start + limit) if start + limit < len(items) else ""
    return page, next_cursor


class FakeSlack:
    """Recording fake of the Slack Web API (see the module docstring for shared contracts).

    Args:
        latency: seconds every request waits before it is answered (for benchmarks). The
            request is recorded on arrival, before the wait.
        channel_post_interval: if set, at most one accepted ``chat.postMessage`` per channel
            per this many seconds. A faster post is answered HTTP 429 with ``Retry-After``
            (whole seconds, rounded up) and ``{"ok": false, "error": "ratelimited"}``, like
            Slack's per-channel limit. Rejected posts do not restart the window.
        validate_later: accept Block Kit and views unchecked while serving, and check them
            all in `validate_recorded` (for benchmarks: validating with slack_sdk's models
            costs CPU the system under test would otherwise compete with).
    """

    team_id: str = "T0001"
    team_name: str = "Acme"
    team_domain: str = "acme"
    bot_user_id: str = "UBOT"
    bot_id: str = "BBOT"
    app_id: str = "A0001"

    def __init__(
        self,
        *,
        latency: float = 0.0,
        channel_post_interval: float | None = None,
        validate_later: bool = False,
    ) -> None:
        self.latency = latency
        self.validate_later = validate_later
        self.channel_post_interval = channel_post_interval
        #: Every request received, in arrival order.
        self.calls: list[Call] = []
        #: Every Block Kit / view problem found, as ``"<method>: <message>"``.
        self.validation_errors: list[str] = []

        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._failures: dict[str, deque[_Failure]] = {}
        self._users: dict[str, _User] = {}
        self._channels: dict[str, _Channel] = {}
        self._messages: dict[tuple[str, str], JSONDict] = {}
        self._last_post_at: dict[str, float] = {}
        self._views: dict[str, JSONDict] = {}
        # Every view as Slack stored it (with id and hash), in order: tests submit these.
        self.view_history: list[JSONDict] = []
        self._external_ids: dict[str, str] = {}
        self._home_views: dict[str, str] = {}
        self._files: dict[str, _File] = {}
        self._ts_counter = itertools.count(1)
        self._id_counter = itertools.count(1)
        self._handlers: dict[str, _Handler] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "dnd.info": self._dnd_info,
            "users.list": self._users_list,
            "conversations.info": self._conversations_info,
            "conversations.join": self._conversations_join,
            "conversations.open": self._conversations_open,
            "conversations.members": self._conversations_members,
            "conversations.list": self._conversations_list,
            "conversations.history": self._conversations_history,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start serving on 127.0.0.1 with an OS-chosen port."""
        if self._runner is not None:
            raise RuntimeError("FakeSlack is already started")
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        app.router.add_post("/response/{key}", self._handle_response_url)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop serving. Recorded calls stay available."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>/`` (raises RuntimeError before `start`)."""
        if self._port is None:
            raise RuntimeError("FakeSlack is not started")
        return f"http://127.0.0.1:{self._port}/"

    @property
    def base_url(self) -> str:
        """Web API base URL with trailing slash; pass it to ``AsyncWebClient(base_url=...)``."""
        return f"{self.root_url}api/"

    def response_url(self, key: str = "default") -> str:
        """A response_url; POSTs to it are recorded as ``Call(method="response_url:<key>")``.

        The JSON (or form) body becomes `Call.args`. Blocks in it are validated like messages;
        on a problem the answer is HTTP 400 ``invalid_blocks`` (plain text, as Slack does).
        """
        return f"{self.root_url}response/{key}"

    # ------------------------------------------------------------------ inspection

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls to `method`, in arrival order."""
        return [call for call in self.calls if call.method == method]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the fake's documented API
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Wait until at least `count` calls to `method` (matching `where`) were recorded.

        Returns all matching calls at that moment (possibly more than `count`).

        Raises:
            AssertionError: after `timeout` seconds, listing how many calls of each method
                were seen.
        """
        deadline = time.monotonic() + timeout
        while True:
            matching = [
                call
                for call in self.calls
                if call.method == method and (where is None or where(call))
            ]
            if len(matching) >= count:
                return matching
            if time.monotonic() >= deadline:
                seen = dict(Counter(call.method for call in self.calls))
                condition = " matching `where`" if where is not None else ""
                raise AssertionError(
                    f"expected {count} call(s) to {method!r}{condition} within {timeout}s, "
                    f"got {len(matching)}; calls seen: {seen or 'none'}"
                )
            await asyncio.sleep(0.01)

    def last_view(self, callback_id: str | None = None) -> JSONDict:
        """The latest view opened, pushed, updated or published (optionally by callback_id)."""
        for view in reversed(self.view_history):
            if callback_id is None or view.get("callback_id") == callback_id:
                return view
        raise AssertionError(f"no view with callback_id {callback_id!r} was shown")

    def validate_recorded(self) -> None:
        """With `validate_later`: check every recorded message and view now, recording the
        problems in `validation_errors` as if they had been checked on arrival."""
        for call in self.calls:
            if call.method.startswith("views."):
                problems = _view_problems(call.method, call.args.get("view"))
            elif "blocks" in call.args:
                problems = _block_list_problems(
                    call.args["blocks"], limit=MESSAGE_BLOCKS_MAX, pointer="/blocks"
                )
            else:
                continue
            self._record_problems(call.method, problems)

    def clear(self) -> None:
        """Forget recorded calls and validation errors.

        Workspace state (users, channels, posted messages, views, files), pending injected
        failures and the per-channel pacing clock are kept.
        """
        self.calls.clear()
        self.validation_errors.clear()

    # ------------------------------------------------------------------ set-up

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        after_serving: bool = False,
        delay: float = 0.0,
    ) -> None:
        """Answer the next `times` calls of `method` with a failure instead of serving them.
        With ``after_serving=True`` the call is served first (a message is posted) and only
        the answer is lost: what a 5xx or a dropped connection after Slack acted looks like.
        ``delay`` holds the answer back that many seconds (beyond a client's timeout: the
        call times out; with ``after_serving``, after Slack acted).

        * ``status=429``: HTTP 429, ``Retry-After: <retry_after or 1>``, body
          ``{"ok": false, "error": error or "ratelimited"}``.
        * ``status=200``: a Slack error code, ``{"ok": false, "error": error}`` (`error` required).
        * any other status (e.g. 500, 503): that HTTP status with body
          ``{"ok": false, "error": error or "internal_error"}`` (+ ``Retry-After`` if given).

        `method` may also be ``"upload"`` or ``"response_url:<key>"``. Failures queue up in
        order; injected failures are served before the token check and channel pacing.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        if status == 200 and not error:
            raise ValueError("a failure with HTTP 200 needs a Slack error code")
        queue = self._failures.setdefault(method, deque())
        failure = _Failure(status, error, retry_after, after_serving, delay)
        queue.extend(failure for _ in range(times))

    def add_user(
        self,
        user_id: str,
        *,
        team_id: str = "T0001",
        locale: str = "en-US",
        tz: str = "Europe/Paris",
        tz_offset: int | None = None,
        name: str | None = None,
        real_name: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        deleted: bool = False,
        is_bot: bool = False,
        status_text: str = "",
        status_emoji: str = "",
        status_expiration: int = 0,
        dnd_window: tuple[int, int] = (0, 0),
    ) -> None:
        """Register (or replace) a user for ``users.info`` / ``users.list`` (and ``dnd.info``:
        `dnd_window`, their next or running do not disturb, epoch seconds).

        `tz_offset` defaults to the current UTC offset of `tz`; `name` to the lower-cased id;
        `real_name` to `name`.
        """
        display = name if name is not None else user_id.lower()
        self._users[user_id] = _User(
            user_id=user_id,
            team_id=team_id,
            locale=locale,
            tz=tz,
            tz_offset=_tz_offset(tz) if tz_offset is None else tz_offset,
            name=display,
            real_name=real_name if real_name is not None else display,
            is_admin=is_admin,
            is_owner=is_owner,
            deleted=deleted,
            is_bot=is_bot,
            status_text=status_text,
            status_emoji=status_emoji,
            status_expiration=status_expiration,
            dnd_window=dnd_window,
        )

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str,
        is_private: bool = False,
        is_member: bool = True,
        members: list[str] | None = None,
    ) -> None:
        """Register (or replace) a channel.

        `members` are the human members; the bot (`bot_user_id`) is added to
        ``conversations.members`` answers while `is_member` is true. Posting to a public channel
        the bot is not in fails ``not_in_channel``; to such a private one ``channel_not_found``.
        """
        self._channels[channel_id] = _Channel(
            channel_id=channel_id,
            name=name,
            is_private=is_private,
            is_member=is_member,
            members=list(members or []),
        )

    # ------------------------------------------------------------------ HTTP plumbing

    async def _read_args(self, request: web.Request) -> tuple[JSONDict, str | None]:
        """Merge query, form and JSON arguments; extract the token (see module docstring)."""
        args: JSONDict = dict(request.query)
        if request.body_exists:
            if request.content_type == "application/json":
                raw = await request.read()
                body = json.loads(raw) if raw.strip() else {}
                if not isinstance(body, dict):
                    raise ValueError("JSON body must be an object")
                args.update(body)
            elif request.content_type in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, str):
                        args[key] = value
                    elif isinstance(value, web.FileField):  # a file part (legacy files.upload)
                        args[key] = {"filename": value.filename, "size": len(value.file.read())}
                    else:
                        args[key] = bytes(value).decode("utf-8", "replace")
        for key in _JSON_STRING_ARGS & args.keys():
            if isinstance(args[key], str):
                # An undecodable string is left as is: validation reports it where it matters.
                with contextlib.suppress(ValueError):
                    args[key] = json.loads(args[key])
        token: str | None = None
        authorization = request.headers.get("Authorization", "")
        if authorization.startswith("Bearer "):
            token = authorization.removeprefix("Bearer ").strip() or None
        arg_token = args.pop("token", None)
        if token is None and arg_token:
            token = str(arg_token)
        return args, token

    async def _begin(
        self, method: str, args: JSONDict, token: str | None, received: float
    ) -> tuple[Call, _Reply | None]:
        """Record the call, apply latency, and pop an injected failure if one is queued."""
        call = Call(method=method, args=args, token=token, at=received)
        self.calls.append(call)
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        queue = self._failures.get(method)
        if not queue:
            return call, None
        failure = queue.popleft()
        if failure.after_serving:
            handler = self._handlers.get(method)
            if handler is not None:
                handler(call)
        if failure.delay:
            await asyncio.sleep(failure.delay)
        headers: dict[str, str] = {}
        if failure.status == 429:
            headers["Retry-After"] = str(1 if failure.retry_after is None else failure.retry_after)
            body = _error(failure.error or "ratelimited")
        elif failure.status == 200:
            body = _error(failure.error or "fatal_error")
        else:
            if failure.retry_after is not None:
                headers["Retry-After"] = str(failure.retry_after)
            body = _error(failure.error or "internal_error")
        return call, _Reply(failure.status, body, headers)

    @staticmethod
    def _respond(result: JSONDict | _Reply) -> web.Response:
        if isinstance(result, _Reply):
            return web.json_response(result.body, status=result.status, headers=result.headers)
        return web.json_response(result)

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        received = time.monotonic()
        try:
            args, token = await self._read_args(request)
        except ValueError:
            self.calls.append(Call(method=method, args={}, token=None, at=received))
            return web.json_response(_error("invalid_json"))
        call, injected = await self._begin(method, args, token, received)
        if injected is not None:
            return self._respond(injected)
        if token is None:
            return web.json_response(_error("not_authed"))
        handler = self._handlers.get(method)
        if handler is None:
            return web.json_response(_error("unknown_method", req_method=method))
        # Handlers are synchronous, so each one sees and mutates state atomically.
        return self._respond(handler(call))

    async def _handle_upload(self, request: web.Request) -> web.Response:
        # Slack's upload endpoint (files.slack.com/upload/v1/...) answers text/plain "OK - <size>".
        received = time.monotonic()
        file_id = request.match_info["file_id"]
        data = await request.read()
        args: JSONDict = {"file_id": file_id, "size": len(data)}
        _, injected = await self._begin("upload", args, None, received)
        if injected is not None:
            return self._respond(injected)
        upload = self._files.get(file_id)
        if upload is None:
            return web.Response(status=404, text="file not found", content_type="text/plain")
        upload.size = len(data)
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        # Slack answers response_url POSTs with plain text: "ok", or an error code and HTTP 4xx.
        method = f"response_url:{request.match_info['key']}"
        received = time.monotonic()
        try:
            args, _ = await self._read_args(request)
        except ValueError:
            self.calls.append(Call(method=method, args={}, token=None, at=received))
            return web.Response(status=400, text="invalid_payload", content_type="text/plain")
        _, injected = await self._begin(method, args, None, received)
        if injected is not None:
            return self._respond(injected)
        problems: list[str] = []
        if "blocks" in args and not self.validate_later:
            problems = _block_list_problems(
                args["blocks"], limit=MESSAGE_BLOCKS_MAX, pointer="/blocks"
            )
        if problems:
            self._record_problems(method, problems)
            return web.Response(status=400, text="invalid_blocks", content_type="text/plain")
        has_content = args.get("text") or args.get("blocks") or args.get("attachments")
        if not has_content and not _truthy(args.get("delete_original")):
            self._record_problems(method, ["no text, blocks or attachments"])
            return web.Response(status=400, text="no_text", content_type="text/plain")
        return web.Response(text="ok", content_type="text/plain")

    # ------------------------------------------------------------------ helpers

    def _next_ts(self) -> str:
        micros = _TS_EPOCH_US + 100 * next(self._ts_counter)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._id_counter):010d}"

    def _record_problems(self, method: str, problems: list[str]) -> None:
        self.validation_errors.extend(f"{method}: {problem}" for problem in problems)

    def _invalid(self, method: str, code: str, problems: list[str]) -> JSONDict:
        """Record `problems` and build Slack's error answer for them."""
        self._record_problems(method, problems)
        return _error(
            code,
            errors=problems,
            response_metadata={"messages": [f"[ERROR] {problem}" for problem in problems]},
        )

    def _message_problems(self, call: Call) -> JSONDict | None:
        """Validate message content; None if fine, else Slack's error answer (and record it)."""
        args = call.args
        if "blocks" in args and not self.validate_later:
            problems = _block_list_problems(
                args["blocks"], limit=MESSAGE_BLOCKS_MAX, pointer="/blocks"
            )
            if problems:
                return self._invalid(call.method, "invalid_blocks", problems)
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            # Slack: "no_text" when a message has neither text, blocks nor attachments.
            return self._invalid(call.method, "no_text", ["no text, blocks or attachments"])
        return None

    def _channel(self, channel_id: str) -> _Channel | None:
        """A registered channel, an implicit one (unregistered ids), or None for CMISSING*."""
        if channel_id.startswith("CMISSING"):
            return None
        registered = self._channels.get(channel_id)
        if registered is not None:
            return registered
        # Unregistered ids behave as public channels (or DMs for D...) the bot is a member of.
        return _Channel(channel_id, channel_id.lower(), False, True, [])

    def _postable_channel(self, channel_arg: Any) -> tuple[str, str | None]:
        """Resolve a channel argument for posting: (channel_id, error code or None).

        A user id (``U...``/``W...``) posts to the DM with that user, as Slack does.
        """
        channel_id = str(channel_arg or "")
        if not channel_id:
            return channel_id, "channel_not_found"
        if channel_id[0] in "UW":
            return f"D{channel_id}", None
        channel = self._channel(channel_id)
        if channel is None:
            return channel_id, "channel_not_found"
        if not channel.is_member and not channel.is_im:
            # A private channel the bot is not in is invisible to it.
            return channel_id, "channel_not_found" if channel.is_private else "not_in_channel"
        return channel_id, None

    def _channel_json(self, channel: _Channel, *, num_members: bool = False) -> JSONDict:
        if channel.is_im:
            return {
                "id": channel.channel_id,
                "is_im": True,
                "user": channel.channel_id[1:],
                "is_open": True,
            }
        body: JSONDict = {
            "id": channel.channel_id,
            "name": channel.name,
            "is_channel": not channel.is_private,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": channel.is_private,
            "is_archived": False,
            "is_general": False,
            "is_member": channel.is_member,
            "context_team_id": self.team_id,
            "created": 1_700_000_000,
        }
        if num_members:
            body["num_members"] = len(self._member_ids(channel))
        return body

    def _member_ids(self, channel: _Channel) -> list[str]:
        members = list(channel.members)
        if channel.is_member and self.bot_user_id not in members:
            members.append(self.bot_user_id)
        return members

    def _user_json(self, user: _User, *, include_locale: bool) -> JSONDict:
        body: JSONDict = {
            "id": user.user_id,
            "team_id": user.team_id,
            "name": user.name,
            "deleted": user.deleted,
            "real_name": user.real_name,
            "tz": user.tz,
            "tz_label": user.tz,
            "tz_offset": user.tz_offset,
            "is_admin": user.is_admin,
            "is_owner": user.is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
            "profile": {
                "real_name": user.real_name,
                "real_name_normalized": user.real_name,
                "display_name": user.name,
                "display_name_normalized": user.name,
                "team": user.team_id,
                "status_text": user.status_text,
                "status_emoji": user.status_emoji,
                "status_expiration": user.status_expiration,
            },
        }
        if include_locale:  # Slack only returns locale when asked (include_locale=true)
            body["locale"] = user.locale
        return body

    def _message_json(self, args: JSONDict, ts: str) -> JSONDict:
        message: JSONDict = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": args.get("text", ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in args:
                message[key] = args[key]
        return message

    # ------------------------------------------------------------------ auth / chat

    def _auth_test(self, call: Call) -> JSONDict:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": "polaris",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, call: Call) -> JSONDict | _Reply:
        channel_id, problem = self._postable_channel(call.args.get("channel"))
        now = time.monotonic()
        if self.channel_post_interval is not None and channel_id in self._last_post_at:
            # Slack's "1 message per second per channel": checked before anything else.
            remaining = self._last_post_at[channel_id] + self.channel_post_interval - now
            if remaining > 0:
                retry_after = max(1, math.ceil(remaining))
                return _Reply(429, _error("ratelimited"), {"Retry-After": str(retry_after)})
        if problem is not None:
            return _error(problem)
        invalid = self._message_problems(call)
        if invalid is not None:
            return invalid
        ts = self._next_ts()
        message = self._message_json(call.args, ts)
        self._messages[(channel_id, ts)] = message
        self._last_post_at[channel_id] = now
        return {"ok": True, "channel": channel_id, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, call: Call) -> JSONDict:
        _, problem = self._postable_channel(call.args.get("channel"))
        if problem is not None:
            return _error(problem)
        if not call.args.get("user"):
            return _error("user_not_found")
        invalid = self._message_problems(call)
        if invalid is not None:
            return invalid
        # Ephemeral messages are not stored: they cannot be updated through chat.update.
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_update(self, call: Call) -> JSONDict:
        invalid = self._message_problems(call)
        if invalid is not None:
            return invalid
        channel_id = str(call.args.get("channel") or "")
        ts = str(call.args.get("ts") or "")
        message = self._messages.get((channel_id, ts))
        if message is None:
            return _error("message_not_found")
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in call.args:
                message[key] = call.args[key]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel_id,
            "ts": ts,
            "text": message.get("text", ""),
            "message": message,
        }

    def _chat_delete(self, call: Call) -> JSONDict:
        channel_id = str(call.args.get("channel") or "")
        ts = str(call.args.get("ts") or "")
        if self._messages.pop((channel_id, ts), None) is None:
            return _error("message_not_found")
        return {"ok": True, "channel": channel_id, "ts": ts}

    def _chat_get_permalink(self, call: Call) -> JSONDict:
        # Lenient: any channel/ts pair gets a permalink (the message may come from an event).
        channel_id = str(call.args.get("channel") or "")
        ts = str(call.args.get("message_ts") or "")
        if not channel_id or not ts:
            return _error("invalid_arguments")
        if self._channel(channel_id) is None:
            return _error("channel_not_found")
        return {
            "ok": True,
            "channel": channel_id,
            "permalink": (
                f"https://{self.team_domain}.slack.com/archives/{channel_id}/p{ts.replace('.', '')}"
            ),
        }

    # ------------------------------------------------------------------ views

    def _store_view(self, view_id: str, view: JSONDict, *, root_view_id: str | None) -> JSONDict:
        """Store and return the view as Slack echoes it (ids, a fresh hash, empty state)."""
        stored: JSONDict = {
            **view,
            "id": view_id,
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "app_installed_team_id": self.team_id,
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._id_counter):08x}",
            "root_view_id": root_view_id or view_id,
            "previous_view_id": None,
        }
        self._views[view_id] = stored
        self.view_history.append(stored)
        if stored["external_id"]:
            self._external_ids[stored["external_id"]] = view_id
        return stored

    def _checked_view(self, call: Call) -> JSONDict | None:
        if self.validate_later:
            return None
        problems = _view_problems(call.method, call.args.get("view"))
        if problems:
            # Slack reports view problems as invalid_arguments with response_metadata.messages.
            return self._invalid(call.method, "invalid_arguments", problems)
        return None

    def _refused_new_view(self, call: Call) -> JSONDict | None:
        """Why views.open or views.push refuses `call` (no trigger, an invalid view), if so."""
        if not (call.args.get("trigger_id") or call.args.get("interactivity_pointer")):
            return _error("invalid_arguments")
        return self._checked_view(call)

    def _views_open(self, call: Call) -> JSONDict:
        refused = self._refused_new_view(call)
        if refused is not None:
            return refused
        view: JSONDict = call.args["view"]
        if view.get("external_id") in self._external_ids:
            return _error("duplicate_external_id")
        return {"ok": True, "view": self._store_view(self._next_id("V"), view, root_view_id=None)}

    def _views_push(self, call: Call) -> JSONDict:
        refused = self._refused_new_view(call)
        if refused is not None:
            return refused
        view: JSONDict = call.args["view"]
        return {"ok": True, "view": self._store_view(self._next_id("V"), view, root_view_id=None)}

    def _views_update(self, call: Call) -> JSONDict:
        view_id = call.args.get("view_id")
        external_id = call.args.get("external_id")
        if not view_id and external_id:
            view_id = self._external_ids.get(str(external_id))
        if not view_id and not external_id:
            return _error("invalid_arguments")
        invalid = self._checked_view(call)
        if invalid is not None:
            return invalid
        current = self._views.get(str(view_id or ""))
        if current is None:
            return _error("not_found")
        given_hash = call.args.get("hash")
        if given_hash and given_hash != current["hash"]:
            return _error("hash_conflict")  # the view changed since the caller read it
        stored = self._store_view(
            current["id"], call.args["view"], root_view_id=current["root_view_id"]
        )
        return {"ok": True, "view": stored}

    def _views_publish(self, call: Call) -> JSONDict:
        user_id = str(call.args.get("user_id") or "")
        if not user_id:
            return _error("invalid_arguments")
        invalid = self._checked_view(call)
        if invalid is not None:
            return invalid
        view_id = self._home_views.get(user_id)
        given_hash = call.args.get("hash")
        if view_id is not None and given_hash and given_hash != self._views[view_id]["hash"]:
            return _error("hash_conflict")
        if view_id is None:
            view_id = self._home_views[user_id] = self._next_id("V")
        return {"ok": True, "view": self._store_view(view_id, call.args["view"], root_view_id=None)}

    # ------------------------------------------------------------------ users / conversations

    def _users_info(self, call: Call) -> JSONDict:
        user = self._users.get(str(call.args.get("user") or ""))
        if user is None:
            return _error("user_not_found")
        include_locale = _truthy(call.args.get("include_locale"))
        return {"ok": True, "user": self._user_json(user, include_locale=include_locale)}

    def _dnd_info(self, call: Call) -> JSONDict:
        user = self._users.get(str(call.args.get("user") or ""))
        if user is None:
            return _error("user_not_found")
        # As Slack answers a bot about someone else: the window, never their snooze_* fields.
        start, end = user.dnd_window
        return {
            "ok": True,
            "dnd_enabled": bool(end),
            "next_dnd_start_ts": start,
            "next_dnd_end_ts": end,
        }

    def _users_list(self, call: Call) -> JSONDict:
        include_locale = _truthy(call.args.get("include_locale"))
        members = [
            self._user_json(user, include_locale=include_locale) for user in self._users.values()
        ]
        page, next_cursor = _paginate(members, call.args, default_limit=0)
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_info(self, call: Call) -> JSONDict:
        channel = self._channel(str(call.args.get("channel") or "CMISSING"))
        if channel is None or (channel.is_private and not channel.is_member):
            return _error("channel_not_found")
        num_members = _truthy(call.args.get("include_num_members"))
        return {"ok": True, "channel": self._channel_json(channel, num_members=num_members)}

    def _conversations_join(self, call: Call) -> JSONDict:
        channel_id = str(call.args.get("channel") or "CMISSING")
        channel = self._channel(channel_id)
        if channel is None:
            return _error("channel_not_found")
        if channel.is_private or channel.is_im:
            return _error("method_not_supported_for_channel_type")
        answer: JSONDict = {"ok": True}
        if channel.is_member and channel_id in self._channels:
            answer["warning"] = "already_in_channel"
        channel.is_member = True
        self._channels[channel_id] = channel  # implicit channels become registered
        answer["channel"] = self._channel_json(channel)
        return answer

    def _conversations_open(self, call: Call) -> JSONDict:
        users = [u for u in str(call.args.get("users") or "").split(",") if u.strip()]
        if not users:
            return _error("users_list_not_supplied")
        if len(users) == 1:
            channel_id = f"D{users[0].strip()}"
        else:  # a multi-person DM
            channel_id = "G" + "".join(sorted(u.strip() for u in users))
        return {"ok": True, "channel": {"id": channel_id}}

    def _conversations_history(self, call: Call) -> JSONDict:
        """Newest first, thread replies left out; message metadata only with
        ``include_all_metadata``, as Slack does."""
        channel_id, problem = self._postable_channel(call.args.get("channel"))
        if problem is not None:
            return _error(problem)
        with_metadata = _truthy(call.args.get("include_all_metadata"))
        replies = collections.Counter(
            m["thread_ts"]
            for (channel, ts), m in self._messages.items()
            if channel == channel_id and m.get("thread_ts", ts) != ts
        )
        messages = [
            {k: v for k, v in message.items() if with_metadata or k != "metadata"}
            | ({"reply_count": replies[message["ts"]]} if replies[message["ts"]] else {})
            for (channel, _), message in sorted(
                self._messages.items(), key=lambda item: float(item[0][1]), reverse=True
            )
            if channel == channel_id and message.get("thread_ts", message["ts"]) == message["ts"]
        ]
        page, next_cursor = _paginate(messages, call.args, default_limit=100)
        return {
            "ok": True,
            "messages": page,
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_members(self, call: Call) -> JSONDict:
        channel = self._channel(str(call.args.get("channel") or "CMISSING"))
        if channel is None or (channel.is_private and not channel.is_member):
            return _error("channel_not_found")
        page, next_cursor = _paginate(self._member_ids(channel), call.args, default_limit=100)
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_list(self, call: Call) -> JSONDict:
        types = set(str(call.args.get("types") or "public_channel").split(","))
        listed = [
            self._channel_json(channel)
            for channel in self._channels.values()
            if not channel.is_im
            and (
                ("private_channel" in types and channel.is_private and channel.is_member)
                or ("public_channel" in types and not channel.is_private)
            )
        ]
        page, next_cursor = _paginate(listed, call.args, default_limit=100)
        return {"ok": True, "channels": page, "response_metadata": {"next_cursor": next_cursor}}

    # ------------------------------------------------------------------ files (upload v2 flow)

    def _files_get_upload_url_external(self, call: Call) -> JSONDict:
        filename = call.args.get("filename")
        try:
            length = int(call.args.get("length", ""))
        except ValueError:
            return _error("invalid_arguments")
        if not filename:
            return _error("invalid_arguments")
        file_id = self._next_id("F")
        self._files[file_id] = _File(file_id=file_id, name=str(filename), length=length)
        return {"ok": True, "upload_url": f"{self.root_url}upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, call: Call) -> JSONDict:
        requested = call.args.get("files")
        if not isinstance(requested, list) or not requested:
            return _error("invalid_arguments")
        channel_id = call.args.get("channel_id")
        if channel_id and self._channel(str(channel_id)) is None:
            return _error("channel_not_found")
        completed: list[JSONDict] = []
        for item in requested:
            upload = self._files.get(str(item.get("id"))) if isinstance(item, dict) else None
            if upload is None or upload.size is None:
                return _error("file_not_found")  # unknown id, or bytes never uploaded
            completed.append(
                {
                    "id": upload.file_id,
                    "name": upload.name,
                    "title": item.get("title") or upload.name,
                    "size": upload.size,
                    "channels": [str(channel_id)] if channel_id else [],
                }
            )
        if channel_id:  # a shared file is a message of the channel (or thread), as in Slack
            ts = self._next_ts()
            args = {"thread_ts": call.args["thread_ts"]} if call.args.get("thread_ts") else {}
            self._messages[(str(channel_id), ts)] = self._message_json(args, ts) | {
                "files": completed
            }
        return {"ok": True, "files": completed}
