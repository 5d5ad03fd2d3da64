"""The `polaris` command: run, serve, scheduler, tick, db upgrade."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

import typer
import uvicorn
from pydantic import ValidationError
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import OperationalError

from bot.app import Runtime, build_http_app, start_runtime
from bot.config import ConfigurationError, SchedulerMode, Settings
from bot.scheduler import build_scheduler

cli = typer.Typer(
    name="polaris",
    help="Polaris: OKRs around a North Star Metric, inside Slack.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")

T = TypeVar("T")
CONFIG_EXIT_CODE = 2


def fail(message: str) -> typer.Exit:
    typer.echo(f"polaris: {message}", err=True)
    return typer.Exit(CONFIG_EXIT_CODE)


def load_settings(*required: str) -> Settings:
    """Settings from the environment and .env; one clear line and exit 2 if anything is off."""
    try:
        settings = Settings()
        settings.require(*required)
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        raise fail(f"{name} is wrong: {first['msg']}.") from None
    except ConfigurationError as error:
        raise fail(str(error)) from None
    logging.basicConfig(
        level=settings.polaris_log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return settings


def run_async(settings: Settings, body: Callable[[Runtime], Awaitable[T]]) -> T:
    """Start the runtime, check the Slack token, run `body`, always close."""

    async def main() -> T:
        try:
            runtime = await start_runtime(settings)
        except OperationalError as error:
            raise fail(f"cannot open DATABASE_URL: {error.orig}") from None
        try:
            await check_slack_token(runtime)
            return await body(runtime)
        finally:
            await runtime.close()

    return asyncio.run(main())


async def check_slack_token(runtime: Runtime) -> None:
    try:
        await runtime.client.auth_test()
    except SlackApiError as error:
        raise fail(
            f"Slack refused SLACK_BOT_TOKEN ({error.response.get('error')}): copy it again from "
            "api.slack.com/apps → your app → OAuth & Permissions."
        ) from None
    except (SlackClientError, OSError) as error:
        url = runtime.settings.slack_api_url
        raise fail(f"cannot reach Slack at SLACK_API_URL={url}: {error}") from None


@cli.command()
def run() -> None:
    """Socket Mode + scheduler, for a laptop: no public URL needed."""
    settings = load_settings("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")

    async def body(runtime: Runtime) -> None:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        scheduler = None
        if settings.polaris_scheduler is SchedulerMode.ON:
            scheduler = build_scheduler(runtime.ticker)
            scheduler.start()
        handler = AsyncSocketModeHandler(runtime.slack_app, settings.secret("SLACK_APP_TOKEN"))
        try:
            typer.echo("Polaris is running in Socket Mode. Press Ctrl+C to stop.")
            await handler.start_async()  # type: ignore[no-untyped-call]
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)

    run_async(settings, body)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3000,
) -> None:
    """HTTP mode + scheduler: POST /slack/events, GET /healthz, REST API under /api/v1/."""
    settings = load_settings("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")

    async def body(runtime: Runtime) -> None:
        config = uvicorn.Config(
            build_http_app(runtime), host=host, port=port, log_level="info", lifespan="on"
        )
        await uvicorn.Server(config).serve()

    run_async(settings, body)


@cli.command()
def scheduler() -> None:
    """The scheduler alone, for deployments that split web and scheduler."""
    settings = load_settings("SLACK_BOT_TOKEN")

    async def body(runtime: Runtime) -> None:
        scheduler = build_scheduler(runtime.ticker)
        scheduler.start()
        typer.echo("Polaris scheduler is running. Press Ctrl+C to stop.")
        try:
            await asyncio.Event().wait()
        finally:
            scheduler.shutdown(wait=False)

    run_async(settings, body)


def parse_instant(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("use ISO 8601, e.g. 2026-11-27T10:00:00+01:00") from None
    if instant.tzinfo is None:
        raise typer.BadParameter("add a UTC offset, e.g. 2026-11-27T10:00:00+01:00")
    return instant


@cli.command()
def tick(
    at: Annotated[
        str | None, typer.Option(help="The instant to run as, ISO 8601 with offset; default now.")
    ] = None,
) -> None:
    """One scheduler pass as of that instant, then exit."""
    instant = parse_instant(at)
    settings = load_settings("SLACK_BOT_TOKEN")

    async def body(runtime: Runtime) -> str:
        report = await runtime.ticker.tick(instant)
        return report.summary()

    typer.echo(run_async(settings, body))


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to DATABASE_URL."""
    from storage.migrate import current_revision, upgrade

    settings = load_settings()
    try:
        upgrade(settings.database_url)
    except OperationalError as error:
        raise fail(f"cannot open DATABASE_URL: {error.orig}") from None
    typer.echo(f"database at revision {current_revision(settings.database_url)}")


def main() -> None:
    cli()
