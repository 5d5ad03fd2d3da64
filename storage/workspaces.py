"""Workspaces, members and processed Slack events."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Member, ProcessedEvent, Workspace
from storage.upsert import insert_if_absent, insert_statement

# `refreshed_at` of a member row made before Slack was asked about them (a pause, say).
NEVER_REFRESHED = datetime(1970, 1, 1, tzinfo=UTC)

WORKSPACE = Workspace.__table__  # type: ignore[attr-defined]
MEMBER = Member.__table__  # type: ignore[attr-defined]
PROCESSED_EVENT = ProcessedEvent.__table__  # type: ignore[attr-defined]


async def ensure_workspace(
    session: AsyncSession, *, workspace_id: str, default_locale: str, now: datetime
) -> Workspace:
    """The workspace row, created on first sight."""
    await insert_if_absent(
        session,
        WORKSPACE,
        {"id": workspace_id, "default_locale": default_locale, "created_at": now},
        conflict=("id",),
    )
    workspace = await session.get(Workspace, workspace_id)
    assert workspace is not None
    return workspace


async def save_member(
    session: AsyncSession,
    *,
    workspace_id: str,
    user_id: str,
    locale: str | None,
    timezone: str | None,
    is_admin: bool,
    now: datetime,
    status: dict[str, Any] | None = None,
) -> None:
    """Insert or refresh what Slack told us about a user (keeps their nudge pause).
    `status`: `status_emoji`, `status_text`, `status_expires_at` when Slack gave them."""
    values = {"locale": locale, "timezone": timezone, "is_admin": is_admin, "refreshed_at": now}
    values |= status or {}
    stmt = insert_statement(session, MEMBER).values(
        workspace_id=workspace_id, user_id=user_id, **values
    )
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["workspace_id", "user_id"], set_=values)
    )


async def save_members(
    session: AsyncSession, workspace_id: str, rows: Sequence[dict[str, Any]], *, now: datetime
) -> None:
    """Insert or refresh many users at once: each row has `user_id`, `locale`, `timezone`,
    `is_admin`, the `status_*` columns and `dnd_until`. Keeps their nudge pause."""
    for row in rows:
        values = {k: v for k, v in row.items() if k != "user_id"} | {"refreshed_at": now}
        stmt = insert_statement(session, MEMBER).values(
            workspace_id=workspace_id, user_id=row["user_id"], **values
        )
        await session.execute(
            stmt.on_conflict_do_update(index_elements=["workspace_id", "user_id"], set_=values)
        )


async def ensure_member(
    session: AsyncSession, workspace_id: str, user_id: str, *, refreshed_at: datetime
) -> None:
    """Make the member row if missing (a person named before Polaris asked Slack about
    them), as last asked about at `refreshed_at`; an existing row is left as it is."""
    await insert_if_absent(
        session,
        MEMBER,
        {
            "workspace_id": workspace_id,
            "user_id": user_id,
            "is_admin": False,
            "refreshed_at": refreshed_at,
        },
        conflict=("workspace_id", "user_id"),
    )


async def touch_members(
    session: AsyncSession, workspace_id: str, user_ids: Collection[str], *, now: datetime
) -> None:
    """Slack could not say (user gone, error): ask again only once the cache has expired."""
    for user_id in user_ids:
        await ensure_member(session, workspace_id, user_id, refreshed_at=now)
    if user_ids:
        await session.execute(
            update(MEMBER)
            .where(MEMBER.c.workspace_id == workspace_id, MEMBER.c.user_id.in_(list(user_ids)))
            .values(refreshed_at=now)
        )


async def refreshed_since(
    session: AsyncSession, workspace_id: str, user_ids: Collection[str], since: datetime
) -> set[str]:
    """Those of `user_ids` whose row Slack refreshed at or after `since`."""
    if not user_ids:
        return set()
    rows = await session.scalars(
        select(col(Member.user_id)).where(
            col(Member.workspace_id) == workspace_id,
            col(Member.user_id).in_(list(user_ids)),
            col(Member.refreshed_at) >= since,
        )
    )
    return set(rows)


async def get_workspace(session: AsyncSession, workspace_id: str) -> Workspace | None:
    return await session.get(Workspace, workspace_id)


async def get_member(session: AsyncSession, *, workspace_id: str, user_id: str) -> Member | None:
    return await session.get(Member, (workspace_id, user_id))


async def record_event(
    session: AsyncSession, *, workspace_id: str, event_id: str, now: datetime
) -> bool:
    """Remember a Slack event id; False if it was already recorded (a retried delivery)."""
    return await insert_if_absent(
        session,
        PROCESSED_EVENT,
        {"workspace_id": workspace_id, "event_id": event_id, "received_at": now},
        conflict=("workspace_id", "event_id"),
    )


async def forget_events_before(session: AsyncSession, *, cutoff: datetime) -> int:
    """Drop event ids older than Slack's retry window; returns how many were removed."""
    result = await session.execute(
        delete(PROCESSED_EVENT).where(PROCESSED_EVENT.c.received_at < cutoff)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
