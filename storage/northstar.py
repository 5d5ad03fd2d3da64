"""Queries for the North Star: the team it belongs to, definitions and their history, readings
and their audit trail, API tokens and idempotency keys, and the objectives that drive the
metrics.

The team lookups raise the domain's errors (a msgid for the user) rather than return None:
every North Star use case starts from a team that must exist.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain.errors import N_, NotFound, UserError
from storage import okrs
from storage.models import (
    ApiIdempotencyKey,
    ApiToken,
    CounterMetric,
    Cycle,
    InputMetric,
    KeyResult,
    LifecycleState,
    NorthStar,
    NorthStarRevision,
    Objective,
    Reading,
    ReadingRevision,
    Team,
)
from storage.upsert import insert_new_id

READING = Reading.__table__  # type: ignore[attr-defined]
IDEMPOTENCY = ApiIdempotencyKey.__table__  # type: ignore[attr-defined]


NO_TEAM = N_("This channel has no team yet: run `/okr team` here first.")


# --- Teams (team_by_channel and team_by_id live in storage.okrs) --------------------------


async def team_of_channel(session: AsyncSession, workspace_id: str, channel_id: str) -> Team:
    """The team living in `channel_id`. Raises UserError when the channel has none."""
    team = await okrs.team_by_channel(session, workspace_id, channel_id)
    if team is None:
        raise UserError(NO_TEAM)
    return team


async def teams_of_person(session: AsyncSession, workspace_id: str, user_id: str) -> list[Team]:
    """The teams a person leads or works in (owns an open objective or an open key result of
    one), by name."""
    owns_kr = select(col(KeyResult.objective_id)).where(
        col(KeyResult.workspace_id) == workspace_id,
        col(KeyResult.owner_user_id) == user_id,
        col(KeyResult.state) == LifecycleState.OPEN.value,
    )
    works_in = select(col(Objective.team_id)).where(
        col(Objective.workspace_id) == workspace_id,
        col(Objective.state) == LifecycleState.OPEN.value,
        or_(col(Objective.owner_user_id) == user_id, col(Objective.id).in_(owns_kr)),
    )
    rows = await session.scalars(
        select(Team)
        .where(
            col(Team.workspace_id) == workspace_id,
            or_(col(Team.lead_user_id) == user_id, col(Team.id).in_(works_in)),
        )
        .order_by(col(Team.name), col(Team.id))
    )
    return list(rows.all())


async def team_of_id(session: AsyncSession, workspace_id: str, team_id: int) -> Team:
    """Team `team_id` of the workspace. Raises NotFound when it is not (or no longer) there."""
    team = await okrs.team_by_id(session, workspace_id, team_id)
    if team is None:
        raise NotFound(N_("This team no longer exists."))
    return team


async def teams_by_channel_anywhere(session: AsyncSession, channel_id: str) -> list[Team]:
    """Teams living in `channel_id` in any workspace (the CLI knows no workspace)."""
    query = select(Team).where(col(Team.channel_id) == channel_id)
    return list((await session.scalars(query)).all())


async def team_of_import(session: AsyncSession, channel_id: str, workspace_id: str | None) -> Team:
    """The team an import names by its channel, in `workspace_id` or, when None, in the only
    workspace with a team there. Raises UserError when there is none, or several."""
    if workspace_id is not None:
        return await team_of_channel(session, workspace_id, channel_id)
    teams = await teams_by_channel_anywhere(session, channel_id)
    if not teams:
        raise UserError(N_("No team lives in channel {channel}."), channel=channel_id)
    if len(teams) > 1:
        raise UserError(
            N_("Several workspaces have a team in channel {channel}: name the workspace."),
            channel=channel_id,
        )
    return teams[0]


# --- Definitions ----------------------------------------------------------------------------


async def north_star_of_team(session: AsyncSession, team_id: int) -> NorthStar | None:
    return (
        await session.scalars(select(NorthStar).where(col(NorthStar.team_id) == team_id))
    ).first()


async def input_metrics(
    session: AsyncSession, north_star_id: int, *, include_archived: bool = False
) -> list[InputMetric]:
    query = select(InputMetric).where(col(InputMetric.north_star_id) == north_star_id)
    if not include_archived:
        query = query.where(col(InputMetric.archived_at).is_(None))
    return list((await session.scalars(query.order_by(col(InputMetric.id)))).all())


async def counter_metrics(session: AsyncSession, north_star_id: int) -> list[CounterMetric]:
    query = select(CounterMetric).where(col(CounterMetric.north_star_id) == north_star_id)
    return list(await session.scalars(query.order_by(col(CounterMetric.id))))


async def add_revision(
    session: AsyncSession,
    *,
    north_star: NorthStar,
    archetype: str | None,
    template: str | None,
    definition: dict[str, Any],
    created_by: str,
    now: datetime,
) -> NorthStarRevision:
    """Append the next numbered revision (1, 2, …) of a North Star's definition."""
    assert north_star.id is not None
    latest = await session.scalar(
        select(func.max(NorthStarRevision.number)).where(
            col(NorthStarRevision.north_star_id) == north_star.id
        )
    )
    revision = NorthStarRevision(
        workspace_id=north_star.workspace_id,
        north_star_id=north_star.id,
        number=(latest or 0) + 1,
        archetype=archetype,
        template=template,
        definition=definition,
        created_by=created_by,
        created_at=now,
    )
    session.add(revision)
    await session.flush()
    return revision


async def revisions(session: AsyncSession, north_star_id: int) -> list[NorthStarRevision]:
    query = select(NorthStarRevision).where(col(NorthStarRevision.north_star_id) == north_star_id)
    return list(await session.scalars(query.order_by(col(NorthStarRevision.number))))


