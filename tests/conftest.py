"""Fixtures shared by every layer: databases, the fake Slack, the real app over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from bot.app import Runtime, build_http_app, start_runtime
from bot.config import Settings
from bot.services.runtime import Services
from handlers import commands
from handlers.ids import Subcommand
from storage.database import Database, create_engine
from storage.migrate import upgrade
from tests.databases import (
    create_pg_database,
    drop_pg_database,
    on_postgresql,
    postgresql_server,
)
from tests.serving import serve_asgi
from tests.signing import event_body, interaction_body, slack_signature_headers, slash_command_body
from tests.slack_fake import FakeSlack

SIGNING_SECRET = "test-signing-secret"
_triggers = itertools.count(1)
BOT_TOKEN = "xoxb-test-token"


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head once per session: a SQLite template file, or a PostgreSQL
    database created on the TEST_DATABASE_URL server (and dropped at the end)."""
    if on_postgresql():
        url = create_pg_database()
        upgrade(url)
        yield url
        drop_pg_database(url)
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    yield str(path)


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """A migrated PostgreSQL database for a test that needs one whatever the suite runs on
    (several processes on one port, the database going away): see `postgresql_server`."""
    server = postgresql_server()
    url = create_pg_database("polaris_pg", server=server)
    upgrade(url)
    yield url
    drop_pg_database(url, server=server)


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for one test."""
    if on_postgresql():
        yield migrated_database
        truncate_all(migrated_database)
        return
    path = tmp_path / "polaris.db"
    shutil.copy(migrated_database, path)
    yield f"sqlite:///{path}"


def truncate_all(url: str) -> None:
    from sqlalchemy import create_engine as create_sync_engine

    from storage.database import sync_url

    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    engine = create_sync_engine(sync_url(url))
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(create_engine(database_url))
    yield database
    await database.dispose()


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user("U1", locale="en-US", tz="Europe/Paris", real_name="Ada Lovelace")
        fake.add_user("UFR", locale="fr-FR", tz="Europe/Paris", real_name="Camille Martin")
        fake.add_channel("C1", name="growth")
        yield fake


@pytest.fixture
def settings(database_url: str, fake_slack: FakeSlack) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.base_url,
        database_url=database_url,
        polaris_scheduler="off",
    )


@dataclass
class PolarisServer:
    """The real app served by uvicorn on a loopback port, and ways to talk to it like Slack."""

    url: str
    runtime: Runtime
    fake: FakeSlack
    http: httpx.AsyncClient

    async def post_signed(
        self,
        body: bytes,
        *,
        content_type: str,
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        signed = slack_signature_headers(secret, body, timestamp=timestamp)
        return await self.http.post(
            "/slack/events",
            content=body,
            headers={"Content-Type": content_type, **signed, **(headers or {})},
        )

    def command_body(
        self, text: str, *, user_id: str = "U1", channel_id: str = "C1", **kwargs: Any
    ) -> bytes:
        """A slash command's body; each has its own trigger_id, as Slack's have (a command's
        check-in is keyed on it: two commands with one trigger_id are one sent twice)."""
        kwargs.setdefault("trigger_id", f"1337.42.{next(_triggers)}")
        return slash_command_body(
            text=text,
            user_id=user_id,
            channel_id=channel_id,
            response_url=self.fake.response_url(user_id),
            **kwargs,
        )

    async def command(
        self, text: str, *, user_id: str = "U1", channel_id: str = "C1", **kwargs: Any
    ) -> httpx.Response:
        body = self.command_body(text, user_id=user_id, channel_id=channel_id, **kwargs)
        return await self.post_signed(body, content_type="application/x-www-form-urlencoded")

    async def event(
        self, event: dict[str, Any], *, event_id: str, retry_num: int | None = None
    ) -> httpx.Response:
        headers = {"X-Slack-Retry-Num": str(retry_num)} if retry_num else None
        return await self.post_signed(
            event_body(event, event_id=event_id),
            content_type="application/json",
            headers=headers,
        )

    async def interaction(self, payload: dict[str, Any]) -> httpx.Response:
        return await self.post_signed(
            interaction_body(payload), content_type="application/x-www-form-urlencoded"
        )

    async def settled(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - a test helper
        """Wait until the work earlier requests went on with after their ack has finished
        (an objective's post sent and its ts stored, a thread line, a redraw)."""
        background = self.runtime.services.background
        deadline = time.monotonic() + timeout
        while background.pending:
            assert time.monotonic() < deadline, f"{background.pending} tasks still running"
            await asyncio.sleep(0.005)


def ack_json(response: httpx.Response) -> dict[str, Any]:
    """The body Bolt acknowledged with (Slack shows it to the user for commands)."""
    assert response.status_code == 200, response.text
    return json.loads(response.text) if response.text else {}


@contextlib.asynccontextmanager
async def polaris_server(runtime: Runtime, fake: FakeSlack) -> AsyncIterator[PolarisServer]:
    """Serve `runtime`'s HTTP app with a client to it; the runtime is closed on exit."""
    try:
        async with (
            serve_asgi(build_http_app(runtime)) as url,
            httpx.AsyncClient(base_url=url, timeout=10) as http,
        ):
            yield PolarisServer(url=url, runtime=runtime, fake=fake, http=http)
    finally:
        await runtime.close()


@pytest.fixture
def clock() -> list[datetime]:
    """A settable clock for the app: tests append or replace `clock[0]`."""
    return [datetime(2026, 11, 23, 9, 0, tzinfo=UTC)]


@pytest.fixture
async def polaris(
    settings: Settings, fake_slack: FakeSlack, database_url: str
) -> AsyncIterator[PolarisServer]:
    async with polaris_server(await start_runtime(settings), fake_slack) as server:
        yield server


@pytest.fixture
async def polaris_on_clock(
    settings: Settings, fake_slack: FakeSlack, database_url: str, clock: list[datetime]
) -> AsyncIterator[PolarisServer]:
    """The real app over HTTP whose services read `clock[0]` (claims, leases, commands): for
    the scheduler, driven by `polaris.runtime.ticker.tick(at)` as `polaris tick --at` does."""
    services = Services(
        settings=settings,
        db=Database(create_engine(database_url)),
        instance_id="test-instance",
        clock=lambda: clock[0],
    )
    runtime = await start_runtime(settings, services=services)
    async with polaris_server(runtime, fake_slack) as server:
        yield server


@pytest.fixture
def services(db: Database, settings: Settings, clock: list[datetime]) -> Services:
    """Services over the test database with a fixed clock (`clock[0]`)."""
    return Services(settings=settings, db=db, instance_id="test", clock=lambda: clock[0])


def replace_okr_list(
    monkeypatch: pytest.MonkeyPatch, listener: Callable[[Any], Awaitable[Any]]
) -> None:
    """Make `/okr list` run `listener` for this test: a stand-in that is slow, breaks or refuses,
    to see what Slack gets from the machinery around every listener."""
    monkeypatch.setitem(commands.SUBCOMMANDS, Subcommand.LIST, listener)
