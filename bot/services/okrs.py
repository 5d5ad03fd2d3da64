"""Objectives and key results: declare, read, edit, close, list, and the Home tab's model."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.cycles import current_quarter, next_quarter, quarter_span
from bot.domain.errors import N_, InvalidFields, NotFound, PermissionDenied, field_error
from bot.domain.permissions import Actor, may_change
from bot.domain.progress import (
    KrKind,
    expected_progress,
    kr_progress,
    objective_progress,
    validate_kr_definition,
)
from bot.domain.refs import key_result_label, objective_label
from bot.services.commands import (
    AddKeyResult,
    ChangeObjectiveState,
    CreateObjective,
    EditKeyResult,
    EditObjective,
    KeyResultDraft,
)
from bot.services.read_models import (
    Choice,
    HomeModel,
    KeyResultView,
    ObjectiveFormOptions,
    ObjectivePage,
    ObjectiveView,
    TeamView,
)
from bot.services.teams import team_view
from storage import okrs
from storage.database import Database
from storage.models import (
    CheckIn,
    Cycle,
    KeyResult,
    LifecycleState,
    Objective,
    Team,
)
from storage.okrs import ObjectiveFilter
from storage.workspaces import record_event

MAX_KEY_RESULTS = 5
LIVE_STATES = (LifecycleState.OPEN.value, LifecycleState.DONE.value)
KR_DEFINITION_MESSAGES = {
    "not_finite": N_("Use a finite number."),
    "target_equals_start": N_("The target must differ from the start."),
    "start_above_target": N_("To increase, the start must be below the target."),
    "start_below_target": N_("To decrease, the start must be above the target."),
    "milestone_bounds": N_("A milestone goes from 0 (not done) to 1 (done)."),
}


# --- Reading -----------------------------------------------------------------------------


async def load_objective_views(
    session: AsyncSession,
    f: ObjectiveFilter,
    *,
    now: datetime,
    limit: int | None = None,
    offset: int = 0,
    kr_states: Sequence[str] | None = LIVE_STATES,
) -> list[ObjectiveView]:
    """Objectives with their key results and latest check-ins, in two statements."""
    found = await okrs.find_objectives_in_context(session, f, limit=limit, offset=offset)
    ids = [o.id for o, _, _ in found if o.id is not None]
    by_objective: dict[int, list[KeyResult]] = defaultdict(list)
    latest: dict[int, CheckIn] = {}
    for kr, check_in in await okrs.key_results_with_latest(session, ids, states=kr_states):
        by_objective[kr.objective_id].append(kr)
        if check_in is not None:
            latest[check_in.key_result_id] = check_in
    return [
        objective_view(o, by_objective[o.id or 0], latest, team, cycle, now=now)
        for o, team, cycle in found
    ]


def objective_view(
    objective: Objective,
    key_results: Sequence[KeyResult],
    latest: dict[int, CheckIn],
    team: Team,
    cycle: Cycle,
    *,
    now: datetime,
) -> ObjectiveView:
    expected, cycle_over = cycle_position(cycle.key, team.timezone, now)
    krs = tuple(
        key_result_view(kr, latest.get(kr.id or 0), expected, cycle_over) for kr in key_results
    )
    progress = objective_progress(
        krs=[k.progress for k in krs], weights=[k.weight for k in krs], expected=expected
    )
    assert objective.id is not None
    return ObjectiveView(
        id=objective.id,
        workspace_id=objective.workspace_id,
        ref=objective.ref,
        label=objective_label(objective.ref),
        title=objective.title,
        description=objective.description,
        owner_user_id=objective.owner_user_id,
        state=objective.state,
        drives=objective.drives,
        input_metric_id=objective.input_metric_id,
        parent_id=objective.parent_id,
        team=team_view(team),
        cycle_key=cycle.key,
        expected=expected,
        post_channel_id=objective.post_channel_id,
        post_ts=objective.post_ts,
        key_results=krs,
        progress=progress,
    )


def cycle_position(cycle_key: str, timezone: str, now: datetime) -> tuple[float, bool]:
    """How far into its cycle a team is (the expected progress, 0–1) and whether it is over."""
    start, end = quarter_span(cycle_key).bounds(timezone)
    return expected_progress(start=start, end=end, now=now), now >= end


def key_result_view(
    kr: KeyResult, latest: CheckIn | None, expected: float, cycle_over: bool
) -> KeyResultView:
    assert kr.id is not None
    kind = KrKind(kr.kind)
    return KeyResultView(
        id=kr.id,
        ref=kr.ref,
        label=key_result_label(kr.ref),
        objective_id=kr.objective_id,
        title=kr.title,
        kind=kind,
        start=kr.start_value,
        target=kr.target_value,
        unit=kr.unit,
        owner_user_id=kr.owner_user_id,
        weight=kr.weight,
        state=kr.state,
        current=latest.value if latest else None,
        confidence=latest.confidence if latest else None,
        note=latest.note if latest else "",
        last_check_in_at=latest.created_at if latest else None,
        progress=kr_progress(
            kind=kind,
            start=kr.start_value,
            target=kr.target_value,
            current=latest.value if latest else None,
            confidence=latest.confidence if latest else None,
            expected=expected,
            cycle_over=cycle_over,
        ),
    )


async def one_objective(
    session: AsyncSession, workspace_id: str, objective_id: int, *, now: datetime
) -> ObjectiveView:
    [view] = await load_objective_views(
        session, ObjectiveFilter(workspace_id, objective_ids=[objective_id]), now=now
    )
    return view


async def objectives_by_id(
    *, db: Database, workspace_id: str, objective_ids: Sequence[int], now: datetime
) -> list[ObjectiveView]:
    """The objectives `objective_ids`, in two statements however many."""
    async with db.transaction() as session:
        return await load_objective_views(
            session, ObjectiveFilter(workspace_id, objective_ids=objective_ids), now=now
        )


async def get_objective(
    *, db: Database, workspace_id: str, ref: int, now: datetime
) -> ObjectiveView:
    async with db.transaction() as session:
        objective = await okrs.objective_by_ref(session, workspace_id, ref)
        if objective is None or objective.id is None:
            raise NotFound(N_("There is no objective {ref}."), ref=objective_label(ref))
        return await one_objective(session, workspace_id, objective.id, now=now)


async def objective_of(
    *,
    db: Database,
    workspace_id: str,
    objective_ref: int | None,
    key_result_ref: int | None,
    now: datetime,
) -> tuple[ObjectiveView, KeyResultView | None]:
    """An objective by its ref, or the objective of a key result with that key result."""
    async with db.transaction() as session:
        if key_result_ref is not None:
            kr = await okrs.key_result_by_ref(session, workspace_id, key_result_ref)
            if kr is None:
                raise NotFound(
                    N_("There is no key result {ref}."), ref=key_result_label(key_result_ref)
                )
            view = await one_objective(session, workspace_id, kr.objective_id, now=now)
            return view, next((k for k in view.key_results if k.id == kr.id), None)
        objective = await okrs.objective_by_ref(session, workspace_id, objective_ref or 0)
        if objective is None or objective.id is None:
            raise NotFound(
                N_("There is no objective {ref}."), ref=objective_label(objective_ref or 0)
            )
        return await one_objective(session, workspace_id, objective.id, now=now), None


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
        cycle = await okrs.ensure_cycle(
            session, workspace_id, current.key, current.starts_on, current.ends_on
        )
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


def check_key_result_draft(draft: KeyResultDraft, field: str) -> dict[str, tuple[str, dict]]:  # type: ignore[type-arg]
    """Domain rules of one KR definition, as inline errors keyed `<field>.<input>`."""
    errors: dict[str, tuple[str, dict]] = {}  # type: ignore[type-arg]
    if not draft.title.strip():
        errors[f"{field}.title"] = (N_("Give the key result a title."), {})
    for code in validate_kr_definition(kind=draft.kind, start=draft.start, target=draft.target):
        target = "start" if code in {"start_above_target", "start_below_target"} else "target"
        errors[f"{field}.{target}"] = (KR_DEFINITION_MESSAGES[code.value], {})
    return errors


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
        cycle = await okrs.ensure_cycle(
            session, cmd.workspace_id, span.key, span.starts_on, span.ends_on
        )
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
                _new_key_result(
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


def _new_key_result(
    workspace_id: str,
    objective_id: int,
    ref: int,
    position: int,
    draft: KeyResultDraft,
    now: datetime,
) -> KeyResult:
    return KeyResult(
        workspace_id=workspace_id,
        ref=ref,
        objective_id=objective_id,
        position=position,
        title=draft.title.strip(),
        kind=draft.kind.value,
        start_value=draft.start,
        target_value=draft.target,
        unit=draft.unit.strip(),
        owner_user_id=draft.owner_user_id,
        created_at=now,
        updated_at=now,
    )


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


async def _editable_objective(
    session: AsyncSession, workspace_id: str, ref: int, actor: Actor
) -> Objective:
    objective = await okrs.objective_by_ref(session, workspace_id, ref)
    if objective is None:
        raise NotFound(N_("There is no objective {ref}."), ref=objective_label(ref))
    team = await okrs.team_by_id(session, workspace_id, objective.team_id)
    if not may_change(
        actor, owners=[objective.owner_user_id], team_lead=team.lead_user_id if team else None
    ):
        raise PermissionDenied(
            N_("Only the owner of {ref}, the team lead or a workspace admin can change it."),
            ref=objective_label(ref),
        )
    return objective


async def edit_objective(*, db: Database, cmd: EditObjective, now: datetime) -> ObjectiveView:
    if not cmd.title.strip():
        raise field_error("title", N_("Give the objective a title."))
    async with db.transaction() as session:
        objective = await _editable_objective(
            session, cmd.workspace_id, cmd.objective_ref, cmd.actor
        )
        objective.title = cmd.title.strip()
        objective.description = cmd.description.strip()
        objective.owner_user_id = cmd.owner_user_id
        objective.updated_at = now
        session.add(objective)
        await session.flush()
        return await one_objective(session, cmd.workspace_id, objective.id or 0, now=now)


async def add_key_result(*, db: Database, cmd: AddKeyResult, now: datetime) -> ObjectiveView:
    errors = check_key_result_draft(cmd.draft, "kr1")
    if errors:
        raise InvalidFields(errors)
    async with db.transaction() as session:
        objective = await _editable_objective(
            session, cmd.workspace_id, cmd.objective_ref, cmd.actor
        )
        assert objective.id is not None
        existing = await okrs.key_results_of(session, [objective.id], states=LIVE_STATES)
        if len(existing) >= MAX_KEY_RESULTS:
            raise field_error("kr1.title", N_("An objective has at most five key results."))
        _, ref = await okrs.allocate_refs(session, cmd.workspace_id, objectives=0, key_results=1)
        session.add(
            _new_key_result(cmd.workspace_id, objective.id, ref, len(existing), cmd.draft, now)
        )
        objective.updated_at = now
        session.add(objective)
        await session.flush()
        return await one_objective(session, cmd.workspace_id, objective.id, now=now)


async def edit_key_result(*, db: Database, cmd: EditKeyResult, now: datetime) -> ObjectiveView:
    """Change a KR's definition. Past check-ins are kept as they were recorded."""
    errors = check_key_result_draft(cmd.draft, "kr1")
    if errors:
        raise InvalidFields(errors)
    async with db.transaction() as session:
        kr = await okrs.key_result_by_ref(session, cmd.workspace_id, cmd.key_result_ref)
        if kr is None:
            raise NotFound(
                N_("There is no key result {ref}."), ref=key_result_label(cmd.key_result_ref)
            )
        objective = await session.get(Objective, kr.objective_id)
        assert objective is not None
        team = await okrs.team_by_id(session, cmd.workspace_id, objective.team_id)
        if not may_change(
            cmd.actor,
            owners=[kr.owner_user_id, objective.owner_user_id],
            team_lead=team.lead_user_id if team else None,
        ):
            raise PermissionDenied(
                N_("Only the owners of {ref}, the team lead or a workspace admin can change it."),
                ref=key_result_label(kr.ref),
            )
        draft = cmd.draft
        kr.title, kr.kind, kr.unit = draft.title.strip(), draft.kind.value, draft.unit.strip()
        kr.start_value, kr.target_value = draft.start, draft.target
        kr.owner_user_id = draft.owner_user_id
        kr.updated_at = now
        session.add(kr)
        await session.flush()
        return await one_objective(session, cmd.workspace_id, objective.id or 0, now=now)


