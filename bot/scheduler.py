"""The ticker: once a minute, find what is due, claim it in the ledger, then send it.

Every scheduled post goes through `Ticker.tick(at)`, which is also what `polaris tick --at`
runs, so one pass "as of" any instant is how the scheduler is tested and how an operator
catches up by hand. Posting jobs plug in as `ScheduledJob`s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
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
from bot.services.ledger import LedgerKey, Outcome, claim_attempt, record_post_outcome
from bot.services.runtime import Services
from storage import workspaces
from storage.database import unreachable_reason
from storage.models import LedgerStatus

log = logging.getLogger(__name__)

# Any constant: all Polaris instances sharing a PostgreSQL database agree on it.
TICKER_LOCK_KEY = 0x504F4C41  # "POLA"
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


class Ticker:
    """Runs scheduler passes. Safe to run in several processes at once: the ledger decides."""

    def __init__(
        self, *, services: Services, jobs: Sequence[ScheduledJob], concurrency: int = 20
    ) -> None:
        self.services = services
        self.jobs = list(jobs)
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
                    await asyncio.gather(*(self._run_one(job, item, at, report) for item in items))
                await self._forget_old_events(at)
            except OperationalError as error:  # gone between two jobs: the next tick goes on
                report.database_error = unreachable_reason(error)
        return report

    async def _run_one(
        self, job: ScheduledJob, item: DueItem, at: datetime, report: TickReport
    ) -> None:
        """One item, counted in `report`. The database going away fails the item and leaves
        its claim, if it was taken, to the lease: Slack may hold the post, so the attempt
        that takes it over looks for it first."""
        async with self._limit:
            try:
                await self._attempt(job, item, at, report)
            except OperationalError as error:
                report.database_error = unreachable_reason(error)
                report.failed += 1
                report.errors.append(f"{item.key}: the database went away")

    async def _attempt(
        self, job: ScheduledJob, item: DueItem, at: datetime, report: TickReport
    ) -> None:
        db = self.services.db
        claim = await claim_attempt(
            db=db,
            key=item.key,
            claimed_by=self.services.instance_id,
            now=at,
            lease=self._lease,
        )
        if claim is None:
            report.already_claimed += 1
            return
        try:
            outcome = await job.send(replace(item, retry=claim.attempt > 1), at)
        except OperationalError:
            raise  # not this item's fault: see _run_one
        except Exception as error:  # one broken item must not stop the tick
            log.exception("scheduled %s failed for %s", job.kind, item.key)
            outcome = Outcome(LedgerStatus.FAILED, error=f"{type(error).__name__}: {error}")
        await record_post_outcome(db=db, entry_id=claim.entry_id, outcome=outcome, now=at)
        key = item.key
        log.info(
            "scheduled %s %s: %s in %s, %s",
            key.kind, outcome.status.value, item.recipient or key.subject, key.workspace_id,
            key.period,
            extra=facts("scheduled_post", who=item.recipient, what=key.kind,
                        workspace=key.workspace_id, subject=key.subject, period=key.period,
                        outcome=outcome.status.value),
        )  # fmt: skip
        if outcome.status is LedgerStatus.SENT:
            report.sent += 1
        elif outcome.status is LedgerStatus.SKIPPED:
            report.skipped += 1
        else:
            report.failed += 1
            report.errors.append(f"{item.key}: {outcome.error}")

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
