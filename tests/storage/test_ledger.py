"""The scheduler ledger's exactly-once claim, including under concurrent claimers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.ledger import (
    MAX_ATTEMPTS,
    LedgerKey,
    Outcome,
    claim_post,
    record_post_outcome,
)
from storage.database import Database
from storage.models import LedgerEntry, LedgerStatus, Workspace

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
KEY = LedgerKey("T0001", "digest", "team:1", "2026-W48")


async def add_workspace(db: Database) -> None:
    async with db.transaction() as session:
        session.add(Workspace(id="T0001", created_at=NOW))


async def entries(db: Database) -> list[LedgerEntry]:
    async with db.transaction() as session:
        return list((await session.scalars(select(LedgerEntry))).all())


async def test_first_claim_wins_and_a_second_loses(db: Database) -> None:
    await add_workspace(db)
    first = await claim_post(db=db, key=KEY, claimed_by="a", now=NOW, lease=LEASE)
    second = await claim_post(db=db, key=KEY, claimed_by="b", now=NOW, lease=LEASE)
    assert first is not None
    assert second is None
    [entry] = await entries(db)
    assert (entry.claimed_by, entry.status, entry.attempts) == ("a", "claimed", 1)
    assert entry.claimed_at == NOW


async def test_concurrent_claimers_exactly_one_wins(db: Database) -> None:
    await add_workspace(db)
    results = await asyncio.gather(
        *(
            claim_post(db=db, key=KEY, claimed_by=f"instance-{i}", now=NOW, lease=LEASE)
            for i in range(25)
        )
    )
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert len(await entries(db)) == 1


async def test_concurrent_retakers_of_a_stale_claim_exactly_one_wins(db: Database) -> None:
    await add_workspace(db)
    await claim_post(db=db, key=KEY, claimed_by="crashed", now=NOW, lease=LEASE)
    later = NOW + LEASE + timedelta(seconds=1)
    results = await asyncio.gather(
        *(claim_post(db=db, key=KEY, claimed_by=f"i{i}", now=later, lease=LEASE) for i in range(10))
    )
    assert len([r for r in results if r is not None]) == 1
    [entry] = await entries(db)
    assert entry.attempts == 2


async def test_a_fresh_claim_is_not_retaken_within_its_lease(db: Database) -> None:
    await add_workspace(db)
    await claim_post(db=db, key=KEY, claimed_by="a", now=NOW, lease=LEASE)
    soon = NOW + LEASE - timedelta(seconds=1)
    assert await claim_post(db=db, key=KEY, claimed_by="b", now=soon, lease=LEASE) is None


async def test_sent_is_never_claimed_again(db: Database) -> None:
    await add_workspace(db)
    entry_id = await claim_post(db=db, key=KEY, claimed_by="a", now=NOW, lease=LEASE)
    assert entry_id is not None
    await record_post_outcome(
        db=db, entry_id=entry_id, outcome=Outcome(LedgerStatus.SENT, "C1", "1.2"), now=NOW
    )
    much_later = NOW + timedelta(days=3)
    assert await claim_post(db=db, key=KEY, claimed_by="b", now=much_later, lease=LEASE) is None
    [entry] = await entries(db)
    assert (entry.status, entry.slack_ts, entry.sent_at) == ("sent", "1.2", NOW)


async def test_failed_is_retried_up_to_the_limit(db: Database) -> None:
    await add_workspace(db)
    failed = Outcome(LedgerStatus.FAILED, error="ratelimited")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        entry_id = await claim_post(db=db, key=KEY, claimed_by="a", now=NOW, lease=LEASE)
        assert entry_id is not None, f"attempt {attempt} should be allowed"
        await record_post_outcome(db=db, entry_id=entry_id, outcome=failed, now=NOW)
    assert await claim_post(db=db, key=KEY, claimed_by="a", now=NOW, lease=LEASE) is None
    [entry] = await entries(db)
    assert (entry.status, entry.attempts, entry.error) == ("failed", MAX_ATTEMPTS, "ratelimited")


async def test_skipped_is_final(db: Database) -> None:
    await add_workspace(db)
    skipped = Outcome(LedgerStatus.SKIPPED, error="channel_not_found")
    entry_id = await claim_post(db=db, key=KEY, claimed_by="a", now=NOW, lease=LEASE)
    assert entry_id is not None
    await record_post_outcome(db=db, entry_id=entry_id, outcome=skipped, now=NOW)
    assert await claim_post(db=db, key=KEY, claimed_by="a", now=NOW, lease=LEASE) is None


async def test_other_periods_are_other_keys(db: Database) -> None:
    await add_workspace(db)
    next_week = LedgerKey(KEY.workspace_id, KEY.kind, KEY.subject, "2026-W49")
    assert await claim_post(db=db, key=KEY, claimed_by="a", now=NOW, lease=LEASE)
    assert await claim_post(db=db, key=next_week, claimed_by="a", now=NOW, lease=LEASE)


async def test_what_a_job_stores_with_its_outcome_commits_with_the_entry_or_not_at_all(
    db: Database,
) -> None:
    """`Outcome.also_store` (e.g. where a DM is) shares the ledger entry's transaction."""
    await add_workspace(db)
    entry_id = await claim_post(db=db, key=KEY, claimed_by="a", now=NOW, lease=LEASE)
    assert entry_id is not None

    async def breaks(session: AsyncSession) -> None:
        session.add(Workspace(id="T0002", created_at=NOW))
        raise RuntimeError("the job's own write failed")

    with pytest.raises(RuntimeError):
        await record_post_outcome(
            db=db,
            entry_id=entry_id,
            outcome=Outcome(LedgerStatus.SENT, "D1", "1.2", also_store=breaks),
            now=NOW,
        )
    [entry] = await entries(db)
    assert entry.status == "claimed", "neither write was kept"

    async def stores(session: AsyncSession) -> None:
        session.add(Workspace(id="T0002", created_at=NOW))

    outcome = Outcome(LedgerStatus.SENT, "D1", "1.2", also_store=stores)
    await record_post_outcome(db=db, entry_id=entry_id, outcome=outcome, now=NOW)
    [entry] = await entries(db)
    async with db.transaction() as session:
        stored = await session.get(Workspace, "T0002")
    assert entry.status == "sent" and stored is not None