# --- Readings -------------------------------------------------------------------------------


async def readings_of(
    session: AsyncSession, *, north_star_id: int, input_metric_ids: Collection[int]
) -> list[Reading]:
    """Every reading of a North Star and of the given inputs, oldest period first."""
    metric = col(Reading.north_star_id) == north_star_id
    if input_metric_ids:
        metric = metric | col(Reading.input_metric_id).in_(list(input_metric_ids))
    return list(
        await session.scalars(select(Reading).where(metric).order_by(col(Reading.period_start)))
    )


async def put_reading(
    session: AsyncSession,
    *,
    workspace_id: str,
    north_star_id: int | None,
    input_metric_id: int | None,
    period_start: date,
    value: float,
    source: str,
    recorded_by: str,
    now: datetime,
) -> tuple[Reading, ReadingRevision | None]:
    """Store the reading of a metric for a period; a reading already there for that period is
    replaced, its former value kept in `reading_revision` (returned).

    Concurrent writers of the same period are serialised by the unique index: the insert is
    ON CONFLICT DO NOTHING, and the loser takes the replace path on the winner's row.
    """
    metric_column = (
        col(Reading.north_star_id) if north_star_id is not None else col(Reading.input_metric_id)
    )
    metric_id = north_star_id if north_star_id is not None else input_metric_id
    new_id = await insert_new_id(
        session,
        READING,
        {
            "workspace_id": workspace_id,
            "north_star_id": north_star_id,
            "input_metric_id": input_metric_id,
            "period_start": period_start,
            "value": value,
            "source": source,
            "recorded_by": recorded_by,
            "recorded_at": now,
        },
    )
    if new_id is not None:
        reading = await session.get(Reading, new_id)
        assert reading is not None
        return reading, None
    reading = (
        await session.scalars(
            select(Reading)
            .where(metric_column == metric_id, col(Reading.period_start) == period_start)
            .with_for_update()
        )
    ).one()
    assert reading.id is not None
    audit = ReadingRevision(
        workspace_id=workspace_id,
        reading_id=reading.id,
        value=reading.value,
        source=reading.source,
        recorded_by=reading.recorded_by,
        recorded_at=reading.recorded_at,
        replaced_by=recorded_by,
        replaced_at=now,
    )
    session.add(audit)
    reading.value = value
    reading.source = source
    reading.recorded_by = recorded_by
    reading.recorded_at = now
    session.add(reading)
    await session.flush()
    return reading, audit


async def reading_history(session: AsyncSession, reading_id: int) -> list[ReadingRevision]:
    query = select(ReadingRevision).where(col(ReadingRevision.reading_id) == reading_id)
    return list(await session.scalars(query.order_by(col(ReadingRevision.id))))


# --- API tokens and idempotency keys --------------------------------------------------------


async def token_by_hash(session: AsyncSession, token_hash: str) -> ApiToken | None:
    return (
        await session.scalars(select(ApiToken).where(col(ApiToken.token_hash) == token_hash))
    ).first()


async def tokens_of_team(session: AsyncSession, team_id: int) -> list[ApiToken]:
    query = select(ApiToken).where(col(ApiToken.team_id) == team_id)
    return list(await session.scalars(query.order_by(col(ApiToken.created_at))))


async def touch_token(session: AsyncSession, token_id: int, now: datetime) -> None:
    await session.execute(
        update(ApiToken).where(col(ApiToken.id) == token_id).values(last_used_at=now)
    )


async def claim_idempotency_key(
    session: AsyncSession,
    *,
    workspace_id: str,
    team_id: int,
    key: str,
    fingerprint: str,
    now: datetime,
) -> ApiIdempotencyKey | None:
    """Reserve `key` for this request: None if it was free (now taken until the transaction
    ends), else the row of the earlier request (waits for a concurrent one to commit)."""
    values = {
        "workspace_id": workspace_id,
        "team_id": team_id,
        "key": key,
        "fingerprint": fingerprint,
        "created_at": now,
    }
    if await insert_new_id(session, IDEMPOTENCY, values, conflict=["team_id", "key"]) is not None:
        return None
    return (
        await session.scalars(
            select(ApiIdempotencyKey).where(
                col(ApiIdempotencyKey.team_id) == team_id, col(ApiIdempotencyKey.key) == key
            )
        )
    ).one()


async def store_idempotent_response(
    session: AsyncSession, *, team_id: int, key: str, response: dict[str, Any]
) -> None:
    await session.execute(
        update(ApiIdempotencyKey)
        .where(col(ApiIdempotencyKey.team_id) == team_id, col(ApiIdempotencyKey.key) == key)
        .values(response=response)
    )


# --- Objectives -----------------------------------------------------------------------------


async def current_objectives(session: AsyncSession, team_id: int, day: date) -> list[Objective]:
    """The team's open objectives of the cycle(s) containing `day`, by reference."""
    return list(
        (
            await session.scalars(
                select(Objective)
                .join(Cycle, col(Cycle.id) == col(Objective.cycle_id))
                .where(
                    col(Objective.team_id) == team_id,
                    col(Objective.state) == LifecycleState.OPEN.value,
                    col(Cycle.starts_on) <= day,
                    col(Cycle.ends_on) >= day,
                )
                .order_by(col(Objective.ref))
            )
        ).all()
    )


async def cycle_containing(session: AsyncSession, workspace_id: str, day: date) -> Cycle | None:
    return (
        await session.scalars(
            select(Cycle)
            .where(
                col(Cycle.workspace_id) == workspace_id,
                col(Cycle.starts_on) <= day,
                col(Cycle.ends_on) >= day,
            )
            .order_by(col(Cycle.starts_on).desc())
        )
    ).first()
