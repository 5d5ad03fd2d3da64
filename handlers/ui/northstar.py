"""The North Star's Block Kit: the define modal (archetype → template → form) and its parser,
the record modal and its parser, the checklist, the board shown by `/okr northstar` (also for
the Home tab), token and link answers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.archetypes import ARCHETYPE_LABELS, Archetype
from bot.domain.northstar import (
    BLANK_TEMPLATE,
    DIRECTION_LABELS,
    FINDING_MESSAGES,
    MAX_INPUTS,
    QUESTION_LABELS,
    WINDOW_LABELS,
    CounterMetricDraft,
    Direction,
    Drives,
    InputMetricDraft,
    NorthStarDraft,
    Review,
    TimeWindow,
    Verdict,
    template_by_key,
    templates_for,
)
from bot.domain.progress import Delta, percent, progress_bar
from bot.i18n import Translator
from bot.services.northstar import (
    ApiTokenView,
    LinkedObjective,
    MetricTrend,
    NewApiToken,
    NorthStarForm,
    NorthStarReview,
    NorthStarSummary,
    ObjectiveLink,
    SavedNorthStar,
)
from bot.services.readings import ReadingForm, RecordedReading
from handlers.ids import NorthStarAction, NorthStarBlock, NorthStarCallback

SECTION_TEXT_MAX = 3000
OPTION_TEXT_MAX = 75
FIELD = NorthStarAction.INPUT.value
VERDICT_ICONS = {Verdict.PASS: "✅", Verdict.WARN: "⚠️", Verdict.JUDGE: "🤔"}


def escape(text: str) -> str:
    """Slack mrkdwn control characters in user text (&, <, >) must be escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int = SECTION_TEXT_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class NorthStarMeta(BaseModel):
    """private_metadata of the North Star modals."""

    channel_id: str
    team_id: int | None = None
    archetype: str | None = None
    template: str | None = None
    #: The stored input metric behind each slot of the define form (None: a new one).
    input_ids: list[int | None] = []

    @classmethod
    def parse(cls, raw: str) -> NorthStarMeta:
        try:
            return cls.model_validate_json(raw or "{}")
        except ValidationError:
            return cls(channel_id="")


# --- Shared formatting ----------------------------------------------------------------------


