"""What an objective drives: the team's North Star, one of its input metrics, or health. The
choices the objective modal offers, and linking an existing objective (`/okr northstar link`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain.errors import N_, NotFound, PermissionDenied, field_error
from bot.domain.names import closest
from bot.domain.northstar import Drives, same_metric_name
from bot.domain.permissions import Actor
from bot.domain.refs import objective_label
from bot.services.northstar import objective_link, require_north_star
from bot.services.read_models import Choice, InputMetricView, LinkedObjective, NorthStarView
from storage import northstar as store
from storage import okrs
from storage.database import Database
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


async def link_objective(
    *,
    db: Database,
    workspace_id: str,
    objective_ref: int,
    drives: Drives,
    input_metric_name: str | None = None,
    input_metric_id: int | None = None,
    actor: Actor,
    now: datetime,
) -> LinkedObjective:
    """Declare what objective O-<ref> drives: its team's North Star, one of its inputs (by
    name or id), or health (explicitly not aimed at the North Star).

    Only the objective's owner, its team lead or an admin may link it. Raises NotFound (no
    such objective), InvalidFields (`metric`: unknown input), UserError (no North Star to
    drive), PermissionDenied.
    """
    async with db.transaction() as session:
        objective = await okrs.objective_by_ref(session, workspace_id, objective_ref)
        if objective is None:
            raise NotFound(
                N_("There is no objective {label}."), label=objective_label(objective_ref)
            )
        team = await store.team_of_id(session, workspace_id, objective.team_id)
        # As for the North Star itself: a team without a lead is steered by its admins.
        if not (actor.is_admin or actor.user_id in {objective.owner_user_id, team.lead_user_id}):
            raise PermissionDenied(
                N_("Only the objective's owner, the team lead or an admin can link it.")
            )
        metric_name: str | None = None
        metric_id: int | None = None
        if drives is not Drives.HEALTH:
            view = await require_north_star(session, team)
            metric_name = view.name
            if drives is Drives.INPUT_METRIC:
                metric = _find_input(view, input_metric_name, input_metric_id)
                metric_name, metric_id = metric.name, metric.id
        objective.drives = drives.value
        objective.input_metric_id = metric_id
        objective.updated_at = now
        session.add(objective)
        return LinkedObjective(objective_link(objective), drives, metric_name)


def _find_input(view: NorthStarView, name: str | None, metric_id: int | None) -> InputMetricView:
    for metric in view.inputs:
        if metric_id is not None and metric.id == metric_id:
            return metric
        if name is not None and same_metric_name(metric.name, name):
            return metric
    guess = closest(name, [m.name for m in view.inputs]) if name else None
    if guess is not None:
        raise field_error(
            "metric",
            N_("There is no input metric called “{name}”. Did you mean “{suggestion}”?"),
            name=name,
            suggestion=guess,
        )
    raise field_error(
        "metric",
        N_("There is no input metric called “{name}”. The inputs are: {known}."),
        name=name or str(metric_id),
        known=", ".join(m.name for m in view.inputs) or "—",
    )
