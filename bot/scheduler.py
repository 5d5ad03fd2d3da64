"""The ticker: once a minute, find what is due, claim it in the ledger, then send it.

Every scheduled post goes through `Ticker.tick(at)`, which is also what `polaris tick --at`
runs, so one pass "as of" any instant is how the scheduler is tested and how an operator
catches up by hand. Posting jobs plug in as `ScheduledJob`s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.logs import facts
from bot.services.ledger import (
    Claim,
    LedgerKey,
    Outcome,
    claim_attempts,
    record_post_outcomes,
)
from bot.services.runtime import Services
from storage import workspaces
from storage.database import Database, unreachable_reason
from storage.models import LedgerStatus

log = logging.getLogger(__name__)

# Any constant: all Polaris instances sharing a PostgreSQL database agree on it.
TICKER_LOCK_KEY = 0x504F4C41  # "POLA"
# Ledger claims and outcomes are written this many to a transaction; an outcome waits at most
# FLUSH_AFTER for its batch to fill.
BATCH = 50
FLUSH_AFTER = 1.0
# Slack retries an event for a few minutes at most; a day of ids is plenty to drop duplicates.
PROCESSED_EVENTS_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class DueItem:
    """One post a job wants sent, identified by its ledger key."""

    key: LedgerKey
    payload: Any = None
    #: Set when the ledger hands over an earlier attempt that crashed or failed: Slack may
    #: already hold its post, so the job looks for the post's marker before sending again.
    retry: bool = False
    #: The Slack user the post is for (a DM's reader), for the log line of the post.
    recipient: str | None = None


class ScheduledJob(Protocol):
    kind: str

    async def due(self, at: datetime) -> Sequence[DueItem]:
        """Everything of this kind that should have been sent by `at` (local times applied)."""

    async def send(self, item: DueItem, at: datetime) -> Outcome:
        """Send one claimed item; return how it went (raise only for bugs)."""

    async def ahead(self, at: datetime) -> None:
        """Upkeep for later passes (e.g. asking Slack about people before their nudge), run
        once every post of this pass is out, so that Slack's pacing never delays them."""


@dataclass
class TickReport:
    at: datetime
    ran: bool = True
    due: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    already_claimed: int = 0
    errors: list[str] = field(default_factory=list)
    #: Why the database could not be reached, if it went away during the pass.
    database_error: str | None = None

    def summary(self) -> str:
        if not self.ran:
            return f"tick {self.at.isoformat()}: another instance holds the ticker lock"
        summary = (
            f"tick {self.at.isoformat()}: {self.due} due, {self.sent} sent, "
            f"{self.skipped} skipped, {self.failed} failed, "
            f"{self.already_claimed} already claimed"
        )
        if self.database_error is not None:
            summary += f"; the database went away ({self.database_error}), the next tick retries"
        return summary


class _Outcomes:
    """The outcomes of a pass's sends, recorded in the ledger a batch per transaction (with
    what each job stores alongside), then counted in the report and logged, one line each."""

    def __init__(self, db: Database, at: datetime, report: TickReport) -> None:
        self.db, self.at, self.report = db, at, report
        self.pending: list[tuple[DueItem, int, Outcome]] = []
        self.oldest = 0.0

    def database_went_away(self, error: OperationalError, keys: Sequence[LedgerKey]) -> None:
        self.report.database_error = unreachable_reason(error)
        self.report.failed += len(keys)
        self.report.errors.extend(f"{key}: the database went away" for key in keys)

    async def add(self, item: DueItem, entry_id: int, outcome: Outcome) -> None:
        if not self.pending:
            self.oldest = time.monotonic()
        self.pending.append((item, entry_id, outcome))
        if len(self.pending) >= BATCH or time.monotonic() - self.oldest >= FLUSH_AFTER:
            await self.flush()

    async def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        report = self.report
        try:
            await record_post_outcomes(
                db=self.db, finished=[(entry, outcome) for _, entry, outcome in batch], now=self.at
            )
        except OperationalError as error:  # left claimed: the lease hands them over
            self.database_went_away(error, [item.key for item, _, _ in batch])
            return
        except Exception:  # a bug: the senders go on, the entries are left to the lease
            log.exception("recording %d scheduled posts failed", len(batch))
            report.failed += len(batch)
            return
        for item, _, outcome in batch:
            _log_post(item, outcome)
            if outcome.status is LedgerStatus.SENT:
                report.sent += 1
            elif outcome.status is LedgerStatus.SKIPPED:
                report.skipped += 1
            else:
                report.failed += 1
                report.errors.append(f"{item.key}: {outcome.error}")


def _log_post(item: DueItem, outcome: Outcome) -> None:
    """One business-level line per scheduled post: who, what, which workspace, how it went."""
    key = item.key
    log.info(
        "scheduled %s %s: %s in %s, %s",
        key.kind, outcome.status.value, item.recipient or key.subject, key.workspace_id,
        key.period,
        extra=facts("scheduled_post", who=item.recipient, what=key.kind,
                    workspace=key.workspace_id, subject=key.subject, period=key.period,
                    outcome=outcome.status.value),
    )  # fmt: skip