def period_label(t: Translator, start: date | None, window: TimeWindow | None) -> str:
    """`week of Nov 23, 2026`, `November 2026`, `Q4 2026` or a date, in the user's language."""
    if start is None:
        return ""
    if window is TimeWindow.WEEK:
        return t("week of {date}", date=t.date(start))
    if window is TimeWindow.MONTH:
        return t.date(start, format="MMMM y")
    if window is TimeWindow.QUARTER:
        return t("Q{quarter} {year}", quarter=(start.month - 1) // 3 + 1, year=start.year)
    return t.date(start)


def short_period_label(t: Translator, start: date, window: TimeWindow | None) -> str:
    """A chart axis label: `23 Nov`, `Nov 26`, `Q4 26`."""
    if window is TimeWindow.MONTH:
        return t.date(start, format="MMM yy")
    if window is TimeWindow.QUARTER:
        return t("Q{quarter} {year}", quarter=(start.month - 1) // 3 + 1, year=start.year % 100)
    return t.date(start, format="d MMM")


def amount(t: Translator, value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    text = t.number(value)
    return f"{text} {escape(unit)}".strip() if unit and unit != "%" else text + (unit or "")


def delta_text(t: Translator, change: Delta, direction: Direction, unit: str = "") -> str:
    """`🟢 +12 (+5 %)`: green when the change goes the metric's good way, red otherwise."""
    if change.absolute is None:
        return "—"
    if change.absolute == 0:
        return "➖ 0"
    better = (change.absolute > 0) == (direction is Direction.HIGHER_IS_BETTER)
    sign = "+" if change.absolute > 0 else "−"
    text = f"{'🟢' if better else '🔴'} {sign}{t.number(abs(change.absolute))}"
    if unit == "%":
        text += " pt"
    if change.relative is not None:
        relative = t.percent(abs(change.relative))
        text += f" ({sign}{relative})"
    return text


def _select(options: list[Option], initial: Option | None, placeholder: str) -> StaticSelectElement:
    return StaticSelectElement(
        action_id=FIELD,
        placeholder=PlainTextObject(text=placeholder),
        options=options,
        initial_option=initial,
    )


def _option(text: str, value: str, description: str | None = None) -> Option:
    return Option(
        value=value,
        text=PlainTextObject(text=clip(text, OPTION_TEXT_MAX)),
        description=PlainTextObject(text=clip(description, OPTION_TEXT_MAX))
        if description
        else None,
    )


def _text_input(
    block_id: str,
    label: str,
    *,
    initial: str | None,
    optional: bool,
    multiline: bool = False,
    max_length: int | None = None,
    hint: str | None = None,
    placeholder: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=label),
        optional=optional,
        hint=PlainTextObject(text=hint) if hint else None,
        element=PlainTextInputElement(
            action_id=FIELD,
            initial_value=initial or None,
            multiline=multiline,
            max_length=max_length,
            placeholder=PlainTextObject(text=placeholder) if placeholder else None,
        ),
    )


def _direction_options(t: Translator) -> list[Option]:
    return [_option(t(label), d.value) for d, label in DIRECTION_LABELS.items()]


def _window_options(t: Translator) -> list[Option]:
    return [_option(t(label), w.value) for w, label in WINDOW_LABELS.items()]


# --- Define: step 1, archetype and template --------------------------------------------------


def build_template_modal(
    t: Translator, form: NorthStarForm, *, channel_id: str, archetype: Archetype
) -> View:
    """Step 1 of the define modal: the archetype (changing it redraws the list), then the
    seed's North Star templates for it, or a blank definition."""
    archetype_options = [_option(t(label), a.value) for a, label in ARCHETYPE_LABELS.items()]
    templates = templates_for(archetype)
    template_options = [_option(t(tpl.name), tpl.key, t(tpl.intention)) for tpl in templates] + [
        _option(t("Blank: start from scratch"), BLANK_TEMPLATE)
    ]
    meta = NorthStarMeta(channel_id=channel_id, team_id=form.team.id, archetype=archetype.value)
    return View(
        type="modal",
        callback_id=NorthStarCallback.TEMPLATE.value,
        title=PlainTextObject(text=t("Your North Star")),
        submit=PlainTextObject(text=t("Next")),
        close=PlainTextObject(text=t("Cancel")),
        private_metadata=meta.model_dump_json(),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=t(
                        "*{team}*: pick the archetype of your organisation, then a North Star "
                        "Metric to start from. You can change everything on the next screen.",
                        team=escape(form.team.name),
                    )
                )
            ),
            ActionsBlock(
                block_id=NorthStarBlock.ARCHETYPE.value,
                elements=[
                    StaticSelectElement(
                        action_id=NorthStarAction.ARCHETYPE.value,
                        placeholder=PlainTextObject(text=t("Archetype")),
                        options=archetype_options,
                        initial_option=archetype_options[list(Archetype).index(archetype)],
                    )
                ],
            ),
            InputBlock(
                block_id=f"{NorthStarBlock.TEMPLATE.value}_{archetype.value}",
                label=PlainTextObject(text=t("Start from")),
                element=RadioButtonsElement(
                    action_id=NorthStarAction.TEMPLATE.value,
                    options=template_options,
                    initial_option=template_options[0],
                ),
            ),
        ],
    )


def parse_template_submission(view: dict[str, Any]) -> tuple[NorthStarMeta, str]:
    """The modal's metadata and the chosen template key (`blank` for none)."""
    meta = NorthStarMeta.parse(view.get("private_metadata", ""))
    values = view.get("state", {}).get("values", {})
    chosen = BLANK_TEMPLATE
    for block_id, actions in values.items():
        if block_id.startswith(NorthStarBlock.TEMPLATE.value):
            option = actions.get(NorthStarAction.TEMPLATE.value, {}).get("selected_option")
            chosen = option["value"] if option else BLANK_TEMPLATE
    return meta, chosen


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


