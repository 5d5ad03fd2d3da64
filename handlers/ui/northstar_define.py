"""Defining the North Star: the template modal (archetype → template) and the form, each with
its parser, then the checklist on the definition (after saving, and `/okr northstar review`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, Field
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    RadioButtonsElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.archetypes import ARCHETYPE_LABELS, Archetype
from bot.domain.northstar import (
    DIRECTION_LABELS,
    MAX_INPUTS,
    WINDOW_LABELS,
    CounterMetricDraft,
    Direction,
    InputMetricDraft,
    NorthStarDraft,
    TimeWindow,
)
from bot.domain.nsm_templates import BLANK_TEMPLATE, template_by_key, templates_for
from bot.i18n import Translator
from bot.services.read_models import Choice, NorthStarForm
from handlers.ids import NorthStarAction, NorthStarBlock, NorthStarCallback
from handlers.ui.blocks import header, modal, section
from handlers.ui.format import escape
from handlers.ui.forms import (
    PayloadInt,
    SlackId,
    choice_value,
    date_input,
    date_value,
    metadata,
    number_problem,
    option,
    select_input,
    state_value,
    text_input,
    user_input,
)

#: The action id of every plain field of the North Star modals (block ids tell them apart).
FIELD = NorthStarAction.INPUT.value


class NorthStarMeta(BaseModel):
    """private_metadata of the North Star modals (the define flow's and the record modal)."""

    channel_id: SlackId
    team_id: PayloadInt | None = None
    archetype: SlackId | None = None
    template: SlackId | None = None
    #: The stored input metric behind each slot of the define form (None: a new one).
    input_ids: Annotated[list[PayloadInt | None], Field(max_length=MAX_INPUTS)] = []

    @classmethod
    def parse(cls, raw: str) -> NorthStarMeta:
        """The metadata of a modal; an empty one for metadata this version did not write."""
        return metadata({"private_metadata": raw}, cls, fallback=cls(channel_id=""))


def _meta(view: Mapping[str, Any]) -> NorthStarMeta:
    return NorthStarMeta.parse(view.get("private_metadata", ""))


def _text(view: Mapping[str, Any], block_id: str) -> str:
    return state_value(view, block_id) or ""


# --- Step 1, archetype and template ---------------------------------------------------------


def build_template_modal(
    t: Translator, form: NorthStarForm, *, channel_id: str, archetype: Archetype
) -> View:
    """Step 1 of the define modal: the archetype (changing it redraws the list), then the
    seed's North Star templates for it, or a blank definition."""
    archetypes = [option(Choice(a.value, t(label))) for a, label in ARCHETYPE_LABELS.items()]
    templates = [
        option(Choice(tpl.key, t(tpl.name)), t(tpl.intention)) for tpl in templates_for(archetype)
    ] + [option(Choice(BLANK_TEMPLATE, t("Blank: start from scratch")))]
    meta = NorthStarMeta(channel_id=channel_id, team_id=form.team.id, archetype=archetype.value)
    intro = t(
        "*{team}*: pick the archetype of your organisation, then a North Star "
        "Metric to start from. You can change everything on the next screen.",
        team=escape(form.team.name),
    )
    return modal(
        t,
        NorthStarCallback.TEMPLATE,
        t("Your North Star"),
        [
            section(intro),
            ActionsBlock(
                block_id=NorthStarBlock.ARCHETYPE.value,
                elements=[
                    StaticSelectElement(
                        action_id=NorthStarAction.ARCHETYPE.value,
                        placeholder=t("Archetype"),
                        options=archetypes,
                        initial_option=archetypes[list(Archetype).index(archetype)],
                    )
                ],
            ),
            InputBlock(
                block_id=f"{NorthStarBlock.TEMPLATE.value}_{archetype.value}",
                label=t("Start from"),
                element=RadioButtonsElement(
                    action_id=NorthStarAction.TEMPLATE.value,
                    options=templates,
                    initial_option=templates[0],
                ),
            ),
        ],
        submit=t("Next"),
        meta=meta,
    )


def parse_template_submission(view: dict[str, Any]) -> tuple[NorthStarMeta, str]:
    """The modal's metadata and the chosen template key (`blank` for none)."""
    chosen = BLANK_TEMPLATE
    for block_id in view.get("state", {}).get("values", {}):
        if block_id.startswith(NorthStarBlock.TEMPLATE.value):
            chosen = state_value(view, block_id) or BLANK_TEMPLATE
    return _meta(view), chosen


def draft_from_template(
    t: Translator, key: str, *, archetype: Archetype | None, owner_user_id: str | None
) -> NorthStarDraft:
    """A definition pre-filled from a template, in the user's language (blank for `blank`)."""
    template = template_by_key(key)
    if template is None:
        return NorthStarDraft(name="", archetype=archetype, owner_user_id=owner_user_id)
    return NorthStarDraft(
        name=t(template.name),
        definition=t(template.definition),
        unit=t(template.unit),
        direction=template.direction,
        window=template.window,
        owner_user_id=owner_user_id,
        archetype=template.archetype,
        template=template.key,
        inputs=tuple(InputMetricDraft(t(name)) for name in template.inputs),
    )


# --- Step 2, the form -----------------------------------------------------------------------


def _directions(t: Translator) -> list[Choice]:
    return [Choice(d.value, t(label)) for d, label in DIRECTION_LABELS.items()]


def _metric_inputs(t: Translator, draft: NorthStarDraft) -> list[Block]:
    """What the North Star measures: name, definition, unit, direction, time window."""
    windows = [Choice(w.value, t(label)) for w, label in WINDOW_LABELS.items()]
    return [
        text_input(NorthStarBlock.NAME, t("Name"), initial=draft.name, action_id=FIELD),
        text_input(
            NorthStarBlock.DEFINITION,
            t("Definition"),
            initial=draft.definition,
            optional=True,
            multiline=True,
            max_length=3000,
            hint=t("One sentence, in plain language: what is counted, and when."),
            action_id=FIELD,
        ),
        text_input(
            NorthStarBlock.UNIT,
            t("Unit"),
            initial=draft.unit,
            optional=True,
            max_length=40,
            placeholder=t("sessions, days, %…"),
            action_id=FIELD,
        ),
        select_input(
            NorthStarBlock.DIRECTION,
            t("Direction"),
            _directions(t),
            initial=draft.direction.value,
            placeholder=t("Direction"),
            action_id=FIELD,
        ),
        select_input(
            NorthStarBlock.WINDOW,
            t("Time window"),
            windows,
            initial=draft.window.value if draft.window else None,
            optional=True,
            placeholder=t("Time window"),
            action_id=FIELD,
        ),
    ]


def _target_inputs(t: Translator, draft: NorthStarDraft) -> list[Block]:
    """Where it should go and who answers for it: target and its date, owner, measured since,
    counter-metrics."""
    counters = "\n".join(
        f"{c.name}: {c.definition}" if c.definition else c.name for c in draft.counter_metrics
    )
    target = t.number(draft.target, digits=6) if draft.target is not None else None
    return [
        text_input(
            NorthStarBlock.TARGET,
            t("Target"),
            initial=target,
            optional=True,
            max_length=None,
            action_id=FIELD,
        ),
        date_input(
            NorthStarBlock.TARGET_DATE,
            t("Target date"),
            initial=draft.target_date,
            optional=True,
            action_id=FIELD,
        ),
        user_input(
            NorthStarBlock.OWNER,
            t("Owner"),
            initial=draft.owner_user_id,
            optional=True,
            action_id=FIELD,
        ),
        date_input(
            NorthStarBlock.MEASURED_SINCE,
            t("Measured since"),
            initial=draft.measured_since,
            optional=True,
            hint=t(
                "Leave it empty to accept readings of any date (last weeks' history too); "
                "set it to refuse older ones."
            ),
            action_id=FIELD,
        ),
        text_input(
            NorthStarBlock.COUNTER_METRICS,
            t("Counter-metrics"),
            initial=counters,
            optional=True,
            multiline=True,
            max_length=3000,
            hint=t("One per line, “name: definition”: guardrails that must not degrade."),
            action_id=FIELD,
        ),
    ]


def _slot(block: NorthStarBlock, index: int) -> str:
    """The block id of one input metric slot's field: `ns_input_name_2` is the third name."""
    return f"{block.value}_{index}"


def _input_slot(t: Translator, index: int, metric: InputMetricDraft | None) -> list[Block]:
    """Name, definition, owner and direction of the input metric in slot `index` (0–5)."""
    n = index + 1
    direction = metric.direction if metric else Direction.HIGHER_IS_BETTER
    return [
        text_input(
            _slot(NorthStarBlock.INPUT_NAME, index),
            t("Input {n}: name", n=n),
            initial=metric.name if metric else None,
            optional=True,
            action_id=FIELD,
        ),
        text_input(
            _slot(NorthStarBlock.INPUT_DEFINITION, index),
            t("Input {n}: definition", n=n),
            initial=metric.definition if metric else None,
            optional=True,
            max_length=3000,
            action_id=FIELD,
        ),
        user_input(
            _slot(NorthStarBlock.INPUT_OWNER, index),
            t("Input {n}: owner", n=n),
            initial=metric.owner_user_id if metric else None,
            optional=True,
            action_id=FIELD,
        ),
        select_input(
            _slot(NorthStarBlock.INPUT_DIRECTION, index),
            t("Input {n}: direction", n=n),
            _directions(t),
            initial=direction.value,
            optional=True,
            placeholder=t("Direction"),
            action_id=FIELD,
        ),
    ]


def build_define_modal(
    t: Translator, draft: NorthStarDraft, *, channel_id: str, team_id: int
) -> View:
    """The North Star's form, pre-filled from `draft`: the metric, its counter-metrics and up
    to six input metrics. Only the name is required; the checklist warns about the rest."""
    slots = list(draft.inputs[:MAX_INPUTS])
    blocks: list[Block] = [
        *_metric_inputs(t, draft),
        *_target_inputs(t, draft),
        header(t("Input metrics")),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=t(
                        "3 to 6 metrics the team can act on, each with an owner. Leave a "
                        "slot empty to skip it."
                    )
                )
            ]
        ),
    ]
    for index in range(MAX_INPUTS):
        blocks += _input_slot(t, index, slots[index] if index < len(slots) else None)
    meta = NorthStarMeta(
        channel_id=channel_id,
        team_id=team_id,
        archetype=draft.archetype.value if draft.archetype else None,
        template=draft.template,
        input_ids=[m.id for m in slots],
    )
    return modal(
        t, NorthStarCallback.DEFINE, t("Your North Star"), blocks, submit=t("Save"), meta=meta
    )


