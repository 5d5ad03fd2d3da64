"""The `polaris` command: run, serve, scheduler, tick, db upgrade."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, get_args

import typer
import uvicorn
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import OperationalError

from bot.app import Runtime, build_http_app, configure_logging, start_runtime
from bot.config import ConfigurationError, Locale, SchedulerMode, Settings
from bot.scheduler import TickReport, build_scheduler
from storage.database import unreachable_reason

if TYPE_CHECKING:  # imported lazily at run time, like every command's heavy imports
    from bot.i18n import Translator
    from bot.services.read_models import ImportReport

# Plain help and errors: Typer's rich panels show a `<bool>` type next to every flag, and
# box a usage error in a dozen characters of frame.
PLAIN = {"rich_markup_mode": None, "no_args_is_help": True}

cli = typer.Typer(
    name="polaris",
    help="Polaris: OKRs around a North Star Metric, inside Slack.",
    add_completion=False,
    pretty_exceptions_enable=False,
    **PLAIN,  # type: ignore[arg-type]
)
db_cli = typer.Typer(help="Database schema.", **PLAIN)  # type: ignore[arg-type]
cli.add_typer(db_cli, name="db")

T = TypeVar("T")
CONFIG_EXIT_CODE = 2


DISTRIBUTION = "polaris-okr"


def show_version(asked: bool) -> None:
    if asked:
        typer.echo(f"polaris {metadata.version(DISTRIBUTION)}")
        raise typer.Exit()


@cli.callback()
def polaris(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=show_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Polaris: OKRs around a North Star Metric, inside Slack."""


def fail(message: str) -> typer.Exit:
    typer.echo(f"polaris: {message}", err=True)
    return typer.Exit(CONFIG_EXIT_CODE)


def load_settings(*required: str) -> Settings:
    """Settings from the environment and .env; one clear line and exit 2 if anything is off."""
    try:
        settings = Settings.load()
        settings.require(*required)
    except ConfigurationError as error:
        raise fail(str(error)) from None
    configure_logging(settings)
    return settings


def run_async(settings: Settings, body: Callable[[Runtime], Awaitable[T]]) -> T:
    """Start the runtime, check the Slack token, run `body`, always close."""

    async def main() -> T:
        try:
            runtime = await start_runtime(settings)
        except OperationalError as error:
            raise database_failure(error) from None
        try:
            await check_slack_token(runtime)
            return await body(runtime)
        except OperationalError as error:  # the database went away, or never answered
            raise database_failure(error) from None
        finally:
            await runtime.close()

    return asyncio.run(main())