# --- Define: step 2, the form ---------------------------------------------------------------


def build_define_modal(
    t: Translator, draft: NorthStarDraft, *, channel_id: str, team_id: int
) -> View:
    """The North Star's form, pre-filled from `draft`: the metric, its counter-metrics and up
    to six input metrics. Only the name is required; the checklist warns about the rest."""
    direction_options = _direction_options(t)
    window_options = _window_options(t)

    def direction_option(direction: Direction) -> Option:
        return direction_options[list(Direction).index(direction)]

    blocks: list[Block] = [
        _text_input(
            NorthStarBlock.NAME.value, t("Name"), initial=draft.name, optional=False, max_length=150
        ),
        _text_input(
            NorthStarBlock.DEFINITION.value,
            t("Definition"),
            initial=draft.definition,
            optional=True,
            multiline=True,
            max_length=3000,
            hint=t("One sentence, in plain language: what is counted, and when."),
        ),
        _text_input(
            NorthStarBlock.UNIT.value,
            t("Unit"),
            initial=draft.unit,
            optional=True,
            max_length=40,
            placeholder=t("sessions, days, %…"),
        ),
        InputBlock(
            block_id=NorthStarBlock.DIRECTION.value,
            label=PlainTextObject(text=t("Direction")),
            element=_select(direction_options, direction_option(draft.direction), t("Direction")),
        ),
        InputBlock(
            block_id=NorthStarBlock.WINDOW.value,
            label=PlainTextObject(text=t("Time window")),
            optional=True,
            element=_select(
                window_options,
                window_options[list(TimeWindow).index(draft.window)] if draft.window else None,
                t("Time window"),
            ),
        ),
        _text_input(
            NorthStarBlock.TARGET.value,
            t("Target"),
            initial=t.number(draft.target, digits=6) if draft.target is not None else None,
            optional=True,
        ),
        InputBlock(
            block_id=NorthStarBlock.TARGET_DATE.value,
            label=PlainTextObject(text=t("Target date")),
            optional=True,
            element=DatePickerElement(
                action_id=FIELD,
                initial_date=draft.target_date.isoformat() if draft.target_date else None,
            ),
        ),
        InputBlock(
            block_id=NorthStarBlock.OWNER.value,
            label=PlainTextObject(text=t("Owner")),
            optional=True,
            element=UserSelectElement(action_id=FIELD, initial_user=draft.owner_user_id),
        ),
        InputBlock(
            block_id=NorthStarBlock.MEASURED_SINCE.value,
            label=PlainTextObject(text=t("Measured since")),
            optional=True,
            hint=PlainTextObject(
                text=t("The first day readings may be dated: set it earlier to import history.")
            ),
            element=DatePickerElement(
                action_id=FIELD,
                initial_date=draft.measured_since.isoformat() if draft.measured_since else None,
            ),
        ),
        _text_input(
            NorthStarBlock.COUNTER_METRICS.value,
            t("Counter-metrics"),
            initial="\n".join(
                f"{c.name}: {c.definition}" if c.definition else c.name
                for c in draft.counter_metrics
            ),
            optional=True,
            multiline=True,
            max_length=3000,
            hint=t("One per line, “name: definition”: guardrails that must not degrade."),
        ),
        HeaderBlock(text=PlainTextObject(text=t("Input metrics"))),
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
    slots = list(draft.inputs[:MAX_INPUTS])
    for index in range(MAX_INPUTS):
        metric = slots[index] if index < len(slots) else None
        number = index + 1
        blocks += [
            _text_input(
                f"{NorthStarBlock.INPUT_NAME.value}_{index}",
                t("Input {n}: name", n=number),
                initial=metric.name if metric else None,
                optional=True,
                max_length=150,
            ),
            _text_input(
                f"{NorthStarBlock.INPUT_DEFINITION.value}_{index}",
                t("Input {n}: definition", n=number),
                initial=metric.definition if metric else None,
                optional=True,
                max_length=3000,
            ),
            InputBlock(
                block_id=f"{NorthStarBlock.INPUT_OWNER.value}_{index}",
                label=PlainTextObject(text=t("Input {n}: owner", n=number)),
                optional=True,
                element=UserSelectElement(
                    action_id=FIELD, initial_user=metric.owner_user_id if metric else None
                ),
            ),
            InputBlock(
                block_id=f"{NorthStarBlock.INPUT_DIRECTION.value}_{index}",
                label=PlainTextObject(text=t("Input {n}: direction", n=number)),
                optional=True,
                element=_select(
                    direction_options,
                    direction_option(metric.direction if metric else Direction.HIGHER_IS_BETTER),
                    t("Direction"),
                ),
            ),
        ]
    meta = NorthStarMeta(
        channel_id=channel_id,
        team_id=team_id,
        archetype=draft.archetype.value if draft.archetype else None,
        template=draft.template,
        input_ids=[m.id for m in slots],
    )
    return View(
        type="modal",
        callback_id=NorthStarCallback.DEFINE.value,
        title=PlainTextObject(text=t("Your North Star")),
        submit=PlainTextObject(text=t("Save")),
        close=PlainTextObject(text=t("Cancel")),
        private_metadata=meta.model_dump_json(),
        blocks=blocks,
    )


def _state(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    found = values.get(block_id, {}).get(FIELD, {})
    return found if isinstance(found, dict) else {}


def _text(values: dict[str, Any], block_id: str) -> str:
    return str(_state(values, block_id).get("value") or "").strip()


def _selected(values: dict[str, Any], block_id: str) -> str | None:
    option = _state(values, block_id).get("selected_option")
    return str(option["value"]) if option else None


def _user(values: dict[str, Any], block_id: str) -> str | None:
    user = _state(values, block_id).get("selected_user")
    return str(user) if user else None


def _date(values: dict[str, Any], block_id: str) -> date | None:
    picked = _state(values, block_id).get("selected_date")
    return date.fromisoformat(picked) if picked else None


def parse_define_submission(
    t: Translator, view: dict[str, Any]
) -> tuple[NorthStarMeta, NorthStarDraft, dict[str, str]]:
    """The metadata, the definition and the field errors (block id → message) of the form."""
    meta = NorthStarMeta.parse(view.get("private_metadata", ""))
    values = view.get("state", {}).get("values", {})
    errors: dict[str, str] = {}
    target: float | None = None
    if raw_target := _text(values, NorthStarBlock.TARGET.value):
        try:
            target = t.parse_number(raw_target)
        except ValueError:
            errors[NorthStarBlock.TARGET.value] = t(
                "target: “{text}” is not a number.", text=raw_target
            )
    inputs: list[InputMetricDraft] = []
    for index in range(MAX_INPUTS):
        name = _text(values, f"{NorthStarBlock.INPUT_NAME.value}_{index}")
        definition = _text(values, f"{NorthStarBlock.INPUT_DEFINITION.value}_{index}")
        owner = _user(values, f"{NorthStarBlock.INPUT_OWNER.value}_{index}")
        direction = _selected(values, f"{NorthStarBlock.INPUT_DIRECTION.value}_{index}")
        if not name:
            if definition or owner:
                errors[f"{NorthStarBlock.INPUT_NAME.value}_{index}"] = t(
                    "Give this input metric a name, or clear its other fields."
                )
            continue
        metric_id = meta.input_ids[index] if index < len(meta.input_ids) else None
        inputs.append(
            InputMetricDraft(
                name=name,
                definition=definition,
                owner_user_id=owner,
                direction=Direction(direction or Direction.HIGHER_IS_BETTER.value),
                id=metric_id,
            )
        )
    counters = []
    for line in _text(values, NorthStarBlock.COUNTER_METRICS.value).splitlines():
        name, _, definition = line.partition(":")
        if name.strip():
            counters.append(CounterMetricDraft(name.strip()[:150], definition.strip()))
    window = _selected(values, NorthStarBlock.WINDOW.value)
    draft = NorthStarDraft(
        name=_text(values, NorthStarBlock.NAME.value),
        definition=_text(values, NorthStarBlock.DEFINITION.value),
        unit=_text(values, NorthStarBlock.UNIT.value),
        direction=Direction(
            _selected(values, NorthStarBlock.DIRECTION.value) or Direction.HIGHER_IS_BETTER.value
        ),
        window=TimeWindow(window) if window else None,
        target=target,
        target_date=_date(values, NorthStarBlock.TARGET_DATE.value),
        owner_user_id=_user(values, NorthStarBlock.OWNER.value),
        measured_since=_date(values, NorthStarBlock.MEASURED_SINCE.value),
        archetype=Archetype(meta.archetype) if meta.archetype in set(Archetype) else None,
        template=meta.template,
        counter_metrics=tuple(counters),
        inputs=tuple(inputs),
    )
    return meta, draft, errors


def define_field_block(field_name: str) -> str:
    """The form's block id of a service's FieldProblem field (`input_2` is the third slot)."""
    if field_name.startswith("input_"):
        return f"{NorthStarBlock.INPUT_NAME.value}_{field_name.removeprefix('input_')}"
    known = {
        "name": NorthStarBlock.NAME,
        "target": NorthStarBlock.TARGET,
        "counter_metrics": NorthStarBlock.COUNTER_METRICS,
    }
    return known.get(field_name, NorthStarBlock.NAME).value


# --- The checklist --------------------------------------------------------------------------


def checklist_text(t: Translator, review: Review) -> str:
    """Amplitude's seven questions with ✅ pass, ⚠️ warn (and why) or 🤔 for the team to judge."""
    lines: list[str] = []
    for result in review.questions:
        line = f"{VERDICT_ICONS[result.verdict]} {t(QUESTION_LABELS[result.question])}"
        if result.verdict is Verdict.JUDGE:
            line += " _" + t("(yours to judge)") + "_"
        lines.append(line)
        for finding in result.findings:
            values = {k: escape(str(v)) for k, v in finding.values.items()}
            lines.append("      • " + t(FINDING_MESSAGES[finding.finding], **values))
    return clip("\n".join(lines))


def checklist_summary(t: Translator, review: Review) -> str:
    if review.warnings == 0:
        return t("The checklist found nothing to warn about.")
    return t.plural(
        "The checklist warns about {n} point (saving is never blocked).",
        "The checklist warns about {n} points (saving is never blocked).",
        review.warnings,
    )


def build_checklist_blocks(t: Translator, review: Review) -> list[Block]:
    return [
        SectionBlock(text=MarkdownTextObject(text="*" + checklist_summary(t, review) + "*")),
        SectionBlock(text=MarkdownTextObject(text=checklist_text(t, review))),
    ]


def build_saved_modal(t: Translator, saved: SavedNorthStar) -> View:
    """The define modal's confirmation: what was saved and the checklist's verdict."""
    north_star = saved.north_star
    heading = (
        t("North Star defined: *{name}*", name=escape(north_star.name))
        if saved.created
        else t(
            "North Star revised: *{name}* (revision {number})",
            name=escape(north_star.name),
            number=north_star.revision,
        )
    )
    return View(
        type="modal",
        callback_id=NorthStarCallback.SAVED.value,
        title=PlainTextObject(text=t("Your North Star")),
        close=PlainTextObject(text=t("Done")),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text="✅ " + heading)),
            *build_checklist_blocks(t, saved.review),
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=t(
                            "Record readings with `/okr northstar record 1234`; see it with "
                            "`/okr northstar`."
                        )
                    )
                ]
            ),
        ],
    )


