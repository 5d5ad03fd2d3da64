"""Two Polaris instances on one PostgreSQL, each serving HTTP and running its scheduler, tick
the same Friday minute (owners' check-in DMs and team digests due together): every post
reaches Slack exactly once, counted from the fake Slack's messages and the ledger, whether the
advisory lock lets one of them tick or (the lock lost, `polaris tick` by hand) both do.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, time

import pytest

from bot.app import start_runtime
from bot.config import Settings
from bot.scheduler import Ticker
from bot.services.runtime import Services
from storage.database import Database, create_engine
from tests.conftest import PolarisServer, ack_json, polaris_server
from tests.digest_factories import set_digest_time
from tests.e2e.test_killed_tick import FRIDAY_TEN_PARIS, OWNERS, owner, seed_friday
from tests.exactly_once import tally
from tests.factories import kr_draft, seed_objective, seed_team
from tests.slack_fake import FakeSlack

TEAMS = 4  # digests due at the same minute as the DMs, one per channel


def instance_services(settings: Settings, name: str, clock: list[datetime]) -> Services:
    """One instance's services: its own engine and connections to the shared database."""
    db = Database(create_engine(settings.database_url))
    return Services(settings=settings, db=db, instance_id=name, clock=lambda: clock[0])


@contextlib.asynccontextmanager
async def instance(
    settings: Settings, fake: FakeSlack, name: str, clock: list[datetime]
) -> AsyncIterator[PolarisServer]:
    runtime = await start_runtime(settings, services=instance_services(settings, name, clock))
    async with polaris_server(runtime, fake) as server:
        yield server


async def seed_friday_digests(services: Services, fake: FakeSlack) -> None:
    """The DMs' team and TEAMS more, each with a digest due on Friday at ten in Paris."""
    await seed_friday(services, fake)
    await set_digest_time(services.db, 1, weekday=4, at=time(10, 0))
    for n in range(2, TEAMS + 1):
        fake.add_channel(f"C{n}", name=f"team-{n}")
        team = await seed_team(
            services, name=f"Team {n}", channel_id=f"C{n}", digest_weekday=4,
            digest_time=time(10, 0), checkin_weekday=4, checkin_time=time(10, 0),
        )  # fmt: skip
        krs = [kr_draft(title=f"KR of team {n}", owner_user_id=owner(n))]
        await seed_objective(services, team, title=f"Objective of team {n}", key_results=krs)


async def busy(server: PolarisServer, requests: int) -> None:
    """Slack's requests to an instance while it ticks: each gets its answer."""
    for _ in range(requests):
        assert "/okr new" in str(ack_json(await server.command("help")))


@pytest.mark.parametrize("lock", ["advisory lock", "ledger only"])
async def test_two_instances_ticking_the_same_minute_send_every_post_once(
    postgresql_url: str,
    settings: Settings,
    fake_slack: FakeSlack,
    clock: list[datetime],
    monkeypatch: pytest.MonkeyPatch,
    lock: str,
) -> None:
    if lock == "ledger only":  # both are elected: only the ledger's claims stand between them

        @contextlib.asynccontextmanager
        async def always(_: Ticker) -> AsyncIterator[bool]:
            yield True

        monkeypatch.setattr(Ticker, "_elected", always)
    shared = settings.model_copy(update={"database_url": postgresql_url})
    clock[0] = FRIDAY_TEN_PARIS
    fake_slack.latency = 0.01  # posts in flight in both instances at once
    async with (
        instance(shared, fake_slack, "one", clock) as one,
        instance(shared, fake_slack, "two", clock) as two,
    ):
        await seed_friday_digests(one.runtime.services, fake_slack)
        reports = await asyncio.gather(
            one.runtime.ticker.tick(FRIDAY_TEN_PARIS),
            two.runtime.ticker.tick(FRIDAY_TEN_PARIS),
            busy(one, 10),
            busy(two, 10),
        )
        counts = await tally(one.runtime.services.db, fake_slack)
    ticks = reports[:2]
    # A DM per owner per team (the OWNERS of team 1, one owner in each other team) and a digest
    # per team.
    expected = OWNERS + (TEAMS - 1) + TEAMS
    assert counts.duplicates == {}
    assert counts.losses(expected) == 0, counts
    assert len(counts.posts) == expected and set(counts.posts) == set(counts.ledger)
    assert sum(r.sent for r in ticks) == expected  # type: ignore[union-attr]
    assert sum(r.failed for r in ticks) == 0  # type: ignore[union-attr]
    if lock == "ledger only":
        assert all(r.ran for r in ticks)  # type: ignore[union-attr]
