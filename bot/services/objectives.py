"""Objectives: declare one with its key results, remember its post, edit it, close it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.cycles import current_quarter, next_quarter, quarter_span
from bot.domain.errors import N_, InvalidFields, NotFound, field_error
from bot.domain.progress import MAX_KEY_RESULTS
from bot.domain.refs import objective_label
from bot.services.commands import ChangeObjectiveState, CreateObjective, EditObjective
from bot.services.key_results import check_key_result_draft, new_key_result
from bot.services.objective_views import (
    changed_objective,
    editable_objective,
    ensure_cycle,
    one_objective,
)
from bot.services.read_models import Choice, ObjectiveFormOptions, ObjectiveView
from storage import okrs
from storage.database import Database
from storage.models import LifecycleState, Objective
from storage.okrs import ObjectiveFilter
from storage.workspaces import record_event

# --- Declaring ---------------------------------------------------------------------------


async def objective_form_options(
    *, db: Database, workspace_id: str, channel_id: str, now: datetime
) -> ObjectiveFormOptions:
    """Teams, cycles (current and next), parent objectives and metrics the modal offers."""
    from bot.services.alignment import drivable_choices

    async with db.transaction() as session:
        teams = await okrs.teams_of(session, workspace_id)
        here = next((t for t in teams if t.channel_id == channel_id), None)
        zone = here.timezone if here else (teams[0].timezone if teams else "UTC")
        current = current_quarter(now, zone)
        upcoming = next_quarter(current)
        cycle = await ensure_cycle(session, workspace_id, current)
        parents = await okrs.find_objectives(
            session,
            ObjectiveFilter(
                workspace_id, cycle_ids=[cycle.id or 0], states=[LifecycleState.OPEN.value]
            ),
            limit=100,  # Slack's cap on a static select's options
        )
        drives = await drivable_choices(session, workspace_id, here.id if here else None)
    return ObjectiveFormOptions(
        teams=tuple(Choice(str(t.id), t.name) for t in teams),
        default_team_id=here.id if here else None,
        cycles=(Choice(current.key, current.key), Choice(upcoming.key, upcoming.key)),
        default_cycle=current.key,
        parents=tuple(Choice(str(o.ref), f"{objective_label(o.ref)} {o.title}") for o in parents),
        drives=drives,
    )


async def create_objective(
    *, db: Database, cmd: CreateObjective, now: datetime
) -> ObjectiveView | None:
    """Store an objective and its key results in one transaction.

    Returns None when the same submission was already recorded (Slack delivered it twice).
    Raises InvalidFields with every problem found, so the modal shows them all at once.
    """
    errors: dict[str, tuple[str, dict]] = {}  # type: ignore[type-arg]
    if not cmd.title.strip():
        errors["title"] = (N_("Give the objective a title."), {})
    if not 1 <= len(cmd.key_results) <= MAX_KEY_RESULTS:
        errors["kr1.title"] = (N_("Add between one and five key results."), {})
    for index, draft in enumerate(cmd.key_results, start=1):
        errors |= check_key_result_draft(draft, f"kr{index}")
    async with db.transaction() as session:
        team = await okrs.team_by_id(session, cmd.workspace_id, cmd.team_id)
        if team is None:
            errors["team"] = (N_("Pick a team of this workspace."), {})
        try:
            span = quarter_span(cmd.cycle_key)
        except ValueError:
            errors["cycle"] = (N_("Pick a cycle such as 2026-Q4."), {})
        parent_id = None
        if cmd.parent_ref is not None:
            parent = await okrs.objective_by_ref(session, cmd.workspace_id, cmd.parent_ref)
            if parent is None:
                errors["parent"] = (
                    N_("There is no objective {ref}."),
                    {"ref": objective_label(cmd.parent_ref)},
                )
            else:
                parent_id = parent.id
        drives, input_metric_id = await _resolve_drives(session, cmd, errors)
        if errors:
            raise InvalidFields(errors)
        assert team is not None and team.id is not None
        if cmd.submission_key and not await record_event(
            session, workspace_id=cmd.workspace_id, event_id=cmd.submission_key, now=now
        ):
            return None
        cycle = await ensure_cycle(session, cmd.workspace_id, span)
        first_objective, first_kr = await okrs.allocate_refs(
            session, cmd.workspace_id, objectives=1, key_results=len(cmd.key_results)
        )
        objective = Objective(
            workspace_id=cmd.workspace_id,
            ref=first_objective,
            team_id=team.id,
            cycle_id=cycle.id or 0,
            parent_id=parent_id,
            title=cmd.title.strip(),
            description=cmd.description.strip(),
            owner_user_id=cmd.owner_user_id,
            drives=drives,
            input_metric_id=input_metric_id,
            created_by=cmd.actor.user_id,
            created_at=now,
            updated_at=now,
        )
        session.add(objective)
        await session.flush()
        assert objective.id is not None
        for position, draft in enumerate(cmd.key_results):
            session.add(
                new_key_result(
                    cmd.workspace_id, objective.id, first_kr + position, position, draft, now
                )
            )
        await session.flush()
        return await one_objective(session, cmd.workspace_id, objective.id, now=now)


async def _resolve_drives(
    session: AsyncSession,
    cmd: CreateObjective,
    errors: dict[str, tuple[str, dict]],  # type: ignore[type-arg]
) -> tuple[str | None, int | None]:
    from bot.services.alignment import resolve_drives

    try:
        return await resolve_drives(session, cmd.workspace_id, cmd.team_id, cmd.drives)
    except InvalidFields as invalid:
        errors |= invalid.fields
        return None, None


async def record_objective_post(
    *, db: Database, workspace_id: str, objective_id: int, channel_id: str, ts: str
) -> None:
    """Remember the objective's post: its thread receives the updates, and it is refreshed."""
    async with db.transaction() as session:
        objective = await session.get(Objective, objective_id)
        if objective is None or objective.workspace_id != workspace_id:
            raise NotFound(N_("This objective no longer exists."))
        objective.post_channel_id = channel_id
        objective.post_ts = ts
        session.add(objective)


# --- Editing and closing ---------------------------------------------------------------------


async def edit_objective(*, db: Database, cmd: EditObjective, now: datetime) -> ObjectiveView:
    if not cmd.title.strip():
        raise field_error("title", N_("Give the objective a title."))
    async with db.transaction() as session:
        objective = await editable_objective(
            session, cmd.workspace_id, cmd.objective_ref, cmd.actor
        )
        objective.title = cmd.title.strip()
        objective.description = cmd.description.strip()
        objective.owner_user_id = cmd.owner_user_id
        return await changed_objective(session, objective, now=now)


async def change_objective_state(
    *, db: Database, cmd: ChangeObjectiveState, now: datetime
) -> ObjectiveView:
    """Mark an objective done, archive it, or reopen it."""
    state = LifecycleState(cmd.state)
    async with db.transaction() as session:
        objective = await editable_objective(
            session, cmd.workspace_id, cmd.objective_ref, cmd.actor
        )
        objective.state = state.value
        return await changed_objective(session, objective, now=now)