def build_review_message(t: Translator, reviewed: NorthStarReview) -> list[Block]:
    north_star = reviewed.north_star
    history = ", ".join(
        t(
            "{number}. “{name}” by <@{user}> on {date}",
            number=r.number,
            name=escape(r.name),
            user=r.created_by,
            date=t.date(r.created_at),
        )
        for r in reviewed.revisions[-5:]
    )
    return [
        HeaderBlock(
            text=PlainTextObject(text=clip(t("Checklist: {name}", name=north_star.name), 150))
        ),
        *build_checklist_blocks(t, reviewed.review),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=clip(t("Definitions so far: {history}", history=history or "—"), 2000)
                )
            ]
        ),
    ]


# --- The board ------------------------------------------------------------------------------


def _objective_list(t: Translator, objectives: Sequence[ObjectiveLink]) -> str:
    return ", ".join(f"*{o.label}* {escape(o.title)}" for o in objectives)


def _metric_line(t: Translator, metric: MetricTrend, window: TimeWindow | None) -> str:
    trend = metric.trend
    line = t(
        "*{name}*: {value} · {change} · `{spark}`",
        name=escape(metric.name),
        value=amount(t, trend.current, metric.unit),
        change=delta_text(t, trend.last_period, metric.direction, metric.unit),
        spark=trend.spark or " ",
    )
    if metric.owner_user_id:
        line += " · <@" + metric.owner_user_id + ">"
    if metric.objectives:
        line += "\n" + t("Driven by {objectives}", objectives=_objective_list(t, metric.objectives))
    else:
        line += "\n_" + t("No objective drives it yet.") + "_"
    return clip(line)


