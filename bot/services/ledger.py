"""Exactly-once scheduled posts: claim in the ledger, send, then record the outcome."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from storage import ledger
from storage.database import Database
from storage.ledger import Claim, LedgerKey, Outcome
from storage.models import LedgerStatus

# After this many failed or abandoned attempts a post is given up (and stays visible as failed).
MAX_ATTEMPTS = 5


async def claim_post(
    *, db: Database, key: LedgerKey, claimed_by: str, now: datetime, lease: timedelta
) -> int | None:
    """The ledger entry id if this caller may send the post now, else None."""
    claim = await claim_attempt(db=db, key=key, claimed_by=claimed_by, now=now, lease=lease)
    return None if claim is None else claim.entry_id


async def claim_attempt(
    *, db: Database, key: LedgerKey, claimed_by: str, now: datetime, lease: timedelta
) -> Claim | None:
    """The claim (entry and attempt number) if this caller may send the post now, else None."""
    async with db.transaction() as session:
        return await ledger.claim(
            session, key=key, claimed_by=claimed_by, now=now, lease=lease, max_attempts=MAX_ATTEMPTS
        )


async def claim_attempts(
    *,
    db: Database,
    keys: Sequence[LedgerKey],
    claimed_by: str,
    now: datetime,
    lease: timedelta,
) -> list[Claim | None]:
    """`claim_attempt` for a batch of keys, in one transaction; in `keys`' order."""
    async with db.transaction() as session:
        return await ledger.claim_many(
            session,
            keys=keys,
            claimed_by=claimed_by,
            now=now,
            lease=lease,
            max_attempts=MAX_ATTEMPTS,
        )


async def record_post_outcome(
    *, db: Database, entry_id: int, outcome: Outcome, now: datetime
) -> None:
    await record_post_outcomes(db=db, finished=[(entry_id, outcome)], now=now)


async def record_post_outcomes(
    *, db: Database, finished: Sequence[tuple[int, Outcome]], now: datetime
) -> None:
    """How each claimed entry ended, all in one transaction (with what each job stores)."""
    async with db.transaction() as session:
        for entry_id, outcome in finished:
            await ledger.finish(session, entry_id=entry_id, outcome=outcome, now=now)


__all__ = [
    "MAX_ATTEMPTS",
    "Claim",
    "LedgerKey",
    "LedgerStatus",
    "Outcome",
    "claim_attempt",
    "claim_attempts",
    "claim_post",
    "record_post_outcome",
    "record_post_outcomes",
]