def _parse_inputs(
    t: Translator, view: Mapping[str, Any], meta: NorthStarMeta, errors: dict[str, str]
) -> tuple[InputMetricDraft, ...]:
    """The named input metrics; a slot with a definition or owner but no name is an error."""
    inputs: list[InputMetricDraft] = []
    for index in range(MAX_INPUTS):
        name = _text(view, _slot(NorthStarBlock.INPUT_NAME, index))
        definition = _text(view, _slot(NorthStarBlock.INPUT_DEFINITION, index))
        owner = state_value(view, _slot(NorthStarBlock.INPUT_OWNER, index))
        direction = choice_value(
            view,
            _slot(NorthStarBlock.INPUT_DIRECTION, index),
            Direction,
            Direction.HIGHER_IS_BETTER,
        )
        if not name:
            if definition or owner:
                errors[_slot(NorthStarBlock.INPUT_NAME, index)] = t(
                    "Give this input metric a name, or clear its other fields."
                )
            continue
        inputs.append(
            InputMetricDraft(
                name=name,
                definition=definition,
                owner_user_id=owner,
                direction=direction,
                id=meta.input_ids[index] if index < len(meta.input_ids) else None,
            )
        )
    return tuple(inputs)


def _parse_counters(view: Mapping[str, Any]) -> tuple[CounterMetricDraft, ...]:
    """One counter-metric a line, `name: definition` (names clipped to 150 characters)."""
    counters = []
    for line in _text(view, NorthStarBlock.COUNTER_METRICS).splitlines():
        name, _, definition = line.partition(":")
        if name.strip():
            counters.append(CounterMetricDraft(name.strip()[:150], definition.strip()))
    return tuple(counters)


