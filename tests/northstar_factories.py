"""Plain factories for North Star tests: a team, a cycle, objectives, a defined North Star."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.northstar import (
    CounterMetricDraft,
    Direction,
    InputMetricDraft,
    NorthStarDraft,
    TimeWindow,
)
from bot.domain.permissions import Actor
from bot.services.commands import DefineNorthStar
from bot.services.northstar import define_north_star
from bot.services.read_models import SavedNorthStar
from storage.database import Database
from storage.models import Cycle, Objective, Team
from storage.workspaces import ensure_workspace

WORKSPACE = "T0001"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def inserted_id(session: AsyncSession, row: Team | Objective) -> int:
    """Add `row` and return the id the database gave it."""
    session.add(row)
    await session.flush()
    assert row.id is not None
    return row.id


async def make_team(
    db: Database,
    *,
    workspace_id: str = WORKSPACE,
    channel_id: str = "C1",
    name: str = "Growth",
    archetype: str = "product",
    lead_user_id: str | None = "U1",
) -> int:
    async with db.transaction() as session:
        await ensure_workspace(session, workspace_id=workspace_id, default_locale="en", now=NOW)
        team = Team(
            workspace_id=workspace_id,
            name=name,
            channel_id=channel_id,
            archetype=archetype,
            timezone="Europe/Paris",
            lead_user_id=lead_user_id,
            created_at=NOW,
            updated_at=NOW,
        )
        return await inserted_id(session, team)


async def make_objective(
    db: Database,
    *,
    team_id: int,
    ref: int,
    title: str,
    owner: str = "U1",
    workspace_id: str = WORKSPACE,
    cycle: tuple[date, date] = (date(2026, 10, 1), date(2026, 12, 31)),
) -> int:
    async with db.transaction() as session:
        found = (await session.scalars(select(Cycle).where(Cycle.key == "2026-Q4"))).first()
        if found is None:
            found = Cycle(
                workspace_id=workspace_id, key="2026-Q4", starts_on=cycle[0], ends_on=cycle[1]
            )
            session.add(found)
            await session.flush()
        assert found.id is not None
        objective = Objective(
            workspace_id=workspace_id,
            ref=ref,
            team_id=team_id,
            cycle_id=found.id,
            title=title,
            owner_user_id=owner,
            created_by=owner,
            created_at=NOW,
            updated_at=NOW,
        )
        return await inserted_id(session, objective)


def product_draft(**changes: object) -> NorthStarDraft:
    values: dict[str, object] = {
        "name": "Weekly sessions rated 4/5 or more",
        "definition": "Sessions completed in the week and rated at least 4 out of 5.",
        "unit": "sessions",
        "direction": Direction.HIGHER_IS_BETTER,
        "window": TimeWindow.WEEK,
        "target": 1500.0,
        "target_date": date(2026, 12, 31),
        "owner_user_id": "U1",
        "measured_since": date(2026, 1, 1),
        "counter_metrics": (CounterMetricDraft("Support tickets per session"),),
        "inputs": (
            InputMetricDraft("New users activated", owner_user_id="U1"),
            InputMetricDraft("Sessions per active user", owner_user_id="U2"),
            InputMetricDraft("Share of sessions rated", owner_user_id="U3"),
        ),
    }
    values.update(changes)
    return NorthStarDraft(**values)  # type: ignore[arg-type]


async def define(
    db: Database,
    team_id: int,
    draft: NorthStarDraft | None = None,
    *,
    user: str = "U1",
    actor: Actor | None = None,
    now: datetime = NOW,
) -> SavedNorthStar:
    return await define_north_star(
        db=db,
        cmd=DefineNorthStar(WORKSPACE, team_id, draft or product_draft(), actor or Actor(user)),
        now=now,
    )
