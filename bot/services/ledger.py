"""Exactly-once scheduled posts: claim in the ledger, send, then record the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage import ledger
from storage.database import Database
from storage.ledger import Claim
from storage.models import LedgerStatus

# After this many failed or abandoned attempts a post is given up (and stays visible as failed).
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class LedgerKey:
    """What makes a scheduled post unique: e.g. ("T1", "digest", "team:4", "2026-W48")."""

    workspace_id: str
    kind: str
    subject: str
    period: str

    @property
    def marker(self) -> str:
        """The key as one string: what a scheduled post carries in Slack's message metadata,
        so an uncertain attempt can be found in the channel instead of being sent again."""
        return "/".join((self.workspace_id, self.kind, self.subject, self.period))


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
            session,
            workspace_id=key.workspace_id,
            kind=key.kind,
            subject=key.subject,
            period=key.period,
            claimed_by=claimed_by,
            now=now,
            lease=lease,
            max_attempts=MAX_ATTEMPTS,
        )


async def record_post_outcome(
    *,
    db: Database,
    entry_id: int,
    status: LedgerStatus,
    now: datetime,
    channel: str | None = None,
    ts: str | None = None,
    error: str | None = None,
) -> None:
    async with db.transaction() as session:
        await ledger.finish(
            session, entry_id=entry_id, status=status, now=now, channel=channel, ts=ts, error=error
        )


__all__ = [
    "MAX_ATTEMPTS",
    "Claim",
    "LedgerKey",
    "LedgerStatus",
    "claim_attempt",
    "claim_post",
    "record_post_outcome",
]
