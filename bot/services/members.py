"""Who is acting: their locale, time zone and rights, as Slack last told us."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

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
    status: SlackPerson | None = None,
) -> MemberProfile:
    """Store what Slack said about a user (creating the workspace on first sight); `status`
    carries their profile status when Slack answered."""
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
            status=None
            if status is None
            else {
                "status_emoji": status.status_emoji,
                "status_text": status.status_text,
                "status_expires_at": status.status_expires_at,
            },
        )
    return MemberProfile(user_id, locale, timezone, is_admin, workspace.default_locale)


async def accept_event(*, db: Database, workspace_id: str, event_id: str, now: datetime) -> bool:
    """True the first time an event id is seen; False for Slack's retried deliveries."""
    async with db.transaction() as session:
        return await workspaces.record_event(
            session, workspace_id=workspace_id, event_id=event_id, now=now
        )


# --- People Polaris has never seen -------------------------------------------------------------


@dataclass(frozen=True)
class SlackPerson:
    """What Slack's `users.info` said about someone (`found` False: Slack could not say).
    `status_expires_at` is None for a status that does not expire."""

    user_id: str
    found: bool = True
    locale: str | None = None
    timezone: str | None = None
    is_admin: bool = False
    status_emoji: str | None = None
    status_text: str | None = None
    status_expires_at: datetime | None = None
    # Slack's do not disturb: notifications paused until then (None: not paused).
    dnd_until: datetime | None = None


async def people_to_learn(
    *, db: Database, workspace_id: str, user_ids: Collection[str], ttl: timedelta, now: datetime
) -> list[str]:
    """Those of `user_ids` Slack has not told us about within `ttl` (new owners, mostly)."""
    wanted = {u for u in user_ids if u}
    async with db.transaction() as session:
        fresh = await workspaces.refreshed_since(session, workspace_id, wanted, now - ttl)
    return sorted(wanted - fresh)


async def remember_people(
    *,
    db: Database,
    workspace_id: str,
    people: Sequence[SlackPerson],
    default_locale: str,
    now: datetime,
) -> None:
    """Store what Slack said about these people, in one transaction: their locale, time zone
    and status are what nudges, reminders and snoozes follow. Those Slack could not tell us
    about are only marked as asked (asked again when the cache expires)."""
    if not people:
        return
    rows = [
        {
            "user_id": p.user_id,
            "locale": p.locale,
            "timezone": p.timezone,
            "is_admin": p.is_admin,
            "status_emoji": p.status_emoji,
            "status_text": p.status_text,
            "status_expires_at": p.status_expires_at,
            "dnd_until": p.dnd_until,
        }
        for p in people
        if p.found
    ]
    async with db.transaction() as session:
        await workspaces.ensure_workspace(
            session, workspace_id=workspace_id, default_locale=default_locale, now=now
        )
        await workspaces.save_members(session, workspace_id, rows, now=now)
        await workspaces.touch_members(
            session, workspace_id, [p.user_id for p in people if not p.found], now=now
        )