def database_failure(error: OperationalError) -> typer.Exit:
    """One line for an unreachable database: the driver's first line says why."""
    return fail(f"cannot open DATABASE_URL: {unreachable_reason(error)}")


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
    host: Annotated[str, typer.Option(metavar="HOST", help="Interface to listen on.")] = "0.0.0.0",
    port: Annotated[int, typer.Option(metavar="PORT", help="Port to listen on.")] = 3000,
    workers: Annotated[
        int,
        typer.Option(min=1, metavar="N", help="Web processes sharing the port (PostgreSQL only)."),
    ] = 1,
) -> None:
    """HTTP mode + scheduler: POST /slack/events, GET /healthz, REST API under /api/v1/."""
    settings = load_settings("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    if workers > 1 and settings.is_sqlite:
        raise fail(
            f"--workers {workers} needs PostgreSQL: SQLite is one process (one writer). "
            "Set DATABASE_URL=postgresql://… or serve without --workers."
        )
    typer.echo(serving_line(settings, host=host, port=port, workers=workers))
    if workers > 1:
        # Checked once here, so a wrong token or database is one line, not one per worker.
        run_async(settings, lambda _: asyncio.sleep(0))
        uvicorn.run(
            "bot.app:http_app_factory", factory=True, workers=workers,
            host=host, port=port, log_level="info", lifespan="on",
            log_config=uvicorn_log_config(settings),
        )  # fmt: skip
        return

    async def body(runtime: Runtime) -> None:
        config = uvicorn.Config(
            build_http_app(runtime), host=host, port=port, log_level="info", lifespan="on",
            log_config=uvicorn_log_config(settings),
        )  # fmt: skip
        await uvicorn.Server(config).serve()

    run_async(settings, body)


def uvicorn_log_config(settings: Settings) -> dict[str, Any] | None:
    """uvicorn's own text format, or none in JSON: its lines then reach Polaris's handler,
    so a log collector gets JSON on every line."""
    return None if settings.polaris_log_format == "json" else uvicorn.config.LOGGING_CONFIG


def serving_line(settings: Settings, *, host: str, port: int, workers: int) -> str:
    """What `polaris serve` runs, in one line: processes, database, scheduler."""
    database = "SQLite" if settings.is_sqlite else "PostgreSQL"
    if settings.polaris_scheduler is SchedulerMode.OFF:
        scheduler = "scheduler off (run `polaris scheduler` apart)"
    elif workers > 1:
        scheduler = "scheduler on in each worker, one ticks at a time"
    else:
        scheduler = "scheduler on"
    processes = f"{workers} worker processes" if workers > 1 else "1 process"
    return f"Polaris serves http://{host}:{port}: {processes}, {database}, {scheduler}."


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
        str | None,
        typer.Option(
            metavar="INSTANT", help="The instant to run as, ISO 8601 with offset; default now."
        ),
    ] = None,
) -> None:
    """One scheduler pass as of that instant, then exit."""
    instant = parse_instant(at)
    settings = load_settings("SLACK_BOT_TOKEN")

    async def body(runtime: Runtime) -> TickReport:
        return await runtime.ticker.tick(instant)

    report = run_async(settings, body)
    if report.database_error is not None:  # went away mid-tick: the next tick retries
        raise fail(report.summary())
    typer.echo(report.summary())


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to DATABASE_URL."""
    from storage.migrate import current_revision, upgrade

    settings = load_settings()
    try:
        upgrade(settings.database_url)
    except OperationalError as error:
        raise database_failure(error) from None
    typer.echo(f"database at revision {current_revision(settings.database_url)}")


readings_cli = typer.Typer(help="North Star and input metric readings.", **PLAIN)  # type: ignore[arg-type]
cli.add_typer(readings_cli, name="readings")


@readings_cli.command("import")
def readings_import(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.csv",
            help="CSV file with a header: metric,date,value (`nsm` or an input metric's name; "
            "YYYY-MM-DD; the value).",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    channel: Annotated[
        str,
        typer.Option(
            metavar="CHANNEL",
            help="The team's home channel: its id (C…, or #C…) or its link "
            "(https://….slack.com/archives/C…).",
        ),
    ],
    workspace: Annotated[
        str | None,
        typer.Option(
            metavar="T…", help="The Slack workspace id, if several have a team in the channel."
        ),
    ] = None,
    keep_valid: Annotated[
        bool,
        typer.Option("--keep-valid", help="Import the valid lines even when others are wrong."),
    ] = False,
    locale: Annotated[
        str,
        typer.Option(
            metavar="en|fr", help="How the numbers are written: en (1,234.5) or fr (1 234,5)."
        ),
    ] = "en",
) -> None:
    """Import the history of readings from a CSV file: all lines or none (see --keep-valid)."""
    from bot.domain.errors import UserError
    from bot.domain.readings_csv import parse_readings_csv
    from bot.i18n import translator
    from bot.services.readings import import_readings
    from storage.database import Database, create_engine
    from storage.migrate import upgrade_async

    channel = channel_id(channel)
    if locale not in get_args(Locale):
        raise fail(f"--locale {locale} is not allowed: use {' or '.join(get_args(Locale))}.")
    settings = load_settings()
    t = translator(locale)
    try:
        parsed = parse_readings_csv(
            file.read_text(encoding="utf-8-sig"), parse_number=t.parse_number
        )
    except UserError as error:
        raise fail(t(error.message, **error.values)) from None
    except (UnicodeDecodeError, OSError) as error:
        raise fail(f"cannot read {file}: {error}") from None

    async def body() -> ImportReport:
        if settings.is_sqlite:
            await upgrade_async(settings.database_url)
        db = Database(create_engine(settings.database_url))
        try:
            with typer.progressbar(length=parsed.lines, label="Checking readings") as bar:
                return await import_readings(
                    db=db,
                    channel_id=channel,
                    workspace_id=workspace,
                    parsed=parsed,
                    actor="import",
                    now=datetime.now(UTC),
                    keep_valid=keep_valid,
                    progress=bar.update,
                )
        finally:
            await db.dispose()

    try:
        report = asyncio.run(body())
    except UserError as error:
        raise fail(t(error.message, **error.values)) from None
    except OperationalError as error:
        raise database_failure(error) from None
    _echo_import_report(t, report)


def channel_id(given: str) -> str:
    """The channel id in what an operator copies from Slack: `C0123`, `#C0123`, a mention
    `<#C0123|growth>` or the channel's link `https://acme.slack.com/archives/C0123`.

    A name (`#growth`) is refused in one line: the commands that take --channel read only the
    database, which knows channels by id, and asking Slack would need its token for this alone.
    Slack writes channel names in lower case and ids in upper case, which tells them apart."""
    value = given.strip().strip("<>")
    if "/archives/" in value:
        value = value.split("/archives/", 1)[1].split("/", 1)[0].split("?", 1)[0]
    value = value.lstrip("#").split("|", 1)[0]
    if value[:1] in ("C", "G") and value.isalnum() and value == value.upper():
        return value
    raise fail(
        f"--channel {given} is not a channel id: this command reads the database, which knows "
        "channels by id. Give the id (C…, at the bottom of the channel's details in Slack) "
        "or the channel's link (the channel's name → Copy link)."
    )


def _echo_import_report(t: Translator, report: ImportReport) -> None:
    """The import's line errors on stderr, then what was imported; exit 1 if nothing was."""
    for problem in report.errors:
        # The CSV's column names the field: messages people read in Slack never do.
        message = t(problem.message, **problem.values)
        typer.echo(f"line {problem.line}: {problem.field}: {message}", err=True)
    if not report.written:
        typer.echo(
            f"nothing imported: {len(report.errors)} line(s) with errors. Fix them, or import "
            "the valid lines with --keep-valid.",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(
        f"imported {report.imported} reading(s) into {report.team.name}: "
        f"{report.replaced} replaced an earlier one, {len(report.errors)} line(s) skipped."
    )


def main() -> None:
    cli(prog_name="polaris")
