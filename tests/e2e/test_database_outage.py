"""PostgreSQL going away in the middle of a Friday tick, then coming back, under a running
instance (a TCP proxy between the app and the database is cut, then restored): while it is
away /healthz says so, Slack's requests get a clear answer at once and the tick reports its
failure; once it is back, without a restart, HTTP answers again and the next tick finishes the
week's DMs: none doubled, none lost.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.scheduler import build_scheduler
from bot.services.runtime import Services
from storage.models import Nudge
from tests.conftest import BOT_TOKEN
from tests.e2e.test_cli import clean_env
from tests.e2e.test_killed_tick import FRIDAY_TEN_PARIS, OWNERS, seed_friday
from tests.e2e.test_two_instances import instance, instance_services
from tests.exactly_once import tally
from tests.slack_fake import FakeSlack
from tests.tcp_proxy import tcp_proxy

LEASE = timedelta(seconds=60)


async def test_postgresql_going_away_mid_tick_and_back(
    postgresql_url: str,
    settings: Settings,
    fake_slack: FakeSlack,
    clock: list[datetime],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = make_url(postgresql_url)
    direct = settings.model_copy(
        update={"database_url": postgresql_url, "polaris_claim_lease_seconds": 60}
    )
    seeding = instance_services(direct, "seed", clock)
    clock[0] = FRIDAY_TEN_PARIS
    await seed_friday(seeding, fake_slack)
    async with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        proxied = direct.model_copy(update={"database_url": proxy.database_url(postgresql_url)})
        async with instance(proxied, fake_slack, "web", clock) as server:
            assert (await server.http.get("/healthz")).status_code == 200
            fake_slack.latency = 0.02  # DMs in flight when the database goes
            tick = asyncio.create_task(server.runtime.ticker.tick(FRIDAY_TEN_PARIS))
            await fake_slack.wait_for("chat.postMessage", OWNERS // 4, timeout=60)
            caplog.clear()
            await proxy.cut()

            report = await asyncio.wait_for(tick, timeout=30)
            assert report.failed > 0 and report.sent < OWNERS, report.summary()
            health = await asyncio.wait_for(server.http.get("/healthz"), timeout=5)
            assert health.status_code == 503
            assert health.json() == {"status": "error", "database": "unreachable"}
            answer = await asyncio.wait_for(server.command("list"), timeout=5)
            assert answer.status_code == 200, answer.text
            [told] = await fake_slack.wait_for("response_url:U1")
            assert told.args["text"] == (
                "Polaris cannot reach its database right now. Please try again in a minute."
            )
            await server.settled()
            scheduled_tick = build_scheduler(server.runtime.ticker).get_job("polaris-tick")
            await scheduled_tick.func()  # the scheduler's own minute, with the database gone
            assert "scheduler tick failed: cannot reach the database" in caplog.text
            assert [r for r in caplog.records if r.exc_info] == [], "no traceback for an outage"
            assert all("\n" not in r.getMessage() for r in caplog.records), "one line each"

            await proxy.restore()
            assert (await server.http.get("/healthz")).status_code == 200
            answer = await server.command("list")
            assert answer.status_code == 200, answer.text
            later = FRIDAY_TEN_PARIS + LEASE + timedelta(minutes=1)
            clock[0] = later
            again = await server.runtime.ticker.tick(later)
            assert again.failed == 0, again.summary()
    await assert_every_dm_once(seeding, fake_slack)


async def assert_every_dm_once(services: Services, fake: FakeSlack) -> None:
    """Each owner has exactly one DM in Slack, recorded on their nudge: 0 doubled, 0 lost."""
    counts = await tally(services.db, fake)
    async with services.db.transaction() as session:
        recorded = await session.scalar(
            select(func.count()).select_from(Nudge).where(Nudge.dm_ts.is_not(None))
        )
    await services.db.dispose()
    assert counts.duplicates == {}
    assert counts.losses(OWNERS) == 0, counts
    assert len(counts.posts) == OWNERS and recorded == OWNERS


async def polaris_tick(env: dict[str, str], at: datetime) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "tick", "--at", at.isoformat(),
        env=env, cwd=env["HOME"],
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_polaris_tick_losing_the_database_is_one_line_and_exit_2_then_catches_up(
    postgresql_url: str,
    settings: Settings,
    fake_slack: FakeSlack,
    clock: list[datetime],
    tmp_path: Path,
) -> None:
    url = make_url(postgresql_url)
    seeding = instance_services(settings.model_copy(update={"database_url": postgresql_url}),
                                "seed", clock)  # fmt: skip
    clock[0] = FRIDAY_TEN_PARIS
    await seed_friday(seeding, fake_slack)
    fake_slack.latency = 0.02
    async with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        env = clean_env(
            HOME=str(tmp_path),
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_API_URL=fake_slack.base_url,
            DATABASE_URL=proxy.database_url(postgresql_url),
            POLARIS_CLAIM_LEASE_SECONDS=str(int(LEASE.total_seconds())),
            POLARIS_LOG_LEVEL="error",
        )
        cut_off = await polaris_tick(env, FRIDAY_TEN_PARIS)
        await fake_slack.wait_for("chat.postMessage", OWNERS // 4, timeout=60)
        await proxy.cut()
        _, stderr = await asyncio.wait_for(cut_off.communicate(), timeout=60)
        lines = stderr.decode().strip().splitlines()
        assert cut_off.returncode == 2, lines
        assert len(lines) == 1 and lines[0].startswith("polaris: tick 2026-11-27T09:00:00"), lines
        assert "the database went away" in lines[0]

        await proxy.restore()
        later = await polaris_tick(env, FRIDAY_TEN_PARIS + LEASE + timedelta(minutes=1))
        stdout, stderr = await asyncio.wait_for(later.communicate(), timeout=120)
        assert later.returncode == 0, stderr.decode()
        assert " 0 failed" in stdout.decode()
    await assert_every_dm_once(seeding, fake_slack)