def build_north_star_summary_blocks(t: Translator, summary: NorthStarSummary) -> list[Block]:
    """The North Star board: value, change over the last period and the cycle, sparkline of
    the last 12 periods, progress to target; each input with its trend and the objectives that
    drive it. At most 25 blocks, so it fits a message (50) or the Home tab (100)."""
    north_star = summary.north_star
    trend = summary.metric.trend
    window = north_star.window
    value_line = (
        t(
            "*{value}* for {period}",
            value=amount(t, trend.current, north_star.unit),
            period=period_label(t, trend.current_period, window),
        )
        if trend.current is not None
        else t("No reading yet: record one with `/okr northstar record 1234`.")
    )
    lines = [
        value_line,
        t(
            "Last period: {change}",
            change=delta_text(t, trend.last_period, north_star.direction, north_star.unit),
        )
        + "   "
        + t(
            "This cycle ({cycle}): {change}",
            cycle=summary.cycle_key,
            change=delta_text(t, trend.over_cycle, north_star.direction, north_star.unit),
        ),
        t("Last {n} periods: `{spark}`", n=len(trend.values), spark=trend.spark or " "),
    ]
    if north_star.target is not None:
        target = amount(t, north_star.target, north_star.unit)
        by = t(" by {date}", date=t.date(north_star.target_date)) if north_star.target_date else ""
        if summary.progress is not None:
            lines.append(
                t(
                    "Target {target}{by}: `{bar}` {percent}",
                    target=target,
                    by=by,
                    bar=progress_bar(summary.progress),
                    percent=t.percent(percent(summary.progress) / 100),
                )
            )
        else:
            lines.append(t("Target {target}{by}", target=target, by=by))
    details = [escape(north_star.definition)] if north_star.definition else []
    if window:
        details.append(t(WINDOW_LABELS[window]))
    if north_star.owner_user_id:
        details.append(t("owner <@{user}>", user=north_star.owner_user_id))
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip("⭐ " + north_star.name, 150))),
        SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines)))),
    ]
    if details:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=clip(" · ".join(details), 2000))])
        )
    if summary.metric.objectives:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=clip(
                        t(
                            "Objectives aimed at the North Star itself: {objectives}",
                            objectives=_objective_list(t, summary.metric.objectives),
                        )
                    )
                )
            )
        )
    blocks.append(DividerBlock())
    blocks.append(SectionBlock(text=MarkdownTextObject(text="*" + t("Input metrics") + "*")))
    if not summary.inputs:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=t("No input metric yet: add 3 to 6 with `/okr northstar define`.")
                )
            )
        )
    for metric in summary.inputs:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_metric_line(t, metric, window))))
    notes: list[str] = []
    if summary.health:
        notes.append(
            t("Health objectives: {objectives}", objectives=_objective_list(t, summary.health))
        )
    if summary.unlinked:
        notes.append(
            "⚠️ "
            + t(
                "Linked to nothing: {objectives}. Use `/okr northstar link`.",
                objectives=_objective_list(t, summary.unlinked),
            )
        )
    if summary.warnings:
        notes.append(
            t.plural(
                "The checklist warns about {n} point: `/okr northstar review`.",
                "The checklist warns about {n} points: `/okr northstar review`.",
                summary.warnings,
            )
        )
    if notes:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=clip("\n".join(notes), 2000))])
        )
    blocks.append(
        ActionsBlock(
            elements=[
                ButtonElement(
                    action_id=NorthStarAction.RECORD.value,
                    text=PlainTextObject(text=t("Record a reading")),
                    value=summary.team.channel_id,
                    style="primary",
                ),
                ButtonElement(
                    action_id=NorthStarAction.CHART.value,
                    text=PlainTextObject(text=t("Post the trend chart")),
                    value=summary.team.channel_id,
                ),
            ]
        )
    )
    return blocks


