"""PostgreSQL going away in the middle of a Friday tick, then coming back, under a running
instance (a TCP proxy between the app and the database is cut, then restored): while it is
away /healthz says so, Slack's requests get a clear answer at once and the tick reports its
failure; once it is back, without a restart, HTTP answers again and the next tick finishes the
week's DMs: none doubled, none lost.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.scheduler import build_scheduler
from storage.models import Nudge
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
    counts = await tally(seeding.db, fake_slack)
    async with seeding.db.transaction() as session:
        recorded = await session.scalar(
            select(func.count()).select_from(Nudge).where(Nudge.dm_ts.is_not(None))
        )
    await seeding.db.dispose()
    assert counts.duplicates == {}
    assert counts.losses(OWNERS) == 0, counts
    assert len(counts.posts) == OWNERS and recorded == OWNERS
