"""Exactly-once scheduled posts: claim in the ledger, send, then record the outcome."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage import ledger
from storage.database import Database
from storage.ledger import LedgerKey, Outcome
from storage.models import LedgerStatus

# After this many failed or abandoned attempts a post is given up (and stays visible as failed).
MAX_ATTEMPTS = 5


async def claim_post(
    *, db: Database, key: LedgerKey, claimed_by: str, now: datetime, lease: timedelta
) -> int | None:
    """The ledger entry id if this caller may send the post now, else None."""
    async with db.transaction() as session:
        return await ledger.claim(
            session, key=key, claimed_by=claimed_by, now=now, lease=lease, max_attempts=MAX_ATTEMPTS
        )


async def record_post_outcome(
    *, db: Database, entry_id: int, outcome: Outcome, now: datetime
) -> None:
    async with db.transaction() as session:
        await ledger.finish(session, entry_id=entry_id, outcome=outcome, now=now)


__all__ = [
    "MAX_ATTEMPTS",
    "LedgerKey",
    "LedgerStatus",
    "Outcome",
    "claim_post",
    "record_post_outcome",
]
