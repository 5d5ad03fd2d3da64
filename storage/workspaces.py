"""Workspaces, members and processed Slack events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member, ProcessedEvent, Workspace
from storage.upsert import insert_if_absent, insert_statement

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
) -> None:
    """Insert or refresh what Slack told us about a user (keeps their nudge pause)."""
    values = {"locale": locale, "timezone": timezone, "is_admin": is_admin, "refreshed_at": now}
    stmt = insert_statement(session, MEMBER).values(
        workspace_id=workspace_id, user_id=user_id, **values
    )
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["workspace_id", "user_id"], set_=values)
    )


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
