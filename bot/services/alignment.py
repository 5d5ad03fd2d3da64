"""What an objective drives: the team's North Star, one of its input metrics, or health."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain.errors import N_, field_error
from bot.services.read_models import Choice
from storage.models import InputMetric, NorthStar, ObjectiveDrives

INPUT_PREFIX = "input_metric:"


async def drivable_choices(
    session: AsyncSession, workspace_id: str, team_id: int | None
) -> tuple[Choice, ...]:
    """The options of "What does it drive?": the NSM and its live inputs, then health."""
    choices: list[Choice] = []
    if team_id is not None:
        north_star = (
            await session.scalars(
                select(NorthStar).where(
                    col(NorthStar.workspace_id) == workspace_id, col(NorthStar.team_id) == team_id
                )
            )
        ).first()
        if north_star is not None:
            choices.append(Choice(ObjectiveDrives.NORTH_STAR.value, north_star.name))
            inputs = await session.scalars(
                select(InputMetric)
                .where(
                    col(InputMetric.north_star_id) == north_star.id,
                    col(InputMetric.archived_at).is_(None),
                )
                .order_by(col(InputMetric.name))
            )
            choices.extend(Choice(f"{INPUT_PREFIX}{m.id}", m.name) for m in inputs)
    choices.append(Choice(ObjectiveDrives.HEALTH.value, ""))
    return tuple(choices)


async def resolve_drives(
    session: AsyncSession, workspace_id: str, team_id: int, value: str | None
) -> tuple[str | None, int | None]:
    """(drives, input_metric_id) for a choice value; raises InvalidFields on a metric that is
    not one of the team's inputs."""
    if value is None:
        return None, None
    if value in (ObjectiveDrives.NORTH_STAR.value, ObjectiveDrives.HEALTH.value):
        return value, None
    if value.startswith(INPUT_PREFIX) and value[len(INPUT_PREFIX) :].isdigit():
        metric = await session.get(InputMetric, int(value[len(INPUT_PREFIX) :]))
        if metric is not None and metric.workspace_id == workspace_id:
            north_star = await session.get(NorthStar, metric.north_star_id)
            if north_star is not None and north_star.team_id == team_id:
                return ObjectiveDrives.INPUT_METRIC.value, metric.id
    raise field_error("drives", N_("Pick one of the team's input metrics."))
