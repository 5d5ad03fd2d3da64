"""Objective modals: declare (`/okr new`), edit an objective, add or edit one key result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeAlias

from pydantic import BaseModel, Field
from slack_sdk.models.blocks import (
    Block,
    DividerBlock,
)
from slack_sdk.models.views import View

from bot.domain.progress import MAX_KEY_RESULTS, KrKind
from bot.i18n import Translator
from bot.services.commands import KeyResultDraft
from bot.services.read_models import Choice, KeyResultView, ObjectiveFormOptions, ObjectiveView
from handlers.ids import Callback, ObjectiveAction
from handlers.ui.blocks import actions, button, header, modal
from handlers.ui.format import HEADER_TEXT_MAX, cycle_label
from handlers.ui.forms import (
    PayloadInt,
    SlackId,
    choice_value,
    parse_number_field,
    ref_choice,
    select_input,
    state_value,
    text_input,
    user_input,
)
from handlers.ui.okr import KIND_LABELS

TITLE = "title"
DESCRIPTION = "description"
TEAM = "team"
OWNER = "owner"
CYCLE = "cycle"
PARENT = "parent"
DRIVES = "drives"
FIRST_SLOTS = 1


class ObjectiveModalMeta(BaseModel):
    """What a modal needs back on submit: how many KR slots it shows, what it edits."""

    slots: Annotated[int, Field(ge=1, le=MAX_KEY_RESULTS)] = FIRST_SLOTS
    channel_id: SlackId = ""
    objective_ref: PayloadInt | None = None
    key_result_ref: PayloadInt | None = None


#: The kind each KR slot of an open modal has picked, by slot (1 for the key result modal).
Kinds: TypeAlias = Mapping[int, KrKind]


def kr_block(slot: int, name: str) -> str:
    return f"kr{slot}.{name}"


def picked_kinds(view: Any, slots: int) -> dict[int, KrKind]:
    """The kind picked in each KR slot of an open modal (to redraw it as it was)."""
    return {
        slot: choice_value(view, kr_block(slot, "kind"), KrKind, KrKind.INCREASE_TO)
        for slot in range(1, slots + 1)
    }


def _kr_inputs(
    t: Translator,
    slot: int,
    user_id: str,
    kr: KeyResultView | None,
    optional: bool,
    kind: KrKind | None = None,
) -> list[Block]:
    """Title, kind, then start, target and unit unless the kind is a milestone (done or not:
    it has none), then the owner. Picking a kind redraws the modal (`dispatch_action`)."""
    kind = kind or (kr.kind if kr else KrKind.INCREASE_TO)
    kinds = [Choice(k.value, t(label)) for k, label in KIND_LABELS.items()]
    blocks: list[Block] = [
        text_input(
            kr_block(slot, "title"),
            t("Key result"),
            initial=kr.title if kr else None,
            optional=optional,
            placeholder=t("e.g. Weekly active teams"),
        ),
        select_input(
            kr_block(slot, "kind"),
            t("Kind"),
            kinds,
            initial=kind.value,
            optional=optional,
            dispatch_action=True,
            action_id=ObjectiveAction.KR_KIND.value,
        ),
    ]
    if kind is not KrKind.MILESTONE:
        # A KR edited from a milestone shows its own bounds only if it had real ones.
        own = kr is not None and kr.kind is not KrKind.MILESTONE
        blocks += [
            text_input(
                kr_block(slot, "start"),
                t("Start"),
                initial=t.number(kr.start) if own and kr else "0",
                max_length=30,
                optional=optional,
            ),
            text_input(
                kr_block(slot, "target"),
                t("Target"),
                initial=t.number(kr.target) if own and kr else None,
                max_length=30,
                optional=optional,
            ),
            text_input(
                kr_block(slot, "unit"),
                t("Unit"),
                initial=kr.unit if own and kr else None,
                max_length=40,
                optional=True,
                placeholder=t("e.g. %, k€, teams"),
            ),
        ]
    blocks.append(
        user_input(kr_block(slot, "owner"), t("Owner"), initial=kr.owner_user_id if kr else user_id)
    )
    return blocks


def build_new_objective_modal(
    t: Translator,
    options: ObjectiveFormOptions,
    *,
    user_id: str,
    meta: ObjectiveModalMeta,
    kinds: Kinds | None = None,
) -> View:
    """Title, description, team, owner, cycle, parent, what it drives, then 1–5 KR slots,
    each of the kind picked in `kinds` (increase by default)."""
    kinds = kinds or {}
    drives = [
        Choice(
            c.value,
            t("Health (not aimed at the North Star)")
            if c.value == "health"
            else t("North Star: {name}", name=c.label)
            if c.value == "north_star"
            else t("Input metric: {name}", name=c.label),
        )
        for c in options.drives
    ]
    blocks: list[Block] = [
        text_input(
            TITLE, t("Objective"), placeholder=t("A qualitative goal, e.g. Delight new teams")
        ),
        text_input(DESCRIPTION, t("Description"), multiline=True, max_length=3000, optional=True),
        select_input(
            TEAM,
            t("Team"),
            options.teams,
            initial=str(options.default_team_id) if options.default_team_id else None,
        ),
        user_input(OWNER, t("Owner"), initial=user_id),
        select_input(
            CYCLE,
            t("Cycle"),
            [Choice(c.value, cycle_label(t, c.value)) for c in options.cycles],
            initial=options.default_cycle,
        ),
    ]
    if options.parents:
        blocks.append(
            select_input(PARENT, t("Aligned with (optional)"), options.parents, optional=True)
        )
    blocks.append(select_input(DRIVES, t("What does it drive?"), drives, optional=True))
    for slot in range(1, meta.slots + 1):
        blocks += [DividerBlock(), header(t("Key result {n}", n=slot))]
        blocks += _kr_inputs(t, slot, user_id, None, optional=slot > 1, kind=kinds.get(slot))
    if meta.slots < MAX_KEY_RESULTS:
        blocks.append(
            actions(button(ObjectiveAction.ADD_KR_SLOT, t("Add a key result"), str(meta.slots + 1)))
        )
    return modal(t, Callback.NEW_OBJECTIVE, t("New objective"), blocks, submit=t("Save"), meta=meta)


def _shown(view: Mapping[str, Any], block_id: str) -> bool:
    """Whether the submitted view has the input `block_id` (a milestone's slot has no start)."""
    return any(
        b.get("block_id") == block_id for b in view.get("blocks") or [] if isinstance(b, dict)
    )


def _parse_kr(
    t: Translator, view: Mapping[str, Any], slot: int, errors: dict[str, str]
) -> KeyResultDraft | None:
    title = state_value(view, kr_block(slot, "title"))
    kind = choice_value(view, kr_block(slot, "kind"), KrKind, KrKind.INCREASE_TO)
    owner = state_value(view, kr_block(slot, "owner")) or ""
    if kind is KrKind.MILESTONE:
        if slot > 1 and not title:
            return None  # an optional slot left empty
        # Done or not: whatever bounds a modal drawn before the kind changed still sent.
        return KeyResultDraft(title or "", kind, start=0, target=1, unit="", owner_user_id=owner)
    start_block, target_block = kr_block(slot, "start"), kr_block(slot, "target")
    if slot > 1 and not title and not state_value(view, target_block):
        return None  # an optional slot left empty
    if not (_shown(view, start_block) and _shown(view, target_block)):
        # Submitted before the modal redrew this milestone as a measured KR.
        errors[kr_block(slot, "kind")] = t("Give this key result a start and a target.")
        return None
    start = parse_number_field(t, view, start_block, errors)
    target = parse_number_field(t, view, target_block, errors)
    if start is None or target is None:
        return None
    return KeyResultDraft(
        title=title or "",
        kind=kind,
        start=start,
        target=target,
        unit=state_value(view, kr_block(slot, "unit")) or "",
        owner_user_id=owner,
    )


def parse_objective_submission(
    t: Translator, view: Mapping[str, Any], meta: ObjectiveModalMeta
) -> tuple[dict[str, Any], tuple[KeyResultDraft, ...], dict[str, str]]:
    """(objective fields, key result drafts, inline format errors by block id)."""
    errors: dict[str, str] = {}
    drafts = tuple(
        d
        for slot in range(1, meta.slots + 1)
        if (d := _parse_kr(t, view, slot, errors)) is not None
    )
    fields = {
        "title": state_value(view, TITLE) or "",
        "description": state_value(view, DESCRIPTION) or "",
        "team_id": ref_choice(view, TEAM) or 0,
        "owner_user_id": state_value(view, OWNER) or "",
        "cycle_key": state_value(view, CYCLE) or "",
        "parent_ref": ref_choice(view, PARENT),
        "drives": state_value(view, DRIVES),
    }
    return fields, drafts, errors


def build_key_result_modal(
    t: Translator,
    *,
    user_id: str,
    objective: ObjectiveView,
    kr: KeyResultView | None,
    meta: ObjectiveModalMeta,
    kind: KrKind | None = None,
) -> View:
    """Add a key result to an objective, or edit one (past check-ins stay as they were);
    `kind` is the one picked in the open modal, when it is redrawn."""
    return modal(
        t,
        Callback.KEY_RESULT,
        t("Edit {ref}", ref=kr.label) if kr else t("New key result"),
        [
            header(f"{objective.label} · {objective.title}"[:HEADER_TEXT_MAX]),
            *_kr_inputs(t, 1, user_id, kr, optional=False, kind=kind),
        ],
        submit=t("Save"),
        meta=meta,
    )


def parse_key_result_submission(
    t: Translator, view: Mapping[str, Any]
) -> tuple[KeyResultDraft | None, dict[str, str]]:
    errors: dict[str, str] = {}
    return _parse_kr(t, view, 1, errors), errors


def build_edit_objective_modal(
    t: Translator, objective: ObjectiveView, meta: ObjectiveModalMeta
) -> View:
    return modal(
        t,
        Callback.EDIT_OBJECTIVE,
        t("Edit {ref}", ref=objective.label),
        [
            text_input(TITLE, t("Objective"), initial=objective.title),
            text_input(
                DESCRIPTION,
                t("Description"),
                initial=objective.description or None,
                multiline=True,
                max_length=3000,
                optional=True,
            ),
            user_input(OWNER, t("Owner"), initial=objective.owner_user_id),
        ],
        submit=t("Save"),
        meta=meta,
    )


def parse_edit_objective_submission(view: Mapping[str, Any]) -> dict[str, str]:
    return {
        "title": state_value(view, TITLE) or "",
        "description": state_value(view, DESCRIPTION) or "",
        "owner_user_id": state_value(view, OWNER) or "",
    }
