"""The scheduler ledger: claim a scheduled post before sending it, record the result after."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LedgerEntry, LedgerStatus
from storage.upsert import insert_new_id, insert_statement

LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]


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
        return "/".join(asdict(self).values())


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
    #: What the job stores with this outcome (e.g. where its DM is), written in the same
    #: transaction as the ledger entry: the two are never recorded apart, for one commit.
    also_store: Callable[[AsyncSession], Awaitable[None]] | None = field(
        default=None, compare=False, repr=False
    )


@dataclass(frozen=True)
class Claim:
    """A won claim: the entry, and which attempt this is (1 for the first; more when a
    crashed or failed attempt is taken over, whose post may already be in Slack)."""

    entry_id: int
    attempt: int


async def claim(
    session: AsyncSession,
    *,
    key: LedgerKey,
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
        **asdict(key),
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
        .returning(LEDGER.c.id, LEDGER.c.attempts)
    )
    row = retaken.one_or_none()
    return None if row is None else Claim(int(row.id), attempt=int(row.attempts))


async def claim_many(
    session: AsyncSession,
    *,
    keys: Sequence[LedgerKey],
    claimed_by: str,
    now: datetime,
    lease: timedelta,
    max_attempts: int,
) -> list[Claim | None]:
    """`claim` for many keys in one transaction (one INSERT for the new ones), in `keys`'
    order. The rows are written in key order, so two claimers of overlapping batches lock
    them in the same order and never deadlock."""
    ordered = sorted(set(keys), key=lambda k: tuple(asdict(k).values()))
    rows = [
        {
            **asdict(key),
            "status": LedgerStatus.CLAIMED.value,
            "claimed_by": claimed_by,
            "claimed_at": now,
            "attempts": 1,
        }
        for key in ordered
    ]
    claims: dict[LedgerKey, Claim | None] = {}
    if rows:
        inserted = await session.execute(
            insert_statement(session, LEDGER)
            .values(rows)
            .on_conflict_do_nothing(index_elements=list(KEY))
            .returning(LEDGER.c.id, *(LEDGER.c[column] for column in KEY))
        )
        for row in inserted:
            claims[LedgerKey(*(row[1:]))] = Claim(int(row[0]), attempt=1)
    for key in ordered:
        if key not in claims:  # already in the ledger: taken over only if left or failed
            claims[key] = await claim(
                session,
                key=key,
                claimed_by=claimed_by,
                now=now,
                lease=lease,
                max_attempts=max_attempts,
            )
    return [claims[key] for key in keys]


async def finish(session: AsyncSession, *, entry_id: int, outcome: Outcome, now: datetime) -> None:
    """Record how a claimed entry ended: sent (with Slack's ts), skipped or failed, with what
    the job stores alongside (`Outcome.also_store`)."""
    if outcome.also_store is not None:
        await outcome.also_store(session)
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
