"""Exactly-once scheduled posts: claim in the ledger, send, then record the outcome."""

from __future__ import annotations

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


async def record_post_outcome(
    *, db: Database, entry_id: int, outcome: Outcome, now: datetime
) -> None:
    async with db.transaction() as session:
        await ledger.finish(session, entry_id=entry_id, outcome=outcome, now=now)


__all__ = [
    "MAX_ATTEMPTS",
    "Claim",
    "LedgerKey",
    "LedgerStatus",
    "Outcome",
    "claim_attempt",
    "claim_post",
    "record_post_outcome",
]
