"""The ticker: due → claim → send → record, exactly once across passes and instances."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from bot.scheduler import DueItem, Ticker
from bot.services.ledger import LedgerKey, Outcome
from bot.services.runtime import Services
from storage.models import LedgerEntry, LedgerStatus, ProcessedEvent, Workspace

AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@dataclass
class RecordingJob:
    """Due: one item per subject; send records the call, or fails as told."""

    subjects: list[str]
    kind: str = "test"
    sent: list[str] = field(default_factory=list)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    crash: set[str] = field(default_factory=set)

    async def due(self, at: datetime) -> Sequence[DueItem]:
        period = at.strftime("%G-W%V")
        return [DueItem(LedgerKey("T0001", self.kind, s, period)) for s in self.subjects]

    async def send(self, item: DueItem, at: datetime) -> Outcome:
        await asyncio.sleep(0)  # let concurrent ticks interleave
        if item.key.subject in self.crash:
            raise RuntimeError("boom")
        self.sent.append(item.key.subject)
        return self.outcomes.get(item.key.subject, Outcome(LedgerStatus.SENT, "C1", "1.0"))

    async def ahead(self, at: datetime) -> None:
        pass


@pytest.fixture
async def workspace(services: Services) -> None:
    async with services.db.transaction() as session:
        session.add(Workspace(id="T0001", created_at=AT))


async def ledger(services: Services) -> list[LedgerEntry]:
    async with services.db.transaction() as session:
        return list((await session.scalars(select(LedgerEntry).order_by(LedgerEntry.id))).all())


@pytest.mark.usefixtures("workspace")
async def test_each_due_item_is_sent_once_whatever_the_number_of_ticks(
    services: Services,
) -> None:
    job = RecordingJob(["a", "b", "c"])
    ticker = Ticker(services=services, jobs=[job])
    first = await ticker.tick(AT)
    second = await ticker.tick(AT + timedelta(minutes=1))
    assert sorted(job.sent) == ["a", "b", "c"]
    assert (first.due, first.sent, first.already_claimed) == (3, 3, 0)
    assert (second.due, second.sent, second.already_claimed) == (3, 0, 3)
    assert [e.status for e in await ledger(services)] == ["sent"] * 3


@pytest.mark.usefixtures("workspace")
async def test_two_instances_ticking_together_send_once(services: Services) -> None:
    job = RecordingJob([f"s{i}" for i in range(20)])
    one = Ticker(services=services, jobs=[job])
    other = Ticker(services=services, jobs=[job])
    await asyncio.gather(one.tick(AT), other.tick(AT))
    assert sorted(job.sent) == sorted(job.subjects)


@pytest.mark.usefixtures("workspace")
async def test_a_crash_while_sending_is_retried_by_the_next_tick(services: Services) -> None:
    job = RecordingJob(["a"], crash={"a"})
    ticker = Ticker(services=services, jobs=[job])
    report = await ticker.tick(AT)
    assert (report.sent, report.failed) == (0, 1)
    [entry] = await ledger(services)
    assert entry.status == "failed" and "boom" in (entry.error or "")
    job.crash.clear()
    report = await ticker.tick(AT + timedelta(minutes=1))
    assert report.sent == 1
    assert job.sent == ["a"]
    [entry] = await ledger(services)
    assert (entry.status, entry.attempts) == ("sent", 2)


@pytest.mark.usefixtures("workspace")
async def test_a_claim_abandoned_by_a_dead_process_is_taken_over_after_the_lease(
    services: Services, clock: list[datetime]
) -> None:
    from bot.services.ledger import claim_post

    job = RecordingJob(["a"])
    key = (await job.due(AT))[0].key
    lease = timedelta(seconds=services.settings.polaris_claim_lease_seconds)
    # A process claimed and died before sending: nothing was recorded after the claim.
    assert await claim_post(db=services.db, key=key, claimed_by="dead", now=AT, lease=lease)
    # The lease is measured on the ticks' own instants (the wall clock plays no part).
    clock[0] = AT - timedelta(days=7)
    ticker = Ticker(services=services, jobs=[job])
    assert (await ticker.tick(AT + timedelta(minutes=1))).already_claimed == 1
    assert (await ticker.tick(AT + lease + timedelta(minutes=1))).sent == 1
    assert job.sent == ["a"]


@pytest.mark.usefixtures("workspace")
async def test_skipped_items_are_not_retried(services: Services) -> None:
    job = RecordingJob(["gone"])
    job.outcomes["gone"] = Outcome(LedgerStatus.SKIPPED, error="channel_not_found")
    ticker = Ticker(services=services, jobs=[job])
    assert (await ticker.tick(AT)).skipped == 1
    assert (await ticker.tick(AT)).already_claimed == 1
    assert job.sent == ["gone"]


async def test_naive_instants_are_refused(services: Services) -> None:
    with pytest.raises(ValueError):
        await Ticker(services=services, jobs=[]).tick(datetime(2026, 11, 27, 9, 0))


@pytest.mark.usefixtures("workspace")
async def test_tick_forgets_event_ids_older_than_a_day(services: Services) -> None:
    async with services.db.transaction() as session:
        session.add(
            ProcessedEvent(workspace_id="T0001", event_id="old", received_at=AT - timedelta(days=2))
        )
        session.add(ProcessedEvent(workspace_id="T0001", event_id="new", received_at=AT))
    await Ticker(services=services, jobs=[]).tick(AT)
    async with services.db.transaction() as session:
        kept = (await session.scalars(select(ProcessedEvent.event_id))).all()
    assert kept == ["new"]


@pytest.mark.usefixtures("workspace")
async def test_a_pass_claims_and_records_a_batch_per_transaction(services: Services) -> None:
    """A transaction per claim and per outcome was most of a Friday's CPU: 120 items take a
    handful of commits, and a second pass finds every one of them already sent."""
    job = RecordingJob([f"s{i:03d}" for i in range(120)])
    commits = 0

    def count(_connection: object) -> None:
        nonlocal commits
        commits += 1

    engine = services.db.engine.sync_engine
    event.listen(engine, "commit", count)
    try:
        report = await Ticker(services=services, jobs=[job]).tick(AT)
    finally:
        event.remove(engine, "commit", count)
    assert (report.sent, len(job.sent)) == (120, 120)
    # Claims and outcomes in batches of 50; the ticker lock (PostgreSQL) and the clean-up.
    assert commits <= 3 + 3 + 3, commits
    assert [e.status for e in await ledger(services)] == ["sent"] * 120
    again = await Ticker(services=services, jobs=[job]).tick(AT + timedelta(minutes=1))
    assert (again.sent, again.already_claimed) == (0, 120)
