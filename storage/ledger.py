"""The scheduler ledger: claim a scheduled post before sending it, record the result after."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LedgerEntry, LedgerStatus
from storage.upsert import insert_new_id

LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class LedgerKey:
    """What makes a scheduled post unique: e.g. ("T1", "digest", "team:4", "2026-W48")."""

    workspace_id: str
    kind: str
    subject: str
    period: str


# The ledger's unique columns: the key's fields, by name.
KEY = tuple(f.name for f in fields(LedgerKey))


@dataclass(frozen=True)
class Outcome:
    """How sending went: SENT (with Slack's channel and ts), SKIPPED (final: never retried)
    or FAILED (a later tick retries it, up to the ledger's attempt limit)."""

    status: LedgerStatus
    channel: str | None = None
    ts: str | None = None
    error: str | None = None


async def claim(
    session: AsyncSession,
    *,
    key: LedgerKey,
    claimed_by: str,
    now: datetime,
    lease: timedelta,
    max_attempts: int,
) -> int | None:
    """Claim the key for this caller; the entry id if won, None if someone else holds it.

    A new key is inserted; an existing one is taken over only when its previous claim was left
    unsent for longer than `lease` (a crash between claim and send) or failed in a retryable way,
    and fewer than `max_attempts` were made. Both paths are single statements, so two
    concurrent claimers can never both win.
    """
    values = {
        **asdict(key),
        "status": LedgerStatus.CLAIMED.value,
        "claimed_by": claimed_by,
        "claimed_at": now,
        "attempts": 1,
    }
    entry_id = await insert_new_id(session, LEDGER, values, conflict=KEY)
    if entry_id is not None:
        return entry_id
    retaken = await session.execute(
        update(LEDGER)
        .where(
            *(LEDGER.c[column] == value for column, value in asdict(key).items()),
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
        .returning(LEDGER.c.id)
    )
    entry_id = retaken.scalar_one_or_none()
    return None if entry_id is None else int(entry_id)


async def finish(session: AsyncSession, *, entry_id: int, outcome: Outcome, now: datetime) -> None:
    """Record how a claimed entry ended: sent (with Slack's ts), skipped or failed."""
    sent = outcome.status is LedgerStatus.SENT
    await session.execute(
        update(LEDGER)
        .where(LEDGER.c.id == entry_id)
        .values(
            status=outcome.status.value,
            sent_at=now if sent else None,
            slack_channel=outcome.channel,
            slack_ts=outcome.ts,
            error=outcome.error[:255] if outcome.error else None,
        )
    )
