"""Objectives as read models: their views with progress, and the lookups by id or reference
that every use case of objectives and key results starts from."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import NamedTuple, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.cycles import CycleSpan, quarter_span
from bot.domain.errors import N_, NotFound, PermissionDenied
from bot.domain.permissions import Actor, may_change
from bot.domain.progress import KrKind, expected_progress, kr_progress, objective_progress
from bot.domain.refs import key_result_label, objective_label
from bot.services.read_models import KeyResultView, ObjectiveView
from bot.services.teams import team_view
from storage import okrs
from storage.database import Database
from storage.models import CheckIn, Cycle, KeyResult, LifecycleState, Objective, Team
from storage.okrs import ObjectiveFilter

LIVE_STATES = (LifecycleState.OPEN.value, LifecycleState.DONE.value)


# --- Views -------------------------------------------------------------------------------


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
    by_objective: dict[int, list[tuple[KeyResultFields, Reading | None]]] = defaultdict(list)
    for row in await okrs.key_results_with_latest(session, ids, states=kr_states):
        reading = (
            None
            if row.latest_at is None
            else Reading(row.latest_value, row.latest_confidence, row.latest_note, row.latest_at)
        )
        by_objective[row.objective_id].append((row, reading))
    return [
        objective_view(o, by_objective[o.id or 0], team, cycle, now=now) for o, team, cycle in found
    ]


async def objective_views_by_id(
    session: AsyncSession, workspace_id: str, objective_ids: Sequence[int], *, now: datetime
) -> list[ObjectiveView]:
    """The views of `objective_ids` (of any state), in one statement however many."""
    found = await okrs.objectives_with_key_results(
        session, workspace_id, objective_ids, states=LIVE_STATES
    )
    return [
        objective_view(
            objective,
            [(kr, None if latest is None else Reading.of(latest)) for kr, latest in krs],
            team,
            cycle,
            now=now,
        )
        for objective, team, cycle, krs in found
    ]


def restricted(view: ObjectiveView, keep: Callable[[KeyResultView], bool]) -> ObjectiveView:
    """`view` with only the key results `keep` accepts; its progress stays the objective's."""
    return replace(view, key_results=tuple(k for k in view.key_results if keep(k)))


class KeyResultFields(Protocol):
    """What a key result's view is made of: a KeyResult, or a row of its columns."""

    @property
    def id(self) -> int | None: ...
    @property
    def ref(self) -> int: ...
    @property
    def objective_id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def start_value(self) -> float: ...
    @property
    def target_value(self) -> float: ...
    @property
    def unit(self) -> str: ...
    @property
    def owner_user_id(self) -> str: ...
    @property
    def weight(self) -> float: ...
    @property
    def state(self) -> str: ...


class Reading(NamedTuple):
    """A key result's latest check-in, as far as its view goes."""

    value: float
    confidence: int | None
    note: str
    at: datetime

    @classmethod
    def of(cls, check_in: CheckIn) -> Reading:
        return cls(check_in.value, check_in.confidence, check_in.note, check_in.created_at)


def objective_view(
    objective: Objective,
    key_results: Sequence[tuple[KeyResultFields, Reading | None]],
    team: Team,
    cycle: Cycle,
    *,
    now: datetime,
) -> ObjectiveView:
    """`objective` as read models show it: `key_results` (each with its latest reading, if
    any), progress as of `now`."""
    expected, cycle_over = cycle_position(cycle.key, team.timezone, now)
    krs = tuple(key_result_view(kr, reading, expected, cycle_over) for kr, reading in key_results)
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
    kr: KeyResultFields, latest: Reading | None, expected: float, cycle_over: bool
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
        last_check_in_at=latest.at if latest else None,
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
    [view] = await objective_views_by_id(session, workspace_id, [objective_id], now=now)
    return view