def summary_fallback_text(t: Translator, summary: NorthStarSummary) -> str:
    trend = summary.metric.trend
    return t(
        "North Star {name}: {value}",
        name=summary.north_star.name,
        value=amount(t, trend.current, summary.north_star.unit),
    )


# --- Record ---------------------------------------------------------------------------------


def build_record_modal(
    t: Translator,
    form: ReadingForm,
    *,
    channel_id: str,
    metric_key: str | None = None,
    value_text: str | None = None,
    on: date | None = None,
) -> View:
    """A reading of the North Star or an input: metric, value (typed as the user writes
    numbers), date (default today)."""
    options = [_option(m.name + (f" ({m.unit})" if m.unit else ""), m.key) for m in form.metrics]
    initial = next((o for o in options if o.value == metric_key), options[0])
    return View(
        type="modal",
        callback_id=NorthStarCallback.RECORD.value,
        title=PlainTextObject(text=t("Record a reading")),
        submit=PlainTextObject(text=t("Record")),
        close=PlainTextObject(text=t("Cancel")),
        private_metadata=NorthStarMeta(
            channel_id=channel_id, team_id=form.team.id
        ).model_dump_json(),
        blocks=[
            InputBlock(
                block_id=NorthStarBlock.METRIC.value,
                label=PlainTextObject(text=t("Metric")),
                element=_select(options, initial, t("Metric")),
            ),
            _text_input(
                NorthStarBlock.VALUE.value,
                t("Value"),
                initial=value_text,
                optional=False,
                max_length=40,
                hint=t("Write it as you usually do, e.g. {example}.", example=t.number(1234.5)),
            ),
            InputBlock(
                block_id=NorthStarBlock.DATE.value,
                label=PlainTextObject(text=t("Date")),
                hint=PlainTextObject(
                    text=t("A second reading in the same period replaces the first.")
                ),
                element=DatePickerElement(
                    action_id=FIELD, initial_date=(on or form.today).isoformat()
                ),
            ),
        ],
    )