def _parse_target(t: Translator, view: Mapping[str, Any], errors: dict[str, str]) -> float | None:
    raw = _text(view, NorthStarBlock.TARGET)
    if not raw:
        return None
    value, problem = number_problem(t, raw)
    if problem:
        errors[NorthStarBlock.TARGET.value] = problem
    return value


def parse_define_submission(
    t: Translator, view: dict[str, Any]
) -> tuple[NorthStarMeta, NorthStarDraft, dict[str, str]]:
    """The metadata, the definition and the field errors (block id → message) of the form."""
    meta = _meta(view)
    errors: dict[str, str] = {}
    target = _parse_target(t, view, errors)
    inputs = _parse_inputs(t, view, meta, errors)
    window = state_value(view, NorthStarBlock.WINDOW)
    draft = NorthStarDraft(
        name=_text(view, NorthStarBlock.NAME),
        definition=_text(view, NorthStarBlock.DEFINITION),
        unit=_text(view, NorthStarBlock.UNIT),
        direction=choice_value(
            view, NorthStarBlock.DIRECTION, Direction, Direction.HIGHER_IS_BETTER
        ),
        window=choice_value(view, NorthStarBlock.WINDOW, TimeWindow, TimeWindow.WEEK)
        if window
        else None,
        target=target,
        target_date=date_value(view, NorthStarBlock.TARGET_DATE),
        owner_user_id=state_value(view, NorthStarBlock.OWNER),
        measured_since=date_value(view, NorthStarBlock.MEASURED_SINCE),
        archetype=Archetype(meta.archetype) if meta.archetype in set(Archetype) else None,
        template=meta.template,
        counter_metrics=_parse_counters(view),
        inputs=inputs,
    )
    return meta, draft, errors


def define_field_block(field_name: str) -> str:
    """The form's block id of a service's InvalidFields field (`input_2` is the third slot)."""
    if field_name.startswith("input_"):
        return f"{NorthStarBlock.INPUT_NAME.value}_{field_name.removeprefix('input_')}"
    known = {
        "name": NorthStarBlock.NAME,
        "target": NorthStarBlock.TARGET,
        "counter_metrics": NorthStarBlock.COUNTER_METRICS,
    }
    return known.get(field_name, NorthStarBlock.NAME).value
