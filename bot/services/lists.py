"""Pages of objectives: `/okr list` for a person, a channel or a team, and the Home tab."""

from __future__ import annotations

import math
from datetime import datetime

from bot.domain.cycles import current_quarter
from bot.domain.errors import N_, NotFound
from bot.services.commands import ListScope
from bot.services.nudges import needs_check_in
from bot.services.objective_views import LIVE_STATES, ensure_cycle, load_objective_views
from bot.services.read_models import HomeModel, ObjectivePage
from bot.services.teams import team_view
from storage import okrs
from storage.database import Database
from storage.models import LifecycleState
from storage.okrs import ObjectiveFilter


async def list_objectives(
    *,
    db: Database,
    workspace_id: str,
    scope: ListScope,
    timezone: str,
    now: datetime,
    page: int = 1,
    page_size: int = 10,
) -> ObjectivePage:
    """A page of the current cycle's live objectives for the scope. Raises NotFound for an
    unknown team or a channel without a team."""
    async with db.transaction() as session:
        team_ids: list[int] | None = None
        if scope.channel_id is not None:
            team = await okrs.team_by_channel(session, workspace_id, scope.channel_id)
            if team is None:
                raise NotFound(N_("No team lives in <#{channel}> yet."), channel=scope.channel_id)
            team_ids, timezone = [team.id or 0], team.timezone
        elif scope.team_name is not None:
            team = await okrs.team_by_name(session, workspace_id, scope.team_name)
            if team is None:
                raise NotFound(N_("There is no team called “{name}”."), name=scope.team_name)
            team_ids, timezone = [team.id or 0], team.timezone
        cycle = await ensure_cycle(session, workspace_id, current_quarter(now, timezone))
        f = ObjectiveFilter(
            workspace_id,
            team_ids=team_ids,
            cycle_ids=[cycle.id or 0],
            involving_user=scope.user_id,
            states=LIVE_STATES,
        )
        total = await okrs.count_objectives(session, f)
        pages = max(1, math.ceil(total / page_size))
        page = min(max(1, page), pages)
        items = await load_objective_views(
            session, f, now=now, limit=page_size, offset=(page - 1) * page_size
        )
    return ObjectivePage(items=tuple(items), page=page, pages=pages, total=total)


async def home_for(
    *, db: Database, workspace_id: str, user_id: str, timezone: str, now: datetime, limit: int = 25
) -> HomeModel:
    """My objectives and key results, and the objectives of the teams I lead or work in."""
    async with db.transaction() as session:
        cycle = await ensure_cycle(session, workspace_id, current_quarter(now, timezone))
        mine = await load_objective_views(
            session,
            ObjectiveFilter(
                workspace_id,
                cycle_ids=[cycle.id or 0],
                involving_user=user_id,
                states=[LifecycleState.OPEN.value],
            ),
            now=now,
            limit=limit,
        )
        led = await okrs.teams_led_by(session, workspace_id, user_id)
        team_ids = {t.id for t in led if t.id} | {o.team.id for o in mine}
        teams = await okrs.teams_by_id(session, team_ids)
        team_objectives = (
            await load_objective_views(
                session,
                ObjectiveFilter(
                    workspace_id, team_ids=team_ids, cycle_ids=[cycle.id or 0], states=LIVE_STATES
                ),
                now=now,
                limit=limit,
            )
            if team_ids
            else []
        )
    due = sum(
        1
        for o in mine
        for kr in o.key_results
        if kr.owner_user_id == user_id
        and kr.state == LifecycleState.OPEN.value
        and needs_check_in(kr.last_check_in_at, now)
    )
    return HomeModel(
        due_key_results=due,
        my_objectives=tuple(mine),
        team_objectives=tuple(team_objectives),
        # The teams this person leads first: their North Star heads the Home tab.
        teams=tuple(
            team_view(t)
            for t in sorted(teams.values(), key=lambda t: (t.lead_user_id != user_id, t.name))
        ),
    )