async def changed_objective(
    session: AsyncSession, objective: Objective, *, now: datetime
) -> ObjectiveView:
    """Stamp `objective` as changed at `now`, write it, and return it as it now stands."""
    objective.updated_at = now
    session.add(objective)
    await session.flush()
    return await one_objective(session, objective.workspace_id, objective.id or 0, now=now)


async def objectives_by_id(
    *, db: Database, workspace_id: str, objective_ids: Sequence[int], now: datetime
) -> list[ObjectiveView]:
    """The objectives `objective_ids`, in one statement however many."""
    async with db.transaction() as session:
        return await objective_views_by_id(session, workspace_id, objective_ids, now=now)


async def get_objective(
    *, db: Database, workspace_id: str, ref: int, now: datetime
) -> ObjectiveView:
    async with db.transaction() as session:
        objective = await find_objective(session, workspace_id, ref)
        return await one_objective(session, workspace_id, objective.id or 0, now=now)


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
            kr = await find_key_result(session, workspace_id, key_result_ref)
            view = await one_objective(session, workspace_id, kr.objective_id, now=now)
            return view, next((k for k in view.key_results if k.id == kr.id), None)
        objective = await find_objective(session, workspace_id, objective_ref or 0)
        return await one_objective(session, workspace_id, objective.id or 0, now=now), None


# --- Lookups ---------------------------------------------------------------------------------


async def ensure_cycle(session: AsyncSession, workspace_id: str, span: CycleSpan) -> Cycle:
    """The workspace's cycle for `span`, created the first time it is needed."""
    return await okrs.ensure_cycle(session, workspace_id, span.key, span.starts_on, span.ends_on)


async def find_objective(session: AsyncSession, workspace_id: str, ref: int) -> Objective:
    """The objective `O-<ref>`. Raises NotFound."""
    objective = await okrs.objective_by_ref(session, workspace_id, ref)
    if objective is None or objective.id is None:
        raise NotFound(N_("There is no objective {ref}."), ref=objective_label(ref))
    return objective


async def find_key_result(session: AsyncSession, workspace_id: str, ref: int) -> KeyResult:
    """The key result `KR-<ref>`. Raises NotFound."""
    kr = await okrs.key_result_by_ref(session, workspace_id, ref)
    if kr is None:
        raise NotFound(N_("There is no key result {ref}."), ref=key_result_label(ref))
    return kr


async def editable_objective(
    session: AsyncSession, workspace_id: str, ref: int, actor: Actor
) -> Objective:
    """The objective `O-<ref>` if `actor` may change it: its owner, the team lead or an
    admin. Raises NotFound or PermissionDenied."""
    objective = await find_objective(session, workspace_id, ref)
    if not await _may_change(session, actor, objective, owners=[objective.owner_user_id]):
        raise PermissionDenied(
            N_("Only the owner of {ref}, the team lead or a workspace admin can change it."),
            ref=objective_label(ref),
        )
    return objective


async def editable_key_result(
    session: AsyncSession, workspace_id: str, ref: int, actor: Actor
) -> tuple[KeyResult, Objective]:
    """The key result `KR-<ref>` and its objective if `actor` may change it: the KR's or the
    objective's owner, the team lead or an admin. Raises NotFound or PermissionDenied."""
    kr = await find_key_result(session, workspace_id, ref)
    objective = await session.get(Objective, kr.objective_id)
    assert objective is not None
    owners = [kr.owner_user_id, objective.owner_user_id]
    if not await _may_change(session, actor, objective, owners=owners):
        raise PermissionDenied(
            N_("Only the owners of {ref}, the team lead or a workspace admin can change it."),
            ref=key_result_label(kr.ref),
        )
    return kr, objective


async def _may_change(
    session: AsyncSession, actor: Actor, objective: Objective, *, owners: list[str]
) -> bool:
    team = await okrs.team_by_id(session, objective.workspace_id, objective.team_id)
    return may_change(actor, owners=owners, team_lead=team.lead_user_id if team else None)