async def change_objective_state(
    *, db: Database, cmd: ChangeObjectiveState, now: datetime
) -> ObjectiveView:
    """Mark an objective done, archive it, or reopen it."""
    state = LifecycleState(cmd.state)
    async with db.transaction() as session:
        objective = await _editable_objective(
            session, cmd.workspace_id, cmd.objective_ref, cmd.actor
        )
        objective.state = state.value
        objective.updated_at = now
        session.add(objective)
        await session.flush()
        return await one_objective(session, cmd.workspace_id, objective.id or 0, now=now)


# --- Lists and Home ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListScope:
    """What `/okr list` shows: someone's objectives (mine by default), or a team's."""

    user_id: str | None = None
    channel_id: str | None = None
    team_name: str | None = None


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
        current = current_quarter(now, timezone)
        cycle = await okrs.ensure_cycle(
            session, workspace_id, current.key, current.starts_on, current.ends_on
        )
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
        current = current_quarter(now, timezone)
        cycle = await okrs.ensure_cycle(
            session, workspace_id, current.key, current.starts_on, current.ends_on
        )
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
    return HomeModel(
        my_objectives=tuple(mine),
        team_objectives=tuple(team_objectives),
        # The teams this person leads first: their North Star heads the Home tab.
        teams=tuple(
            team_view(t)
            for t in sorted(teams.values(), key=lambda t: (t.lead_user_id != user_id, t.name))
        ),
    )


__all__ = ["MAX_KEY_RESULTS", "ListScope", "TeamView"]
