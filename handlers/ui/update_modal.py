"""The update modal (`/okr update`): one of my KRs, its new value, confidence and note."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.refs import parse_key_result_ref
from bot.domain.status import confidence_band
from bot.i18n import Translator
from bot.services.read_models import KeyResultView, ObjectiveView
from handlers.ids import Callback
from handlers.ui.forms import parse_number_field, state_value, text_input
from handlers.ui.okr import STATUS_EMOJI, STATUS_LABELS, escape, kr_line

KEY_RESULT = "key_result"
VALUE = "value"
CONFIDENCE = "confidence"
NOTE = "note"
OPTIONS_MAX = 100


class UpdateModalMeta(BaseModel):
    key_result_ref: int | None = None
    from_home: bool = False  # opened from the Home tab, which is re-published after saving


@dataclass(frozen=True)
class UpdateForm:
    key_result_ref: int | None
    value: float | None
    confidence: int | None
    note: str


@dataclass(frozen=True)
class UpdatePrefill:
    """What to show in the modal: typed values that were valid, and why it opened."""

    value: str | None = None
    confidence: int | None = None
    note: str | None = None
    problem: str | None = None


def confidence_choices(t: Translator) -> list[Option]:
    """0–10 with the band each one falls in (7–10 on track, 4–6 at risk, 0–3 off track)."""
    return [
        Option(
            value=str(n),
            text=f"{n} · {STATUS_EMOJI[confidence_band(n)]} {t(STATUS_LABELS[confidence_band(n)])}",
        )
        for n in range(10, -1, -1)
    ]


def _kr_option(kr: KeyResultView) -> Option:
    text = f"{kr.label} {kr.title}"
    return Option(value=str(kr.ref), text=text if len(text) <= 75 else text[:74] + "…")


def build_update_modal(
    t: Translator,
    objectives: Sequence[ObjectiveView],
    *,
    selected: KeyResultView | None,
    prefill: UpdatePrefill | None = None,
    from_home: bool = False,
) -> View:
    """KR select grouped by objective (changing it re-fills the last value), value, confidence,
    note. At most 100 KRs can be offered (Slack's cap); the selected one is always among them."""
    prefill = prefill or UpdatePrefill()
    groups: list[OptionGroup] = []
    remaining = OPTIONS_MAX
    for objective in objectives:
        options = [_kr_option(kr) for kr in objective.key_results][:remaining]
        if options:
            label = f"{objective.label} {objective.title}"
            groups.append(
                OptionGroup(label=label if len(label) <= 75 else label[:74] + "…", options=options)
            )
            remaining -= len(options)
    initial = _kr_option(selected) if selected else None
    blocks: list[Block] = []
    if prefill.problem:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=prefill.problem)]))
    blocks.append(
        InputBlock(
            block_id=KEY_RESULT,
            label=t("Key result"),
            dispatch_action=True,  # re-fill value and confidence when the KR changes
            element=StaticSelectElement(
                action_id=KEY_RESULT, option_groups=groups, initial_option=initial
            ),
        )
    )
    if selected is not None:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=kr_line(t, selected))]))
    last_value = t.number(selected.current) if selected and selected.current is not None else None
    blocks.append(
        text_input(
            VALUE,
            t("New value"),
            initial=prefill.value or last_value,
            max_length=30,
            hint=t("A milestone is 1 when done, 0 otherwise.")
            if selected and selected.kind == "milestone"
            else None,
        )
    )
    confidence = (
        prefill.confidence
        if prefill.confidence is not None
        else (selected.confidence if selected else None)
    )
    options = confidence_choices(t)
    blocks.append(
        InputBlock(
            block_id=CONFIDENCE,
            label=t("Confidence (0–10)"),
            hint=t("How sure are you to reach the target this cycle?"),
            element=StaticSelectElement(
                action_id=CONFIDENCE,
                options=options,
                initial_option=next((o for o in options if o.value == str(confidence)), None),
            ),
        )
    )
    blocks.append(
        text_input(
            NOTE,
            t("Note"),
            initial=prefill.note,
            multiline=True,
            max_length=3000,
            optional=True,
            placeholder=t("What moved, what blocks you?"),
        )
    )
    return View(
        type="modal",
        callback_id=Callback.UPDATE.value,
        title=t("Update a key result"),
        submit=t("Save"),
        close=t("Cancel"),
        private_metadata=UpdateModalMeta(
            key_result_ref=selected.ref if selected else None, from_home=from_home
        ).model_dump_json(),
        blocks=blocks,
    )


def parse_update_submission(
    t: Translator, view: Mapping[str, Any]
) -> tuple[UpdateForm, dict[str, str]]:
    errors: dict[str, str] = {}
    ref = parse_key_result_ref(state_value(view, KEY_RESULT) or "")
    if ref is None:
        errors[KEY_RESULT] = t("Pick a key result.")
    value = parse_number_field(t, view, VALUE, errors)
    confidence = state_value(view, CONFIDENCE)
    return UpdateForm(
        key_result_ref=ref,
        value=value,
        confidence=int(confidence) if confidence and confidence.isdigit() else None,
        note=state_value(view, NOTE) or "",
    ), errors


def selected_key_result_ref(view: Mapping[str, Any]) -> int | None:
    """The KR currently chosen in an open update modal (for re-filling it)."""
    return parse_key_result_ref(state_value(view, KEY_RESULT) or "")


def build_thread_line(
    t: Translator, *, kr: KeyResultView, previous: float | None, author: str, note: str
) -> str:
    """The short line a check-in leaves in its objective's thread."""
    change = t(
        "{before} → {after}",
        before=_value(t, previous, kr.unit),
        after=_value(t, kr.current, kr.unit),
    )
    line = t(
        "<@{user}> updated `{ref}` {title}: {change}",
        user=author,
        ref=kr.label,
        title=escape(kr.title),
        change=change,
    )
    if kr.confidence is not None:
        line += " · " + t("confidence {n}/10", n=kr.confidence)
    if note:
        line += f"\n> {escape(note)[:500]}"
    return line


def build_check_in_saved(t: Translator, kr: KeyResultView, previous: float | None) -> str:
    """The private confirmation of a check-in."""
    return t(
        "Saved `{ref}` {title}: {before} → {after} · {status}",
        ref=kr.label,
        title=escape(kr.title),
        before=_value(t, previous, kr.unit),
        after=_value(t, kr.current, kr.unit),
        status=f"{STATUS_EMOJI[kr.progress.status]} {t(STATUS_LABELS[kr.progress.status])}",
    )


def _value(t: Translator, value: float | None, unit: str) -> str:
    return "—" if value is None else f"{t.number(value)} {unit}".strip()
