"""Key results: their definitions checked against the domain rules, and adding or editing one
on an existing objective."""

from __future__ import annotations

from datetime import datetime

from bot.domain.errors import N_, InvalidFields, field_error
from bot.domain.progress import MAX_KEY_RESULTS, validate_kr_definition
from bot.services.commands import AddKeyResult, EditKeyResult, KeyResultDraft
from bot.services.objective_views import (
    LIVE_STATES,
    changed_objective,
    editable_key_result,
    editable_objective,
    one_objective,
)
from bot.services.read_models import ObjectiveView
from storage import okrs
from storage.database import Database
from storage.models import KeyResult, Objective

KR_DEFINITION_MESSAGES = {
    "not_finite": N_("Use a finite number."),
    "target_equals_start": N_("The target must differ from the start."),
    "start_above_target": N_("To increase, the start must be below the target."),
    "start_below_target": N_("To decrease, the start must be above the target."),
    "milestone_bounds": N_("A milestone goes from 0 (not done) to 1 (done)."),
}


def check_key_result_draft(draft: KeyResultDraft, field: str) -> dict[str, tuple[str, dict]]:  # type: ignore[type-arg]
    """Domain rules of one KR definition, as inline errors keyed `<field>.<input>`."""
    errors: dict[str, tuple[str, dict]] = {}  # type: ignore[type-arg]
    if not draft.title.strip():
        errors[f"{field}.title"] = (N_("Give the key result a title."), {})
    for code in validate_kr_definition(kind=draft.kind, start=draft.start, target=draft.target):
        target = "start" if code in {"start_above_target", "start_below_target"} else "target"
        errors[f"{field}.{target}"] = (KR_DEFINITION_MESSAGES[code.value], {})
    return errors


def new_key_result(
    workspace_id: str,
    objective_id: int,
    ref: int,
    position: int,
    draft: KeyResultDraft,
    now: datetime,
) -> KeyResult:
    """The row of a drafted key result, `KR-<ref>` at `position` in its objective."""
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


async def add_key_result(*, db: Database, cmd: AddKeyResult, now: datetime) -> ObjectiveView:
    errors = check_key_result_draft(cmd.draft, "kr1")
    if errors:
        raise InvalidFields(errors)
    async with db.transaction() as session:
        objective = await editable_objective(
            session, cmd.workspace_id, cmd.objective_ref, cmd.actor
        )
        assert objective.id is not None
        await okrs.lock(session, Objective, objective.id)  # at most five, also side by side
        existing = await okrs.key_results_of(session, [objective.id], states=LIVE_STATES)
        if len(existing) >= MAX_KEY_RESULTS:
            raise field_error("kr1.title", N_("An objective has at most five key results."))
        _, ref = await okrs.allocate_refs(session, cmd.workspace_id, objectives=0, key_results=1)
        session.add(
            new_key_result(cmd.workspace_id, objective.id, ref, len(existing), cmd.draft, now)
        )
        return await changed_objective(session, objective, now=now)


async def edit_key_result(*, db: Database, cmd: EditKeyResult, now: datetime) -> ObjectiveView:
    """Change a KR's definition. Past check-ins are kept as they were recorded."""
    errors = check_key_result_draft(cmd.draft, "kr1")
    if errors:
        raise InvalidFields(errors)
    async with db.transaction() as session:
        kr, objective = await editable_key_result(
            session, cmd.workspace_id, cmd.key_result_ref, cmd.actor
        )
        draft = cmd.draft
        kr.title, kr.kind, kr.unit = draft.title.strip(), draft.kind.value, draft.unit.strip()
        kr.start_value, kr.target_value = draft.start, draft.target
        kr.owner_user_id = draft.owner_user_id
        kr.updated_at = now
        session.add(kr)
        await session.flush()
        return await one_objective(session, cmd.workspace_id, objective.id or 0, now=now)
