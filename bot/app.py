"""The composition root: Settings → database → services → Slack app → HTTP app / scheduler."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_bolt.adapter.starlette.async_handler import (
    to_async_bolt_request,
    to_starlette_response,
)
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import handlers
from bot import logs
from bot.background import yield_to_answers
from bot.config import SchedulerMode, Settings
from bot.scheduler import ScheduledJob, Ticker, build_scheduler
from bot.services.runtime import Services
from handlers.api import api_routes
from handlers.edge import SLACK_MAX_BODY_BYTES, SlackSignature, TooLarge, log_refused, read_body
from handlers.jobs.digest import DigestJob
from handlers.jobs.nudges import NudgeJob
from storage.database import Database, create_engine, unreachable_reason
from storage.migrate import upgrade_async

log = logging.getLogger(__name__)

# How long a stopping process waits for work started before the stop (Slack retries a
# request it got no answer to, but not a follow-up it never knew about).
DRAIN_SECONDS = 10.0


#: Methods that post: a 5xx or a dropped connection can come after Slack posted, so retrying
#: them could post twice. They are never retried blindly; a scheduled post whose outcome is
#: unknown fails, and the next attempt looks for its marker first (`find_marked_post`).
POSTING_METHODS = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.scheduleMessage",
        "files.completeUploadExternal",
    }
)


def _posts(request: HttpRequest) -> bool:
    return request.url.split("?", 1)[0].rsplit("/", 1)[-1] in POSTING_METHODS


class _ServerErrorRetry(AsyncServerErrorRetryHandler):
    """5xx retries, except for posting methods (see POSTING_METHODS)."""

    async def _can_retry_async(self, *, request: HttpRequest, **kwargs: Any) -> bool:
        return not _posts(request) and await super()._can_retry_async(request=request, **kwargs)


class _ConnectionErrorRetry(AsyncConnectionErrorRetryHandler):
    """Connection-reset retries, except for posting methods (see POSTING_METHODS)."""

    async def _can_retry_async(self, *, request: HttpRequest, **kwargs: Any) -> bool:
        return not _posts(request) and await super()._can_retry_async(request=request, **kwargs)


def retry_handlers() -> list[AsyncRetryHandler]:
    """Retries for Slack calls: 429 (Slack did nothing; waits Retry-After) for every method,
    5xx and connection resets only for methods that do not post."""
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        _ServerErrorRetry(max_retry_count=2),
        _ConnectionErrorRetry(max_retry_count=2),
    ]


def build_web_client(
    settings: Settings, session: aiohttp.ClientSession | None = None
) -> AsyncWebClient:
    """The Web API client. Given a `session`, every call (and every per-request client Bolt
    derives from this one) reuses its pooled connections instead of a new TLS handshake each."""
    return AsyncWebClient(
        token=settings.secret("SLACK_BOT_TOKEN"),
        base_url=settings.slack_api_url,
        # Typed int by slack_sdk, handed as is to aiohttp's ClientTimeout, which takes floats.
        timeout=settings.polaris_slack_timeout_seconds,  # type: ignore[arg-type]
        retry_handlers=retry_handlers(),
        session=session,
    )


def slack_session() -> aiohttp.ClientSession:
    """The pooled HTTP session of every Slack call; a call made after an ack makes way for
    the answers Slack is waiting for before it starts."""

    async def before_request(*_: object) -> None:
        await yield_to_answers()

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(before_request)
    return aiohttp.ClientSession(trace_configs=[trace])


@contextmanager
def _token_out_of_bolts_sight() -> Iterator[None]:
    """Bolt falls back on SLACK_BOT_TOKEN from the environment when it is not given a token,
    then warns, when it is also given a client, that the token is unused: the client carries
    the token Polaris read from its settings. Bolt is built without seeing the variable, so
    it has nothing to warn about (no argument of AsyncApp keeps it from looking). Nothing
    awaits in between, so no other task sees the variable missing."""
    token = os.environ.pop("SLACK_BOT_TOKEN", None)
    try:
        yield
    finally:
        if token is not None:
            os.environ["SLACK_BOT_TOKEN"] = token


def build_slack_app(services: Services, client: AsyncWebClient) -> AsyncApp:
    """The Bolt app with every listener registered. Bolt checks no signature: the HTTP edge
    (`build_http_app`) has checked it before Bolt parses the body, and Socket Mode needs none."""
    with _token_out_of_bolts_sight():
        app = AsyncApp(
            client=client,
            request_verification_enabled=False,
            # Bolt answers Slack when the listener returns; every listener is registered
            # through handlers.errors.guarded, which returns at the ack and goes on in the
            # background.
            process_before_response=True,
        )
    handlers.register(app, services)
    return app


def scheduled_jobs(services: Services, client: AsyncWebClient) -> list[ScheduledJob]:
    """The posting jobs run by the ticker, each exactly-once through the ledger."""
    return [NudgeJob(services, client), DigestJob(services=services, client=client)]


@dataclass
class Runtime:
    """Everything a running Polaris process holds, built once by `start_runtime`."""

    settings: Settings
    services: Services
    client: AsyncWebClient
    slack_app: AsyncApp
    ticker: Ticker
    jobs: list[ScheduledJob] = field(default_factory=list)

    async def close(self) -> None:
        # What listeners went on with after acking (thread lines, posts redrawn) ends first:
        # it needs the Slack session and the database closed below.
        await self.services.background.drain(within=DRAIN_SECONDS)
        if self.client.session is not None:
            await self.client.session.close()
        for job in self.jobs:
            # Jobs holding resources (the digest's chart worker) release them here.
            closing = getattr(job, "close", None)
            if closing is not None:
                await closing()
        await self.services.db.dispose()


def instance_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


async def start_runtime(settings: Settings, *, services: Services | None = None) -> Runtime:
    """Build the process: migrate SQLite if needed, open the database, wire the Slack app."""
    if services is None:
        if settings.is_sqlite:
            await upgrade_async(settings.database_url)
        services = Services(
            settings=settings,
            db=Database(create_engine(settings.database_url), before_transaction=yield_to_answers),
            instance_id=instance_name(),
        )
    client = build_web_client(settings, slack_session())
    slack_app = build_slack_app(services, client)
    jobs = scheduled_jobs(services, client)
    return Runtime(
        settings=settings,
        services=services,
        client=client,
        slack_app=slack_app,
        ticker=Ticker(services=services, jobs=jobs),
        jobs=jobs,
    )


def configure_logging(settings: Settings) -> None:
    logs.configure_logging(settings.polaris_log_level, settings.polaris_log_format)


#: Names the process that answered, so an operator behind a load balancer (or a test of
#: `serve --workers N`) can tell the instances apart and match an answer to the ledger's claims.
INSTANCE_HEADER = b"x-polaris-instance"


class _NamingTheInstance:
    """Middleware: every HTTP response carries INSTANCE_HEADER."""

    def __init__(self, app: ASGIApp, instance_id: str) -> None:
        self.app = app
        self.header = (INSTANCE_HEADER, instance_id.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_named(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), self.header]
            await send(message)

        await self.app(scope, receive, send_named)


def http_app_factory() -> Any:
    """The ASGI app of one `polaris serve --workers N` process (uvicorn's `factory=True`).

    uvicorn starts each worker from this import string, in a process of its own: the worker
    reads the settings `polaris serve` checked, and builds its own runtime (engine, Slack
    session, scheduler) when its lifespan starts, since none of them can cross a fork."""
    settings = Settings()
    configure_logging(settings)
    served: list[Any] = []

    @asynccontextmanager
    async def lifespan(_: Router) -> AsyncIterator[None]:
        runtime = await start_runtime(settings)
        app = build_http_app(runtime)
        try:
            async with app.router.lifespan_context(app):  # the scheduler, if it is on
                served.append(app)
                yield
        finally:
            await runtime.close()

    router = Router(lifespan=lifespan)

    async def worker(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await router(scope, receive, send)
        else:
            await served[0](scope, receive, send)

    return worker


def build_http_app(runtime: Runtime) -> Starlette:
    """Starlette app for `polaris serve`: Slack's requests, health check, REST API."""
    secret = runtime.settings.slack_signing_secret
    signature = SlackSignature(secret.get_secret_value() if secret else None)

    async def slack_events(request: Request) -> Response:
        try:
            body = await read_body(request, SLACK_MAX_BODY_BYTES)
        except TooLarge as too_large:
            log_refused(request, size=too_large.size, reason="body too large")
            return JSONResponse({"error": "request too large"}, status_code=413)
        refusal = signature.refusal(body, request.headers)
        if refusal is not None:
            log_refused(request, size=len(body), reason=refusal)
            return JSONResponse({"error": "invalid request"}, status_code=401)
        async with runtime.services.background.answering():
            reply = await runtime.slack_app.async_dispatch(to_async_bolt_request(request, body))
            return to_starlette_response(reply)

    async def healthz(_: Request) -> Response:
        try:
            async with runtime.services.db.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except OperationalError as error:
            log.warning("health check failed: %s", unreachable_reason(error))
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        except Exception as error:  # report, never raise, from a health probe
            log.warning("health check failed: %s", error)
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        scheduler = None
        if runtime.settings.polaris_scheduler is SchedulerMode.ON:
            scheduler = build_scheduler(runtime.ticker)
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            *api_routes(runtime.services),
        ],
        middleware=[Middleware(_NamingTheInstance, instance_id=runtime.services.instance_id)],
        lifespan=lifespan,
    )
