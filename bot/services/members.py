"""Who is acting: their locale, time zone and rights, as Slack last told us."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage import workspaces
from storage.database import Database


@dataclass(frozen=True)
class MemberProfile:
    """A user's preferences as Polaris applies them; `workspace_locale` is the fallback."""

    user_id: str
    locale: str | None
    timezone: str | None
    is_admin: bool
    workspace_locale: str


async def remember_member(
    *,
    db: Database,
    workspace_id: str,
    user_id: str,
    locale: str | None,
    timezone: str | None,
    is_admin: bool,
    default_locale: str,
    now: datetime,
) -> MemberProfile:
    """Store what Slack said about a user (creating the workspace on first sight)."""
    async with db.transaction() as session:
        workspace = await workspaces.ensure_workspace(
            session, workspace_id=workspace_id, default_locale=default_locale, now=now
        )
        await workspaces.save_member(
            session,
            workspace_id=workspace_id,
            user_id=user_id,
            locale=locale,
            timezone=timezone,
            is_admin=is_admin,
            now=now,
        )
    return MemberProfile(user_id, locale, timezone, is_admin, workspace.default_locale)


async def accept_event(*, db: Database, workspace_id: str, event_id: str, now: datetime) -> bool:
    """True the first time an event id is seen; False for Slack's retried deliveries."""
    async with db.transaction() as session:
        return await workspaces.record_event(
            session, workspace_id=workspace_id, event_id=event_id, now=now
        )
