"""Queries for teams, cycles, objectives, key results and check-ins.

Loading a page of objectives costs two statements whatever the data size: the objectives with
their teams and cycles, then their key results with each one's latest check-in (no N+1).
Objectives known by id (a post to redraw) cost one: the rows of their key results carry them.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from storage.models import CheckIn, Cycle, KeyResult, Objective, Team, Workspace
from storage.upsert import dialect_insert, dialect_of, insert_if_absent

CYCLE = Cycle.__table__  # type: ignore[attr-defined]
CHECK_IN = CheckIn.__table__  # type: ignore[attr-defined]
KEY_RESULT = KeyResult.__table__  # type: ignore[attr-defined]
WORKSPACE = Workspace.__table__  # type: ignore[attr-defined]


# Read on every /okr command (is there a team here?): built once, as building a SELECT costs
# more Python than running it.
_TEAM_BY_CHANNEL = select(Team).where(
    col(Team.workspace_id) == bindparam("workspace_id"),
    col(Team.channel_id) == bindparam("channel_id"),
)
_TEAM_BY_NAME = select(Team).where(
    col(Team.workspace_id) == bindparam("workspace_id"),
    func.lower(col(Team.name)) == bindparam("name"),
)


async def team_by_channel(session: AsyncSession, workspace_id: str, channel_id: str) -> Team | None:
    found = await session.scalars(
        _TEAM_BY_CHANNEL, {"workspace_id": workspace_id, "channel_id": channel_id}
    )
    return found.first()


async def team_by_name(session: AsyncSession, workspace_id: str, name: str) -> Team | None:
    found = await session.scalars(
        _TEAM_BY_NAME, {"workspace_id": workspace_id, "name": name.strip().lower()}
    )
    return found.first()


async def lock(session: AsyncSession, model: type[Workspace | Team | Objective], key: Any) -> None:
    """Hold row `key` of `model` until the transaction ends (SELECT … FOR UPDATE on
    PostgreSQL; SQLite runs one writer at a time anyway). Taken on the parent of what a use case
    counts or checks for absence, so two transactions side by side cannot both pass the check:
    the second waits, then sees what the first wrote."""
    table = model.__table__  # type: ignore[union-attr]
    await session.execute(select(table.c.id).where(table.c.id == key).with_for_update())


async def team_by_id(session: AsyncSession, workspace_id: str, team_id: int) -> Team | None:
    team = await session.get(Team, team_id)
    return team if team is not None and team.workspace_id == workspace_id else None


async def teams_of(session: AsyncSession, workspace_id: str) -> list[Team]:
    query = select(Team).where(col(Team.workspace_id) == workspace_id)
    return list(await session.scalars(query.order_by(col(Team.name))))


async def teams_led_by(session: AsyncSession, workspace_id: str, user_id: str) -> list[Team]:
    query = select(Team).where(
        col(Team.workspace_id) == workspace_id, col(Team.lead_user_id) == user_id
    )
    return list(await session.scalars(query))


async def ensure_cycle(
    session: AsyncSession, workspace_id: str, key: str, starts_on: Any, ends_on: Any
) -> Cycle:
    """The workspace's cycle `key`, created the first time it is needed. Read first: reads
    (lists, the Home tab) then take no write lock, which on SQLite would queue them behind
    every check-in."""
    query = select(Cycle).where(col(Cycle.workspace_id) == workspace_id, col(Cycle.key) == key)
    cycle = (await session.scalars(query)).first()
    if cycle is not None:
        return cycle
    await insert_if_absent(
        session,
        CYCLE,
        {"workspace_id": workspace_id, "key": key, "starts_on": starts_on, "ends_on": ends_on},
        conflict=("workspace_id", "key"),
    )
    return (await session.scalars(query)).one()


async def teams_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, Team]:
    if not ids:
        return {}
    rows = await session.scalars(select(Team).where(col(Team.id).in_(ids)))
    return {t.id: t for t in rows if t.id is not None}


async def allocate_refs(
    session: AsyncSession, workspace_id: str, *, objectives: int, key_results: int
) -> tuple[int, int]:
    """Reserve consecutive O-/KR- numbers; returns the first of each. The UPDATE locks the
    workspace row, so concurrent declarations never get the same number."""
    row = (
        await session.execute(
            update(WORKSPACE)
            .where(WORKSPACE.c.id == workspace_id)
            .values(
                next_objective_ref=WORKSPACE.c.next_objective_ref + objectives,
                next_key_result_ref=WORKSPACE.c.next_key_result_ref + key_results,
            )
            .returning(WORKSPACE.c.next_objective_ref, WORKSPACE.c.next_key_result_ref)
        )
    ).one()
    return int(row[0]) - objectives, int(row[1]) - key_results


# Objectives and key results are numbered per workspace (O-<ref>, KR-<ref>).
_Numbered = TypeVar("_Numbered", Objective, KeyResult)


async def _by_ref(
    session: AsyncSession, model: type[_Numbered], workspace_id: str, ref: int
) -> _Numbered | None:
    query = select(model).where(col(model.workspace_id) == workspace_id, col(model.ref) == ref)
    return (await session.scalars(query)).first()


async def objective_by_ref(session: AsyncSession, workspace_id: str, ref: int) -> Objective | None:
    return await _by_ref(session, Objective, workspace_id, ref)


async def key_result_by_ref(session: AsyncSession, workspace_id: str, ref: int) -> KeyResult | None:
    return await _by_ref(session, KeyResult, workspace_id, ref)


@dataclass(frozen=True)
class ObjectiveFilter:
    """Which objectives to load. Empty filters mean "all of the workspace"."""

    workspace_id: str
    objective_ids: Collection[int] | None = None
    team_ids: Collection[int] | None = None
    cycle_ids: Collection[int] | None = None
    # Objectives owned by this user, or having a key result owned by them.
    involving_user: str | None = None
    states: Collection[str] | None = None


def _conditions(f: ObjectiveFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [col(Objective.workspace_id) == f.workspace_id]
    if f.objective_ids is not None:
        where.append(col(Objective.id).in_(f.objective_ids))
    if f.team_ids is not None:
        where.append(col(Objective.team_id).in_(f.team_ids))
    if f.cycle_ids is not None:
        where.append(col(Objective.cycle_id).in_(f.cycle_ids))
    if f.states is not None:
        where.append(col(Objective.state).in_(f.states))
    if f.involving_user is not None:
        owns_kr = (
            select(col(KeyResult.objective_id))
            .where(
                col(KeyResult.workspace_id) == f.workspace_id,
                col(KeyResult.owner_user_id) == f.involving_user,
            )
            .scalar_subquery()
        )
        where.append(
            or_(col(Objective.owner_user_id) == f.involving_user, col(Objective.id).in_(owns_kr))
        )
    return where


async def count_objectives(session: AsyncSession, f: ObjectiveFilter) -> int:
    return int(
        await session.scalar(select(func.count()).select_from(Objective).where(*_conditions(f)))
        or 0
    )


def _page(stmt: Any, f: ObjectiveFilter, limit: int | None, offset: int) -> Any:
    """The objectives of `stmt` that match `f`, by team then reference, one page of them."""
    stmt = stmt.where(*_conditions(f)).order_by(col(Objective.team_id), col(Objective.ref))
    stmt = stmt.offset(offset)
    return stmt if limit is None else stmt.limit(limit)


async def find_objectives(
    session: AsyncSession, f: ObjectiveFilter, *, limit: int | None = None, offset: int = 0
) -> list[Objective]:
    stmt = _page(select(Objective), f, limit, offset)
    return list((await session.scalars(stmt)).all())


async def find_objectives_in_context(
    session: AsyncSession, f: ObjectiveFilter, *, limit: int | None = None, offset: int = 0
) -> list[tuple[Objective, Team, Cycle]]:
    """`find_objectives`, each with its team and cycle, in the same statement."""
    stmt = _page(
        select(Objective, Team, Cycle)
        .join(Team, col(Team.id) == col(Objective.team_id))
        .join(Cycle, col(Cycle.id) == col(Objective.cycle_id)),
        f,
        limit,
        offset,
    )
    return [(o, t, c) for o, t, c in (await session.execute(stmt)).all()]


async def key_results_of(
    session: AsyncSession, objective_ids: Collection[int], *, states: Collection[str] | None = None
) -> list[KeyResult]:
    if not objective_ids:
        return []
    stmt = select(KeyResult).where(col(KeyResult.objective_id).in_(objective_ids))
    if states is not None:
        stmt = stmt.where(col(KeyResult.state).in_(states))
    return list(
        (await session.scalars(stmt.order_by(col(KeyResult.position), col(KeyResult.ref)))).all()
    )


def latest_check_in_id(key_result_id: Any) -> Any:
    """The id of a key result's most recent check-in, as a correlated scalar subquery: one
    backward step on `ix_check_in_key_result_created` per key result, whatever its history."""
    latest = CHECK_IN.alias("latest")
    return (
        select(latest.c.id)
        .where(latest.c.key_result_id == key_result_id)
        .order_by(latest.c.created_at.desc(), latest.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


# Hot statements are built once: building a SELECT costs more Python than running it.
_LATEST = aliased(CheckIn)
_CHECK_IN_TARGET: Any = (
    # One entity and plain columns: hydrating five ORM objects cost more than the query.
    select(
        KeyResult,
        col(Objective.owner_user_id).label("objective_owner"),
        col(Objective.state).label("objective_state"),
        col(Team.lead_user_id),
        col(Team.timezone),
        col(Cycle.key).label("cycle_key"),
        col(_LATEST.value).label("latest_value"),
        col(_LATEST.confidence).label("latest_confidence"),
    )
    .join(Objective, col(Objective.id) == col(KeyResult.objective_id))
    .join(Team, col(Team.id) == col(Objective.team_id))
    .join(Cycle, col(Cycle.id) == col(Objective.cycle_id))
    .outerjoin(_LATEST, col(_LATEST.id) == latest_check_in_id(col(KeyResult.id)))
    .where(
        col(KeyResult.workspace_id) == bindparam("workspace_id"),
        col(KeyResult.ref) == bindparam("ref"),
    )
)


# What a key result's view shows of it (not its timestamps: converting them is not free).
_KEY_RESULT_VIEW_COLUMNS = (
    "id", "ref", "objective_id", "title", "kind", "start_value", "target_value", "unit",
    "owner_user_id", "weight", "state",
)  # fmt: skip
# A key result as views read it: those columns, then its latest check-in's (NULL without one).
# Plain rows, not entities: hydrating two ORM objects per key result cost more than the query.
_KEY_RESULTS_WITH_LATEST = (
    select(
        *(KEY_RESULT.c[name] for name in _KEY_RESULT_VIEW_COLUMNS),
        CHECK_IN.c.value.label("latest_value"),
        CHECK_IN.c.confidence.label("latest_confidence"),
        CHECK_IN.c.note.label("latest_note"),
        CHECK_IN.c.created_at.label("latest_at"),
    )
    .select_from(
        KEY_RESULT.outerjoin(CHECK_IN, CHECK_IN.c.id == latest_check_in_id(KEY_RESULT.c.id))
    )
    .where(KEY_RESULT.c.objective_id.in_(bindparam("objective_ids", expanding=True)))
    .order_by(KEY_RESULT.c.position, KEY_RESULT.c.ref)
)
_KEY_RESULTS_IN_STATES_WITH_LATEST = _KEY_RESULTS_WITH_LATEST.where(
    KEY_RESULT.c.state.in_(bindparam("states", expanding=True))
)


async def key_results_with_latest(
    session: AsyncSession, objective_ids: Collection[int], *, states: Collection[str] | None
) -> Sequence[Any]:
    """The objectives' key results (in `states`, if given), each with its latest check-in's
    `latest_value`, `latest_confidence`, `latest_note` and `latest_at`, in one statement."""
    if not objective_ids:
        return []
    if states is None:
        rows = await session.execute(
            _KEY_RESULTS_WITH_LATEST, {"objective_ids": list(objective_ids)}
        )
    else:
        rows = await session.execute(
            _KEY_RESULTS_IN_STATES_WITH_LATEST,
            {"objective_ids": list(objective_ids), "states": list(states)},
        )
    return rows.all()


_OBJECTIVES_WITH_KEY_RESULTS = (
    select(Objective, Team, Cycle, KeyResult, CheckIn)
    .join(Team, col(Team.id) == col(Objective.team_id))
    .join(Cycle, col(Cycle.id) == col(Objective.cycle_id))
    .outerjoin(
        KeyResult,
        and_(
            col(KeyResult.objective_id) == col(Objective.id),
            col(KeyResult.state).in_(bindparam("states", expanding=True)),
        ),
    )
    .outerjoin(CheckIn, col(CheckIn.id) == latest_check_in_id(col(KeyResult.id)))
    .where(
        col(Objective.workspace_id) == bindparam("workspace_id"),
        col(Objective.id).in_(bindparam("objective_ids", expanding=True)),
    )
    .order_by(
        col(Objective.team_id), col(Objective.ref), col(KeyResult.position), col(KeyResult.ref)
    )
)

ObjectiveInContext = tuple[Objective, Team, Cycle, list[tuple[KeyResult, CheckIn | None]]]


async def objectives_with_key_results(
    session: AsyncSession,
    workspace_id: str,
    objective_ids: Collection[int],
    *,
    states: Collection[str],
) -> list[ObjectiveInContext]:
    """The objectives `objective_ids` (by team, then reference), each with its team, cycle and
    key results in `states` with their latest check-ins, in one statement: an objective is
    a handful of rows, and a statement costs more than the rows it repeats."""
    if not objective_ids:
        return []
    rows = await session.execute(
        _OBJECTIVES_WITH_KEY_RESULTS,
        {
            "workspace_id": workspace_id,
            "objective_ids": list(objective_ids),
            "states": list(states),
        },
    )
    found: dict[int, ObjectiveInContext] = {}
    for objective, team, cycle, kr, latest in rows.all():
        entry = found.setdefault(objective.id or 0, (objective, team, cycle, []))
        if kr is not None:
            entry[3].append((kr, latest))
    return list(found.values())


@dataclass(frozen=True)
class CheckInTarget:
    """What recording a check-in on a key result needs to know, read in one statement."""

    key_result: KeyResult
    objective_owner: str
    objective_state: str
    lead_user_id: str | None
    timezone: str
    cycle_key: str
    latest_value: float | None
    latest_confidence: int | None = None


async def check_in_target(
    session: AsyncSession, workspace_id: str, ref: int
) -> CheckInTarget | None:
    """The key result `ref` of the workspace with what the check needs of its objective, team,
    cycle and latest check-in (one statement), or None."""
    row = (
        await session.execute(_CHECK_IN_TARGET, {"workspace_id": workspace_id, "ref": ref})
    ).first()
    return None if row is None else CheckInTarget(*row)


@functools.cache
def _insert_check_in(dialect: str) -> Any:
    # A NULL idempotency key never conflicts, so one statement serves keyed and plain check-ins.
    return (
        dialect_insert(dialect, CHECK_IN)
        .on_conflict_do_nothing(index_elements=["workspace_id", "idempotency_key"])
        .returning(CHECK_IN.c.id)
    )


async def insert_check_in(session: AsyncSession, check_in: CheckIn) -> int | None:
    """Append a check-in; its id, or None when its idempotency key was already recorded."""
    values = check_in.model_dump(exclude={"id"})
    result = await session.execute(_insert_check_in(dialect_of(session)), values)
    new_id: int | None = result.scalar_one_or_none()
    return new_id
