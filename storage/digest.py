"""Queries of the weekly digest: where each KR stood a week ago, what was recorded this week,
which digests are already settled in the ledger, and the teams a digest may be due for.

Every function is one statement whatever the number of teams, KRs or check-ins involved, so a
team's digest costs a fixed number of statements.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from storage.models import (
    CheckIn,
    Cycle,
    LedgerEntry,
    LedgerStatus,
    Member,
    Nudge,
    Reading,
    Team,
)

SETTLED = (LedgerStatus.SENT.value, LedgerStatus.SKIPPED.value)


async def all_teams(session: AsyncSession) -> list[Team]:
    """Every team of every workspace, by id (the scheduler looks at all of them each tick)."""
    return list((await session.scalars(select(Team).order_by(col(Team.id)))).all())


async def cycle_by_key(session: AsyncSession, workspace_id: str, key: str) -> Cycle | None:
    return (
        await session.scalars(
            select(Cycle).where(col(Cycle.workspace_id) == workspace_id, col(Cycle.key) == key)
        )
    ).first()


async def latest_check_ins_at(
    session: AsyncSession, key_result_ids: Collection[int], at: datetime
) -> dict[int, CheckIn]:
    """Each key result's latest check-in made at or before `at`, in one statement (a window
    function over the KRs' check-ins up to `at`). KRs without one are absent."""
    if not key_result_ids:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=col(CheckIn.key_result_id),
            order_by=(col(CheckIn.created_at).desc(), col(CheckIn.id).desc()),
        )
        .label("rank")
    )
    ranked = (
        select(CheckIn, rank)
        .where(col(CheckIn.key_result_id).in_(key_result_ids), col(CheckIn.created_at) <= at)
        .subquery()
    )
    before = aliased(CheckIn, ranked)
    rows = await session.scalars(select(before).where(ranked.c.rank == 1))
    return {c.key_result_id: c for c in rows}


async def readings_recorded_between(
    session: AsyncSession,
    *,
    north_star_id: int,
    input_metric_ids: Collection[int],
    since: datetime,
    until: datetime,
) -> int:
    """How many readings of a North Star and its inputs were recorded in (since, until]."""
    metric = col(Reading.north_star_id) == north_star_id
    if input_metric_ids:
        metric = or_(metric, col(Reading.input_metric_id).in_(input_metric_ids))
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Reading)
            .where(metric, col(Reading.recorded_at) > since, col(Reading.recorded_at) <= until)
        )
        or 0
    )


async def settled_subjects(
    session: AsyncSession, *, kind: str, periods: Collection[str]
) -> set[tuple[str, str, str]]:
    """(workspace, subject, period) of the ledger entries of `kind` in `periods` that are
    settled for good (sent or skipped): nothing is left to do for them."""
    if not periods:
        return set()
    rows = await session.execute(
        select(
            col(LedgerEntry.workspace_id), col(LedgerEntry.subject), col(LedgerEntry.period)
        ).where(
            col(LedgerEntry.kind) == kind,
            col(LedgerEntry.period).in_(periods),
            col(LedgerEntry.status).in_(SETTLED),
        )
    )
    return {(str(w), str(s), str(p)) for w, s, p in rows}


async def nudges_sent_between(
    session: AsyncSession, *, team_id: int, since: datetime, until: datetime
) -> list[Nudge]:
    """The team's check-in DMs sent in (since, until], oldest first: what was due this week
    and how each owner answered."""
    rows = await session.scalars(
        select(Nudge)
        .where(
            col(Nudge.team_id) == team_id,
            col(Nudge.sent_at) > since,
            col(Nudge.sent_at) <= until,
        )
        .order_by(col(Nudge.sent_at), col(Nudge.id))
    )
    return list(rows.all())


async def members_of_users(
    session: AsyncSession, workspace_id: str, user_ids: Collection[str]
) -> dict[str, Member]:
    """The member rows of these people (those Polaris has seen), by user id."""
    if not user_ids:
        return {}
    rows = await session.scalars(
        select(Member).where(
            col(Member.workspace_id) == workspace_id, col(Member.user_id).in_(sorted(user_ids))
        )
    )
    return {m.user_id: m for m in rows}


async def digest_posted(
    session: AsyncSession, *, workspace_id: str, subject: str, kinds: Collection[str]
) -> bool:
    """Whether a digest of these ledger kinds was ever posted (sent) for `subject`."""
    found = await session.scalar(
        select(col(LedgerEntry.id))
        .where(
            col(LedgerEntry.workspace_id) == workspace_id,
            col(LedgerEntry.subject) == subject,
            col(LedgerEntry.kind).in_(kinds),
            col(LedgerEntry.status) == LedgerStatus.SENT.value,
        )
        .limit(1)
    )
    return found is not None
