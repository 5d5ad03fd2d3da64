"""Exactly-once when two processes share one database.

On SQLite a `Database` queues its transactions on an asyncio lock, so concurrent use cases in
one process never overlap and a race between them cannot reach the database's unique keys.
Here each "process" has its own engine and its own `Database` on the same file (or PostgreSQL
database): no lock is shared, and only the unique keys (ledger key, check-in idempotency key,
processed submission) and the single-statement claims keep each thing recorded once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select, text

from bot.config import Settings
from bot.domain.permissions import Actor
from bot.scheduler import Ticker
from bot.services.check_ins import record_check_in
from bot.services.commands import RecordCheckIn
from bot.services.ledger import LedgerKey, claim_post
from bot.services.read_models import TeamView
from bot.services.runtime import Services
from storage.database import Database, create_engine
from storage.models import CheckIn, LedgerEntry, Objective, Workspace
from tests.services.test_okrs import NOW, declare, draft, make_team
from tests.services.test_ticker import RecordingJob

T = TypeVar("T")
ROUNDS = 10  # races per test: one lucky ordering must not be enough to pass
KEY = LedgerKey("T0001", "digest", "team:1", "2026-W48")
LEASE = timedelta(minutes=5)


@pytest.fixture
async def rival(
    database_url: str, settings: Settings, clock: list[datetime]
) -> AsyncIterator[Services]:
    """The services of a second process on the same database: its own engine, connections
    and (on SQLite) transaction lock."""
    db = Database(create_engine(database_url))
    yield Services(settings=settings, db=db, instance_id="rival", clock=lambda: clock[0])
    await db.dispose()


@pytest.fixture
async def team(services: Services) -> TeamView:
    """The team whose objectives and check-ins the two processes race on."""
    return await make_team(services)


async def rows(db: Database, model: type, *where: Any) -> int:
    async with db.transaction() as session:
        query = select(func.count()).select_from(model).where(*where)
        return int(await session.scalar(query) or 0)


async def test_the_two_processes_share_no_transaction_lock(
    services: Services, rival: Services
) -> None:
    """While one process holds a transaction open, the other still begins one: nothing but
    the database itself stands between them."""
    async with services.db.transaction() as session:
        await session.execute(text("SELECT 1"))
        async with asyncio.timeout(2):
            async with rival.db.transaction() as other:
                assert (await other.execute(text("SELECT 1"))).scalar_one() == 1


async def test_concurrent_claimers_in_two_processes_exactly_one_wins(
    services: Services, rival: Services
) -> None:
    async with services.db.transaction() as session:
        session.add(Workspace(id="T0001", created_at=NOW))
    for n in range(ROUNDS):
        key = LedgerKey(KEY.workspace_id, KEY.kind, f"team:{n}", KEY.period)
        results = await asyncio.gather(
            *(
                claim_post(db=db, key=key, claimed_by=f"{name}-{i}", now=NOW, lease=LEASE)
                for name, db in (("one", services.db), ("two", rival.db))
                for i in range(3)
            )
        )
        assert len([r for r in results if r is not None]) == 1, f"round {n}: {results}"
    assert await rows(services.db, LedgerEntry) == ROUNDS


async def test_the_same_check_in_from_two_processes_records_once(
    services: Services, rival: Services, team: TeamView
) -> None:
    await declare(services, team)
    for n in range(ROUNDS):
        cmd = RecordCheckIn("T0001", 1, 20 + n, 7, "", Actor("U1"), idempotency_key=f"view:V{n}:h")
        results = await asyncio.gather(
            record_check_in(db=services.db, cmd=cmd, now=NOW),
            record_check_in(db=rival.db, cmd=cmd, now=NOW),
        )
        assert sorted(r.duplicate for r in results) == [False, True], f"round {n}"
    assert await rows(services.db, CheckIn) == ROUNDS


async def test_check_ins_from_two_processes_at_once_all_land(
    services: Services, rival: Services, team: TeamView
) -> None:
    await declare(services, team)
    owner, admin = Actor("U1"), Actor("U9", is_admin=True)
    for n in range(ROUNDS):
        await asyncio.gather(
            record_check_in(
                db=services.db, cmd=RecordCheckIn("T0001", 1, n, 7, "", owner), now=NOW
            ),
            record_check_in(
                db=rival.db, cmd=RecordCheckIn("T0001", 1, n + 1, 7, "", admin), now=NOW
            ),
        )
    assert await rows(services.db, CheckIn) == 2 * ROUNDS


async def test_the_same_objective_submission_from_two_processes_declares_once(
    services: Services, rival: Services, team: TeamView
) -> None:
    for n in range(ROUNDS):
        key = f"view:V{n}:h1"
        declared = await asyncio.gather(
            declare(services, team, key=key), declare(rival, team, key=key)
        )
        assert len([d for d in declared if d is not None]) == 1, f"round {n}"
    assert await rows(services.db, Objective) == ROUNDS


async def test_declarations_from_two_processes_never_share_a_reference(
    services: Services, rival: Services, team: TeamView
) -> None:
    declared = await asyncio.gather(
        *(declare(s, team, draft(), draft()) for s in (services, rival) * (ROUNDS // 2))
    )
    assert sorted(d.ref for d in declared if d) == list(range(1, ROUNDS + 1))
    krs = sorted(k.ref for d in declared if d for k in d.key_results)
    assert krs == list(range(1, 2 * ROUNDS + 1))


async def test_two_schedulers_in_two_processes_send_each_item_once(
    services: Services, rival: Services
) -> None:
    async with services.db.transaction() as session:
        session.add(Workspace(id="T0001", created_at=NOW))
    job = RecordingJob([f"s{i}" for i in range(20)])
    one, other = Ticker(services=services, jobs=[job]), Ticker(services=rival, jobs=[job])
    await asyncio.gather(one.tick(NOW), other.tick(NOW))
    assert sorted(job.sent) == sorted(job.subjects)
    assert await rows(services.db, LedgerEntry) == 20