def parse_record_submission(
    t: Translator, view: dict[str, Any]
) -> tuple[NorthStarMeta, str | None, float | None, date | None, dict[str, str]]:
    """metadata, metric key, value, date and field errors (block id → message)."""
    meta = NorthStarMeta.parse(view.get("private_metadata", ""))
    values = view.get("state", {}).get("values", {})
    errors: dict[str, str] = {}
    raw = _text(values, NorthStarBlock.VALUE.value)
    value: float | None = None
    try:
        value = t.parse_number(raw)
        if not math.isfinite(value):
            raise ValueError(raw)
    except ValueError:
        errors[NorthStarBlock.VALUE.value] = t("value: “{text}” is not a number.", text=raw)
    return (
        meta,
        _selected(values, NorthStarBlock.METRIC.value),
        value,
        _date(values, NorthStarBlock.DATE.value),
        errors,
    )


def record_field_block(field_name: str) -> str:
    known = {"metric": NorthStarBlock.METRIC, "date": NorthStarBlock.DATE}
    return known.get(field_name, NorthStarBlock.VALUE).value


def recorded_text(t: Translator, recorded: RecordedReading) -> str:
    text = t(
        "Recorded {value} for *{metric}* ({period}).",
        value=amount(t, recorded.value, recorded.unit),
        metric=escape(recorded.metric_name),
        period=period_label(t, recorded.period_start, recorded.window),
    )
    if recorded.replaced is not None:
        text += " " + t(
            "It replaces {value}, kept in the history.",
            value=amount(t, recorded.replaced, recorded.unit),
        )
    return text


