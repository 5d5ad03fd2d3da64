"""Teams: create or edit the team living in a channel; find teams."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.errors import N_, NotFound, PermissionDenied, field_error
from bot.domain.permissions import Actor, may_change
from bot.services.commands import SaveTeam
from bot.services.read_models import TeamView
from storage import ledger, okrs
from storage.database import Database
from storage.models import Archetype, LedgerStatus, Team, Workspace
from storage.workspaces import ensure_workspace

TEAM_PROMPT = "team_prompt"


def team_view(team: Team) -> TeamView:
    assert team.id is not None
    return TeamView(
        id=team.id,
        name=team.name,
        channel_id=team.channel_id,
        archetype=team.archetype,
        timezone=team.timezone,
        locale=team.locale,
        lead_user_id=team.lead_user_id,
        checkin_weekday=team.checkin_weekday,
        checkin_time=team.checkin_time,
        digest_weekday=team.digest_weekday,
        digest_time=team.digest_time,
    )


async def team_for_channel(*, db: Database, workspace_id: str, channel_id: str) -> TeamView | None:
    async with db.transaction() as session:
        team = await okrs.team_by_channel(session, workspace_id, channel_id)
        return team_view(team) if team else None


async def list_teams(*, db: Database, workspace_id: str) -> list[TeamView]:
    async with db.transaction() as session:
        return [team_view(t) for t in await okrs.teams_of(session, workspace_id)]


def _check(cmd: SaveTeam) -> None:
    if not cmd.name.strip():
        raise field_error("name", N_("Give the team a name."))
    if cmd.archetype not in {a.value for a in Archetype}:
        raise field_error("archetype", N_("Pick one of the four archetypes."))
    try:
        ZoneInfo(cmd.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise field_error(
            "timezone",
            N_("Unknown time zone “{zone}”: use a name like Europe/Paris."),
            zone=cmd.timezone,
        ) from None


async def save_team(*, db: Database, cmd: SaveTeam, now: datetime) -> tuple[TeamView, bool]:
    """Create a team (its creator becomes the lead) or edit one (lead or admin only).

    Returns the team and whether it was created. One channel is home to one team at most.
    Raises InvalidFields, NotFound, PermissionDenied.
    """
    _check(cmd)
    async with db.transaction() as session:
        await ensure_workspace(
            session, workspace_id=cmd.workspace_id, default_locale=cmd.locale, now=now
        )
        # One team a channel, one name a workspace: saves of the workspace's teams take turns,
        # so the checks below see a team saved a moment before (never a unique violation).
        await okrs.lock(session, Workspace, cmd.workspace_id)
        team = None
        if cmd.team_id is not None:
            team = await okrs.team_by_id(session, cmd.workspace_id, cmd.team_id)
            if team is None:
                raise NotFound(N_("This team no longer exists."))
            if not may_change(cmd.actor, owners=(), team_lead=team.lead_user_id):
                raise PermissionDenied(
                    N_("Only the team lead or a workspace admin can edit the team.")
                )
        resident = await okrs.team_by_channel(session, cmd.workspace_id, cmd.channel_id)
        if resident is not None and (team is None or resident.id != team.id):
            raise field_error(
                "channel", N_("Team “{name}” already lives in this channel."), name=resident.name
            )
        namesake = await okrs.team_by_name(session, cmd.workspace_id, cmd.name)
        if namesake is not None and (team is None or namesake.id != team.id):
            raise field_error("name", N_("Another team is already called “{name}”."), name=cmd.name)
        created = team is None
        if team is None:
            team = Team(
                workspace_id=cmd.workspace_id,
                lead_user_id=cmd.actor.user_id,
                created_at=now,
                updated_at=now,
                name=cmd.name,
                channel_id=cmd.channel_id,
                archetype=cmd.archetype,
                timezone=cmd.timezone,
            )
        team.name = cmd.name.strip()
        team.channel_id = cmd.channel_id
        team.archetype = cmd.archetype
        team.timezone = cmd.timezone
        team.locale = cmd.locale
        team.checkin_weekday = cmd.checkin_weekday
        team.checkin_time = cmd.checkin_time
        team.digest_weekday = cmd.digest_weekday
        team.digest_time = cmd.digest_time
        team.updated_at = now
        session.add(team)
        await session.flush()
        return team_view(team), created


async def claim_team_prompt(
    *, db: Database, workspace_id: str, channel_id: str, now: datetime
) -> bool:
    """True once per channel without a team: the first time /okr is used there, Polaris
    offers to create one. Recorded in the ledger so it is never repeated."""
    async with db.transaction() as session:
        if await okrs.team_by_channel(session, workspace_id, channel_id) is not None:
            return False
        await ensure_workspace(session, workspace_id=workspace_id, default_locale="en", now=now)
        claim = await ledger.claim(
            session,
            key=ledger.LedgerKey(workspace_id, TEAM_PROMPT, channel_id, "first"),
            claimed_by="command",
            now=now,
            lease=timedelta(days=36500),
            max_attempts=1,
        )
        if claim is None:
            return False
        await ledger.finish(
            session, entry_id=claim.entry_id, outcome=ledger.Outcome(LedgerStatus.SENT), now=now
        )
        return True


def actor_leads(actor: Actor, team: TeamView) -> bool:
    return actor.is_admin or actor.user_id == team.lead_user_id
