"""Check-ins: append a KR's new value, confidence and note; never rewrite history."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import N_, NotFound, PermissionDenied, field_error
from bot.domain.permissions import Actor, may_change
from bot.domain.progress import KrKind
from bot.domain.refs import key_result_label
from bot.domain.status import CONFIDENCE_MAX, CONFIDENCE_MIN
from bot.services.commands import RecordCheckIn
from bot.services.objective_views import (
    LIVE_STATES,
    Reading,
    cycle_position,
    key_result_view,
    load_objective_views,
    one_objective,
    restricted,
)
from bot.services.read_models import CheckInResult, KeyResultView, ObjectiveView
from storage import okrs
from storage.database import Database
from storage.models import CheckIn, LifecycleState
from storage.okrs import ObjectiveFilter

NOTE_MAX = 3000
#: The field a refusal of the key result itself (archived) is about, rather than of the values.
KEY_RESULT_FIELD = "key_result"


def _updatable(target: okrs.CheckInTarget | None, ref: int, actor: Actor) -> okrs.CheckInTarget:
    if target is None:
        raise NotFound(N_("There is no key result {ref}."), ref=key_result_label(ref))
    if LifecycleState.ARCHIVED.value in (target.key_result.state, target.objective_state):
        raise field_error(KEY_RESULT_FIELD, N_("{ref} is archived."), ref=key_result_label(ref))
    if not may_change(
        actor,
        owners=[target.key_result.owner_user_id, target.objective_owner],
        team_lead=target.lead_user_id,
    ):
        raise PermissionDenied(
            N_(
                "Sorry, only the owners of {ref}, its team lead or a workspace admin can update it."
            ),
            ref=key_result_label(ref),
        )
    return target


def _check(cmd: RecordCheckIn, kind: KrKind) -> None:
    if not math.isfinite(cmd.value):
        raise field_error("value", N_("Use a finite number."))
    if cmd.yes_no and kind is not KrKind.MILESTONE:
        raise field_error(
            "value",
            N_("Only a milestone is “done” or “not done”: give {ref} a number."),
            ref=key_result_label(cmd.key_result_ref),
        )
    if kind is KrKind.MILESTONE and cmd.value not in (0, 1):
        raise field_error("value", N_("A milestone is 0 (not done) or 1 (done)."))
    if cmd.confidence is not None and not CONFIDENCE_MIN <= cmd.confidence <= CONFIDENCE_MAX:
        raise field_error("confidence", N_("Confidence goes from 0 to 10."))
    if len(cmd.note) > NOTE_MAX:
        raise field_error("note", N_("Keep the note under {max} characters."), max=NOTE_MAX)


async def _append(session: AsyncSession, cmd: RecordCheckIn, now: datetime) -> CheckInResult:
    """Two statements: the key result with all the checks need, then the insert."""
    target = _updatable(
        await okrs.check_in_target(session, cmd.workspace_id, cmd.key_result_ref),
        cmd.key_result_ref,
        cmd.actor,
    )
    kr = target.key_result
    _check(cmd, KrKind(kr.kind))
    confidence = cmd.confidence
    if confidence is None and cmd.keep_confidence:
        confidence = target.latest_confidence
    check_in = CheckIn(
        workspace_id=cmd.workspace_id,
        key_result_id=kr.id or 0,
        value=cmd.value,
        confidence=confidence,
        note=cmd.note.strip(),
        author_user_id=cmd.actor.user_id,
        source=cmd.source,
        idempotency_key=cmd.idempotency_key,
        created_at=now,
    )
    new_id = await okrs.insert_check_in(session, check_in)
    expected, cycle_over = cycle_position(target.cycle_key, target.timezone, now)
    return CheckInResult(
        key_result=key_result_view(kr, Reading.of(check_in), expected, cycle_over),
        previous_value=target.latest_value if new_id is not None else None,
        duplicate=new_id is None,
        objective_id=kr.objective_id,
        check_in_id=new_id,
    )


async def record_check_ins(
    *, db: Database, cmds: Sequence[RecordCheckIn], now: datetime
) -> list[CheckInResult]:
    """Append several check-ins in one transaction (all or none), two statements each.

    Two people saving the same KR at once both land; the same submission twice (same
    idempotency key) lands once and reports `duplicate`. Raises NotFound, PermissionDenied,
    InvalidFields. The objectives' views are not reloaded here: redrawing their posts is
    work for after Slack has its answer (`okrs.objectives_by_id`).
    """
    if not cmds:
        return []
    async with db.transaction() as session:
        return [await _append(session, cmd, now) for cmd in cmds]


async def record_check_in(*, db: Database, cmd: RecordCheckIn, now: datetime) -> CheckInResult:
    """Append one check-in; see `record_check_ins`."""
    [result] = await record_check_ins(db=db, cmds=[cmd], now=now)
    return result


async def check_updatable(
    *, db: Database, workspace_id: str, actor: Actor, key_result_ref: int
) -> None:
    """Refuse at once what saving would refuse: raises NotFound (no such KR), InvalidFields
    (archived) or PermissionDenied (not an owner, the lead or an admin), so no modal is shown
    for a check-in that could not be saved."""
    async with db.transaction() as session:
        target = await okrs.check_in_target(session, workspace_id, key_result_ref)
    _updatable(target, key_result_ref, actor)


def _may_update(actor: Actor, objective: ObjectiveView, kr: KeyResultView) -> bool:
    return may_change(
        actor,
        owners=[kr.owner_user_id, objective.owner_user_id],
        team_lead=objective.team.lead_user_id,
    )


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
    Only the KRs the actor may update are offered; a `key_result_ref` they may not update
    raises PermissionDenied (NotFound if there is none), before any modal opens.
    """
    if key_result_ref is not None:
        await check_updatable(
            db=db, workspace_id=workspace_id, actor=actor, key_result_ref=key_result_ref
        )
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
    allowed = [restricted(v, functools.partial(_may_update, actor, v)) for v in views]
    if objective_ref is not None and views[0].key_results and not allowed[0].key_results:
        raise PermissionDenied(
            N_(
                "Sorry, only the owners of {ref}, its team lead or a workspace admin can update it."
            ),
            ref=views[0].label,
        )
    views = [v for v in allowed if v.key_results]
    krs = [k for v in views for k in v.key_results]
    selected = next((k for k in krs if k.ref == key_result_ref), None)
    if selected is None and objective_ref is not None and krs:
        selected = next((k for k in krs if k.owner_user_id == actor.user_id), krs[0])
    return views, selected


__all__ = ["LIVE_STATES", "record_check_in", "record_check_ins"]