# --- Tokens and links -----------------------------------------------------------------------


def new_token_text(t: Translator, created: NewApiToken) -> str:
    return "\n".join(
        [
            t(
                "New API token for *{team}*. Copy it now: it will not be shown again.",
                team=escape(created.team.name),
            ),
            f"```{created.token}```",
            t(
                "Send readings with `POST /api/v1/metrics/readings` and the header "
                "`Authorization: Bearer <token>`. "
                "Revoke it with `/okr northstar token revoke {prefix}`.",
                prefix=created.prefix,
            ),
        ]
    )


def tokens_text(t: Translator, tokens: Sequence[ApiTokenView]) -> str:
    if not tokens:
        return t("No API token yet: `/okr northstar token new` creates one.")
    lines = []
    for token in tokens:
        state = (
            t("revoked on {date}", date=t.date(token.revoked_at))
            if token.revoked_at
            else t("last used {date}", date=t.date(token.last_used_at))
            if token.last_used_at
            else t("never used")
        )
        lines.append(
            t(
                "`{prefix}…` by <@{user}> on {date}: {state}",
                prefix=token.prefix,
                user=token.created_by,
                date=t.date(token.created_at),
                state=state,
            )
        )
    return "\n".join(lines)


def revoked_text(t: Translator, prefixes: Sequence[str]) -> str:
    return t(
        "Revoked: {tokens}. Requests with them now get 401.",
        tokens=", ".join(f"`{p}…`" for p in prefixes),
    )


def linked_text(t: Translator, linked: LinkedObjective) -> str:
    label = f"*{linked.objective.label}* {escape(linked.objective.title)}"
    if linked.drives is Drives.HEALTH:
        return t(
            "{objective} is now a health objective (not aimed at the North Star).", objective=label
        )
    if linked.drives is Drives.NORTH_STAR:
        return t(
            "{objective} now drives the North Star *{metric}*.",
            objective=label,
            metric=escape(linked.metric_name or ""),
        )
    return t(
        "{objective} now drives the input metric *{metric}*.",
        objective=label,
        metric=escape(linked.metric_name or ""),
    )


def northstar_usage_text(t: Translator) -> str:
    return "\n".join(
        [
            t("*North Star commands*"),
            "`/okr northstar` — " + t("the board: value, trend, inputs, objectives"),
            "`/okr northstar define` — " + t("define or revise it (guided modal)"),
            "`/okr northstar review` — " + t("the checklist on its definition"),
            '`/okr northstar record 1234 [2026-11-23]` · `/okr northstar record "input" 56` — '
            + t("record a reading"),
            '`/okr northstar link O-4 "input" | nsm | health` — '
            + t("say what an objective drives"),
            "`/okr northstar chart` — " + t("post the trend chart in the channel"),
            "`/okr northstar token [new | list | revoke <prefix>]` — "
            + t("API tokens for analytics jobs"),
        ]
    )