class Ticker:
    """Runs scheduler passes. Safe to run in several processes at once: the ledger decides."""

    def __init__(
        self, *, services: Services, jobs: Sequence[ScheduledJob], concurrency: int = 20
    ) -> None:
        self.services = services
        self.jobs = list(jobs)
        self.concurrency = concurrency
        self._limit = asyncio.Semaphore(concurrency)
        self._lease = timedelta(seconds=services.settings.polaris_claim_lease_seconds)

    async def tick(self, at: datetime) -> TickReport:
        """One pass as of `at` (aware). Never raises for a single item's failure.

        `at` is the pass's one clock: everything it writes (ledger claims and outcomes, what
        the jobs record) is stamped `at`, never the wall clock, so `polaris tick --at T`
        behaves exactly as the real minute T would."""
        if at.tzinfo is None:
            raise ValueError("tick instant must be timezone-aware")
        report = TickReport(at=at)
        async with self._elected() as elected:
            if not elected:
                report.ran = False
                return report
            try:
                for job in self.jobs:
                    items = await job.due(at)
                    report.due += len(items)
                    await self._run_job(job, items, at, report)
                for job in self.jobs:
                    await job.ahead(at)
                await self._forget_old_events(at)
            except OperationalError as error:  # gone between two jobs: the next tick goes on
                report.database_error = unreachable_reason(error)
        return report

    async def _run_job(
        self, job: ScheduledJob, items: Sequence[DueItem], at: datetime, report: TickReport
    ) -> None:
        """Claim the items a batch at a time, send them with `concurrency` senders, and record
        their outcomes a batch at a time: a transaction per claim and per outcome was most of
        a Friday's CPU (twelve thousand DMs). Items are claimed at most a batch ahead of the
        senders, far within the lease. An outcome not yet recorded when the process dies
        leaves its entry claimed, as a crash in the middle of a send does: the lease hands it
        over, and the next attempt looks in Slack for the post first."""
        claimed: asyncio.Queue[tuple[DueItem, Claim] | None] = asyncio.Queue(BATCH)
        outcomes = _Outcomes(self.services.db, at, report)
        senders = [
            asyncio.create_task(self._sender(job, claimed, outcomes, at))
            for _ in range(min(self.concurrency, len(items)))
        ]
        try:
            await self._claim(items, claimed, outcomes, at)
        finally:
            for _ in senders:
                await claimed.put(None)
            await asyncio.gather(*senders)
            await outcomes.flush()

    async def _claim(
        self,
        items: Sequence[DueItem],
        claimed: asyncio.Queue[tuple[DueItem, Claim] | None],
        outcomes: _Outcomes,
        at: datetime,
    ) -> None:
        """Claim batch after batch, handing each won claim to the senders. The database going
        away fails the items left: Slack may hold posts already sent, so their claims are left
        to the lease, and the attempt that takes one over looks for its post first."""
        for start in range(0, len(items), BATCH):
            batch = items[start : start + BATCH]
            try:
                claims = await claim_attempts(
                    db=self.services.db,
                    keys=[item.key for item in batch],
                    claimed_by=self.services.instance_id,
                    now=at,
                    lease=self._lease,
                )
            except OperationalError as error:
                outcomes.database_went_away(error, [item.key for item in items[start:]])
                return
            for item, claim in zip(batch, claims, strict=True):
                if claim is None:
                    outcomes.report.already_claimed += 1
                else:
                    await claimed.put((item, claim))

    async def _sender(
        self,
        job: ScheduledJob,
        claimed: asyncio.Queue[tuple[DueItem, Claim] | None],
        outcomes: _Outcomes,
        at: datetime,
    ) -> None:
        while (next_item := await claimed.get()) is not None:
            item, claim = next_item
            async with self._limit:
                try:
                    outcome = await job.send(replace(item, retry=claim.attempt > 1), at)
                except OperationalError as error:  # not this item's fault: see _claim
                    outcomes.database_went_away(error, [item.key])
                    continue
                except Exception as error:  # one broken item must not stop the tick
                    log.exception("scheduled %s failed for %s", job.kind, item.key)
                    outcome = Outcome(LedgerStatus.FAILED, error=f"{type(error).__name__}: {error}")
            await outcomes.add(item, claim.entry_id, outcome)

    @asynccontextmanager
    async def _elected(self) -> AsyncIterator[bool]:
        """On PostgreSQL, only the instance holding the advisory lock ticks (saves the others
        the work; correctness comes from the ledger). SQLite has a single host: always elected.
        """
        engine = self.services.db.engine
        if engine.dialect.name != "postgresql":
            yield True
            return
        async with engine.connect() as connection:
            got = bool(
                await connection.scalar(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": TICKER_LOCK_KEY}
                )
            )
            await connection.commit()
            try:
                yield got
            finally:
                if got:
                    # A lock whose connection is lost is already released by PostgreSQL.
                    with contextlib.suppress(OperationalError):
                        await connection.execute(
                            text("SELECT pg_advisory_unlock(:key)"), {"key": TICKER_LOCK_KEY}
                        )
                        await connection.commit()

    async def _forget_old_events(self, at: datetime) -> None:
        async with self.services.db.transaction() as session:
            await workspaces.forget_events_before(session, cutoff=at - PROCESSED_EVENTS_KEPT)


def build_scheduler(ticker: Ticker) -> AsyncIOScheduler:
    """An AsyncIOScheduler that ticks at second 0 of every minute, one pass at a time.

    A late or overlapping run is coalesced into one: the ledger lets the next pass catch up.
    """
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def run_tick() -> None:
        # Logged here, not by `Ticker.tick`: `polaris tick` prints the summary itself. A minute
        # with nothing due (most of them) is said at debug level only.
        try:
            report = await ticker.tick(ticker.services.clock())
            level = logging.INFO if report.due else logging.DEBUG
            log.log(logging.WARNING if report.database_error else level, report.summary())
        except OperationalError as error:
            log.error(
                "scheduler tick failed: cannot reach the database (%s); the next one will retry",
                unreachable_reason(error),
            )
        except Exception:
            log.exception("scheduler tick failed; the next one will retry")

    scheduler.add_job(
        run_tick,
        CronTrigger(second=0, timezone="UTC"),
        id="polaris-tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=50,
    )
    return scheduler
