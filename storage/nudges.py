"""Queries behind the weekly check-in nudges: whole-workspace reads in a fixed number of
statements (the ticker looks at every owner every minute)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import (
    CheckIn,
    KeyResult,
    LifecycleState,
    Member,
    Nudge,
    Objective,
    Team,
)
from storage.upsert import insert_statement
from storage.workspaces import NEVER_REFRESHED, ensure_member

NUDGE = Nudge.__table__  # type: ignore[attr-defined]
MEMBER = Member.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class OwnedKeyResult:
    """An open KR of an open objective, with its owners and when it was last checked in."""

    workspace_id: str
    team_id: int
    key_result_id: int
    key_result_ref: int
    owner_user_id: str
    objective_id: int
    objective_owner_user_id: str
    last_check_in_at: datetime | None


async def open_key_results(session: AsyncSession) -> list[OwnedKeyResult]:
    """Every open KR of every open objective, in one statement."""
    last = func.max(col(CheckIn.created_at)).label("last")
    # Every column but the latest check-in is grouped on, so one list serves both clauses.
    owned = (
        col(KeyResult.workspace_id),
        col(Objective.team_id),
        col(KeyResult.id),
        col(KeyResult.ref),
        col(KeyResult.owner_user_id),
        col(Objective.id),
        col(Objective.owner_user_id),
    )
    rows = await session.execute(
        select(*owned, last)
        .join(Objective, col(Objective.id) == col(KeyResult.objective_id))
        .outerjoin(CheckIn, col(CheckIn.key_result_id) == col(KeyResult.id))
        .where(
            col(KeyResult.state) == LifecycleState.OPEN.value,
            col(Objective.state) == LifecycleState.OPEN.value,
        )
        .group_by(*owned)
    )
    # max() keeps the column's type, so `at` comes back as an aware UTC datetime.
    return [
        OwnedKeyResult(ws, team, kr or 0, ref, owner, objective or 0, objective_owner, at)
        for ws, team, kr, ref, owner, objective, objective_owner, at in rows
    ]


async def owns_open_key_result(session: AsyncSession, workspace_id: str, user_id: str) -> bool:
    """Whether the person owns at least one open KR of an open objective."""
    found = await session.scalar(
        select(col(KeyResult.id))
        .join(Objective, col(Objective.id) == col(KeyResult.objective_id))
        .where(
            col(KeyResult.workspace_id) == workspace_id,
            col(KeyResult.owner_user_id) == user_id,
            col(KeyResult.state) == LifecycleState.OPEN.value,
            col(Objective.state) == LifecycleState.OPEN.value,
        )
        .limit(1)
    )
    return found is not None


async def all_teams(session: AsyncSession) -> dict[int, Team]:
    return {t.id: t for t in await session.scalars(select(Team)) if t.id is not None}


async def members_of(
    session: AsyncSession, workspace_ids: Collection[str]
) -> dict[tuple[str, str], Member]:
    if not workspace_ids:
        return {}
    rows = await session.scalars(select(Member).where(col(Member.workspace_id).in_(workspace_ids)))
    return {(m.workspace_id, m.user_id): m for m in rows}


async def nudges_since(session: AsyncSession, since: datetime) -> list[Nudge]:
    return list((await session.scalars(select(Nudge).where(col(Nudge.sent_at) >= since))).all())


async def nudges_by_id(session: AsyncSession, ids: Collection[int]) -> list[Nudge]:
    if not ids:
        return []
    return list((await session.scalars(select(Nudge).where(col(Nudge.id).in_(ids)))).all())


async def get_nudge(session: AsyncSession, workspace_id: str, nudge_id: int) -> Nudge | None:
    nudge = await session.get(Nudge, nudge_id)
    return nudge if nudge is not None and nudge.workspace_id == workspace_id else None


async def open_nudges(
    session: AsyncSession,
    rows: list[dict[str, Any]],
    *,
    chunk: int = 1000,
) -> dict[tuple[str, int, str, str], Nudge]:
    """Create the week's nudge rows that do not exist yet, in a few statements, and return
    every row of those keys (new or older) by (workspace, team, user, period)."""
    for start in range(0, len(rows), chunk):
        await session.execute(
            insert_statement(session, NUDGE)
            .values(rows[start : start + chunk])
            .on_conflict_do_nothing(index_elements=["workspace_id", "team_id", "user_id", "period"])
        )
    wanted = {(r["workspace_id"], r["team_id"], r["user_id"], r["period"]) for r in rows}
    users = sorted({r["user_id"] for r in rows})
    periods = sorted({r["period"] for r in rows})
    found: dict[tuple[str, int, str, str], Nudge] = {}
    for start in range(0, len(users), chunk):
        query = select(Nudge).where(
            col(Nudge.user_id).in_(users[start : start + chunk]), col(Nudge.period).in_(periods)
        )
        for nudge in await session.scalars(query):
            key = (nudge.workspace_id, nudge.team_id, nudge.user_id, nudge.period)
            if key in wanted:
                found[key] = nudge
    return found


async def mark_posted(
    session: AsyncSession,
    nudge_id: int,
    *,
    channel: str,
    ts: str,
    reminded_at: datetime | None,
    ask_afresh: bool,
) -> None:
    """Record where the latest DM is, in one statement."""
    values: dict[str, Any] = {"dm_channel": channel, "dm_ts": ts}
    if reminded_at is not None:
        values["reminded_at"] = reminded_at
    if ask_afresh:
        values |= {"answer": None, "answered_at": None, "snoozed_until": None}
    await session.execute(update(NUDGE).where(NUDGE.c.id == nudge_id).values(**values))


async def delete_check_ins(session: AsyncSession, ids: Collection[int]) -> None:
    if ids:
        await session.execute(delete(CheckIn).where(col(CheckIn.id).in_(ids)))


async def key_results_of_check_ins(
    session: AsyncSession, check_in_ids: Collection[int]
) -> set[int]:
    """The KRs these check-ins were recorded on (those still stored)."""
    if not check_in_ids:
        return set()
    rows = await session.scalars(
        select(col(CheckIn.key_result_id)).where(col(CheckIn.id).in_(check_in_ids))
    )
    return set(rows)


async def set_pause(
    session: AsyncSession, *, workspace_id: str, user_id: str, until: date | None, now: datetime
) -> None:
    """Pause (or resume with None) a member's nudges; the member row is made if missing."""
    # Slack has not been asked about them yet: the next look-up is due at once.
    await ensure_member(session, workspace_id, user_id, refreshed_at=NEVER_REFRESHED)
    await session.execute(
        update(MEMBER)
        .where(MEMBER.c.workspace_id == workspace_id, MEMBER.c.user_id == user_id)
        .values(nudges_paused_until=until)
    )


async def objective_ids_of(session: AsyncSession, key_result_ids: Collection[int]) -> list[int]:
    if not key_result_ids:
        return []
    rows = await session.scalars(
        select(col(KeyResult.objective_id)).where(col(KeyResult.id).in_(key_result_ids)).distinct()
    )
    return list(rows)


async def key_result_ids_of_refs(
    session: AsyncSession, workspace_id: str, refs: Collection[int]
) -> list[int]:
    if not refs:
        return []
    rows = await session.scalars(
        select(col(KeyResult.id)).where(
            col(KeyResult.workspace_id) == workspace_id, col(KeyResult.ref).in_(refs)
        )
    )
    return [i for i in rows if i is not None]
