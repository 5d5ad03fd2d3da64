"""Check-ins: append a KR's new value, confidence and note; never rewrite history."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import N_, NotFound, PermissionDenied, field_error
from bot.domain.permissions import Actor, may_change
from bot.domain.progress import CONFIDENCE_MAX, CONFIDENCE_MIN, KrKind
from bot.domain.refs import key_result_label
from bot.services.commands import RecordCheckIn
from bot.services.okrs import LIVE_STATES, load_objective_views, one_objective
from bot.services.read_models import CheckInResult, KeyResultView, ObjectiveView
from storage import okrs
from storage.database import Database
from storage.models import CheckIn, KeyResult, LifecycleState, Objective
from storage.okrs import ObjectiveFilter
from storage.upsert import insert_statement

CHECK_IN = CheckIn.__table__  # type: ignore[attr-defined]
NOTE_MAX = 3000


async def _updatable(
    session: AsyncSession, workspace_id: str, ref: int, actor: Actor
) -> tuple[KeyResult, Objective]:
    kr = await okrs.key_result_by_ref(session, workspace_id, ref)
    if kr is None:
        raise NotFound(N_("There is no key result {ref}."), ref=key_result_label(ref))
    objective = await session.get(Objective, kr.objective_id)
    assert objective is not None
    if (
        kr.state == LifecycleState.ARCHIVED.value
        or objective.state == LifecycleState.ARCHIVED.value
    ):
        raise field_error("key_result", N_("{ref} is archived."), ref=key_result_label(ref))
    team = await okrs.team_by_id(session, workspace_id, objective.team_id)
    if not may_change(
        actor,
        owners=[kr.owner_user_id, objective.owner_user_id],
        team_lead=team.lead_user_id if team else None,
    ):
        raise PermissionDenied(
            N_(
                "Sorry, only the owners of {ref}, its team lead or a workspace admin can update it."
            ),
            ref=key_result_label(ref),
        )
    return kr, objective


def _check(cmd: RecordCheckIn, kind: KrKind) -> None:
    if not math.isfinite(cmd.value):
        raise field_error("value", N_("Use a finite number."))
    if kind is KrKind.MILESTONE and cmd.value not in (0, 1):
        raise field_error("value", N_("A milestone is 0 (not done) or 1 (done)."))
    if cmd.confidence is not None and not CONFIDENCE_MIN <= cmd.confidence <= CONFIDENCE_MAX:
        raise field_error("confidence", N_("Confidence goes from 0 to 10."))
    if len(cmd.note) > NOTE_MAX:
        raise field_error("note", N_("Keep the note under {max} characters."), max=NOTE_MAX)


@dataclass(frozen=True)
class _Appended:
    key_result: KeyResult
    objective: Objective
    check_in_id: int | None  # None: the same idempotency key was already recorded
    previous: CheckIn | None


async def _append(session: AsyncSession, cmd: RecordCheckIn, now: datetime) -> _Appended:
    kr, objective = await _updatable(session, cmd.workspace_id, cmd.key_result_ref, cmd.actor)
    _check(cmd, KrKind(kr.kind))
    previous = (await okrs.latest_check_ins(session, [kr.id or 0])).get(kr.id or 0)
    # A NULL idempotency key never conflicts, so one statement serves keyed and plain check-ins.
    new_id = (
        await session.execute(
            insert_statement(session, CHECK_IN)
            .values(
                workspace_id=cmd.workspace_id,
                key_result_id=kr.id,
                value=cmd.value,
                confidence=cmd.confidence,
                note=cmd.note.strip(),
                author_user_id=cmd.actor.user_id,
                source=cmd.source,
                idempotency_key=cmd.idempotency_key,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["workspace_id", "idempotency_key"])
            .returning(CHECK_IN.c.id)
        )
    ).scalar_one_or_none()
    return _Appended(kr, objective, new_id, previous)


async def record_check_ins(
    *, db: Database, cmds: Sequence[RecordCheckIn], now: datetime
) -> list[CheckInResult]:
    """Append several check-ins in one transaction (all or none) and return each with its
    refreshed objective.

    Two people saving the same KR at once both land; the same submission twice (same
    idempotency key) lands once and reports `duplicate`. Raises NotFound, PermissionDenied,
    InvalidFields.
    """
    if not cmds:
        return []
    async with db.transaction() as session:
        appended = [await _append(session, cmd, now) for cmd in cmds]
        objective_ids = sorted({a.objective.id or 0 for a in appended})
        views = await load_objective_views(
            session, ObjectiveFilter(cmds[0].workspace_id, objective_ids=objective_ids), now=now
        )
    by_id = {v.id: v for v in views}
    results = []
    for item in appended:
        view = by_id[item.objective.id or 0]
        inserted = item.check_in_id is not None
        results.append(
            CheckInResult(
                objective=view,
                key_result=next(k for k in view.key_results if k.id == item.key_result.id),
                previous_value=item.previous.value if item.previous and inserted else None,
                duplicate=not inserted,
                check_in_id=item.check_in_id,
            )
        )
    return results


async def record_check_in(*, db: Database, cmd: RecordCheckIn, now: datetime) -> CheckInResult:
    """Append one check-in; see `record_check_ins`."""
    [result] = await record_check_ins(db=db, cmds=[cmd], now=now)
    return result


async def update_choices(
    *,
    db: Database,
    workspace_id: str,
    actor: Actor,
    key_result_ref: int | None,
    objective_ref: int | None,
    now: datetime,
) -> tuple[list[ObjectiveView], KeyResultView | None]:
    """What the update modal offers and which KR it shows first.

    From an objective post: that objective's KRs. Otherwise the actor's own KRs, plus the
    objective of `key_result_ref` when it is someone else's (a lead updating for a teammate).
    Permissions are checked when the update is saved, not here.
    """
    async with db.transaction() as session:
        if objective_ref is not None:
            objective = await okrs.objective_by_ref(session, workspace_id, objective_ref)
            if objective is None or objective.id is None:
                raise NotFound(N_("There is no objective {ref}."), ref=f"O-{objective_ref}")
            views = [await one_objective(session, workspace_id, objective.id, now=now)]
        else:
            views = await load_objective_views(
                session,
                ObjectiveFilter(
                    workspace_id, involving_user=actor.user_id, states=[LifecycleState.OPEN.value]
                ),
                now=now,
                limit=50,
                kr_states=[LifecycleState.OPEN.value],
            )
            kr = (
                await okrs.key_result_by_ref(session, workspace_id, key_result_ref)
                if key_result_ref is not None
                else None
            )
            if kr is not None and all(v.id != kr.objective_id for v in views):
                views.insert(
                    0, await one_objective(session, workspace_id, kr.objective_id, now=now)
                )
    views = [v for v in views if v.key_results]
    krs = [k for v in views for k in v.key_results]
    selected = next((k for k in krs if k.ref == key_result_ref), None)
    if selected is None and objective_ref is not None and krs:
        selected = next((k for k in krs if k.owner_user_id == actor.user_id), krs[0])
    return views, selected


__all__ = ["LIVE_STATES", "record_check_in", "record_check_ins"]
