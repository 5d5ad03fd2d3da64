"""The scheduler ledger: claim a scheduled post before sending it, record the result after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LedgerEntry, LedgerStatus
from storage.upsert import insert_new_id

LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]
KEY = ("workspace_id", "kind", "subject", "period")


@dataclass(frozen=True)
class Claim:
    """A won claim: the entry, and which attempt this is (1 for the first; more when a
    crashed or failed attempt is taken over, whose post may already be in Slack)."""

    entry_id: int
    attempt: int


async def claim(
    session: AsyncSession,
    *,
    workspace_id: str,
    kind: str,
    subject: str,
    period: str,
    claimed_by: str,
    now: datetime,
    lease: timedelta,
    max_attempts: int,
) -> Claim | None:
    """Claim the key for this caller; the claim if won, None if someone else holds it.

    A new key is inserted; an existing one is taken over only when its previous claim was left
    unsent for longer than `lease` (a crash between claim and send) or failed in a retryable way,
    and fewer than `max_attempts` were made. Both paths are single statements, so two
    concurrent claimers can never both win.
    """
    values = {
        "workspace_id": workspace_id,
        "kind": kind,
        "subject": subject,
        "period": period,
        "status": LedgerStatus.CLAIMED.value,
        "claimed_by": claimed_by,
        "claimed_at": now,
        "attempts": 1,
    }
    entry_id = await insert_new_id(session, LEDGER, values, conflict=KEY)
    if entry_id is not None:
        return Claim(entry_id, attempt=1)
    retaken = await session.execute(
        update(LEDGER)
        .where(
            LEDGER.c.workspace_id == workspace_id,
            LEDGER.c.kind == kind,
            LEDGER.c.subject == subject,
            LEDGER.c.period == period,
            LEDGER.c.attempts < max_attempts,
            or_(
                and_(
                    LEDGER.c.status == LedgerStatus.CLAIMED.value,
                    LEDGER.c.claimed_at < now - lease,
                ),
                LEDGER.c.status == LedgerStatus.FAILED.value,
            ),
        )
        .values(
            status=LedgerStatus.CLAIMED.value,
            claimed_by=claimed_by,
            claimed_at=now,
            attempts=LEDGER.c.attempts + 1,
            error=None,
        )
        .returning(LEDGER.c.id, LEDGER.c.attempts)
    )
    row = retaken.one_or_none()
    return None if row is None else Claim(int(row.id), attempt=int(row.attempts))


async def finish(
    session: AsyncSession,
    *,
    entry_id: int,
    status: LedgerStatus,
    now: datetime,
    channel: str | None = None,
    ts: str | None = None,
    error: str | None = None,
) -> None:
    """Record how a claimed entry ended: sent (with Slack's ts), skipped or failed."""
    await session.execute(
        update(LEDGER)
        .where(LEDGER.c.id == entry_id)
        .values(
            status=status.value,
            sent_at=now if status is LedgerStatus.SENT else None,
            slack_channel=channel,
            slack_ts=ts,
            error=error[:255] if error else None,
        )
    )
