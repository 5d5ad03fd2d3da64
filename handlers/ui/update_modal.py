"""The update modal (`/okr update`): one of my KRs, its new value, confidence and note."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    Option,
    OptionGroup,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.progress import KrKind
from bot.domain.refs import parse_key_result_ref
from bot.domain.status import CONFIDENCE_MAX, confidence_band
from bot.i18n import Translator
from bot.services.read_models import CheckInResult, KeyResultView, ObjectiveView
from handlers.ids import Callback
from handlers.ui.blocks import context, modal
from handlers.ui.format import OPTION_TEXT_MAX, SELECT_OPTIONS_MAX, clip, escape, kr_change
from handlers.ui.forms import (
    PayloadInt,
    checkbox_input,
    checked_value,
    number_choice,
    number_problem,
    parse_number_field,
    state_value,
    text_input,
)
from handlers.ui.okr import STATUS_EMOJI, STATUS_LABELS, kr_line

KEY_RESULT = "key_result"
VALUE = "value"
DONE = "done"  # a milestone's value: its Done box
CONFIDENCE = "confidence"
NOTE = "note"


class UpdateModalMeta(BaseModel):
    key_result_ref: PayloadInt | None = None
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
    return Option(value=str(kr.ref), text=clip(text, OPTION_TEXT_MAX))


def _kr_groups(objectives: Sequence[ObjectiveView]) -> list[OptionGroup]:
    """The KRs as options grouped by objective, the first 100 (Slack's cap for a select)."""
    groups: list[OptionGroup] = []
    remaining = SELECT_OPTIONS_MAX
    for objective in objectives:
        options = [_kr_option(kr) for kr in objective.key_results][:remaining]
        if options:
            label = clip(f"{objective.label} {objective.title}", OPTION_TEXT_MAX)
            groups.append(OptionGroup(label=label, options=options))
            remaining -= len(options)
    return groups


def _key_result_input(
    objectives: Sequence[ObjectiveView], selected: KeyResultView | None, label: str
) -> InputBlock:
    return InputBlock(
        block_id=KEY_RESULT,
        label=label,
        dispatch_action=True,  # re-fill value and confidence when the KR changes
        element=StaticSelectElement(
            action_id=KEY_RESULT,
            option_groups=_kr_groups(objectives),
            initial_option=_kr_option(selected) if selected else None,
        ),
    )


def confidence_input(
    t: Translator,
    block_id: str,
    confidence: int | None,
    *,
    optional: bool | None = None,
    hint: str | None = None,
) -> InputBlock:
    """The 0–10 confidence select, `confidence` selected."""
    options = confidence_choices(t)
    return InputBlock(
        block_id=block_id,
        label=t("Confidence (0–10)"),
        optional=optional,
        hint=hint,
        element=StaticSelectElement(
            action_id=block_id,
            options=options,
            initial_option=next((o for o in options if o.value == str(confidence)), None),
        ),
    )


def build_update_modal(
    t: Translator,
    objectives: Sequence[ObjectiveView],
    *,
    selected: KeyResultView | None,
    prefill: UpdatePrefill | None = None,
    from_home: bool = False,
    reader: str | None = None,
) -> View:
    """KR select grouped by objective (changing it re-fills the last value), value, confidence,
    note. At most 100 KRs can be offered (Slack's cap); the selected one is always among them."""
    prefill = prefill or UpdatePrefill()
    blocks: list[Block] = []
    if prefill.problem:
        blocks.append(context(prefill.problem))
    blocks.append(_key_result_input(objectives, selected, t("Key result")))
    if selected is not None:
        blocks.append(context(kr_line(t, selected, reader=reader)))
    if selected is not None and selected.kind is KrKind.MILESTONE:
        blocks.append(milestone_input(t, DONE, selected, prefill.value))
    else:
        last = t.number(selected.current) if selected and selected.current is not None else None
        blocks.append(
            text_input(VALUE, t("New value"), initial=prefill.value or last, max_length=30)
        )
    confidence = (
        prefill.confidence
        if prefill.confidence is not None
        else (selected.confidence if selected else None)
    )
    hint = t("How sure are you to reach the target this cycle?")
    blocks.append(confidence_input(t, CONFIDENCE, confidence, hint=hint))
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
    meta = UpdateModalMeta(key_result_ref=selected.ref if selected else None, from_home=from_home)
    return modal(t, Callback.UPDATE, t("Update a key result"), blocks, submit=t("Save"), meta=meta)


def milestone_input(
    t: Translator, block_id: str, kr: KeyResultView, typed: str | None = None
) -> InputBlock:
    """A milestone's new value: one Done box, ticked when it is done (or `typed` says 1)."""
    done = (kr.current or 0) >= 1
    if typed is not None:
        value, _problem = number_problem(t, typed)
        done = value is not None and value >= 1
    return checkbox_input(block_id, t("Milestone"), t("Done"), checked=done)


def milestone_value(view: Mapping[str, Any], block_id: str) -> float | None:
    """1 or 0 from a milestone's Done box; None when the view has no such box."""
    done = checked_value(view, block_id)
    return None if done is None else float(done)


def parse_update_submission(
    t: Translator, view: Mapping[str, Any]
) -> tuple[UpdateForm, dict[str, str]]:
    errors: dict[str, str] = {}
    ref = parse_key_result_ref(state_value(view, KEY_RESULT) or "")
    if ref is None:
        errors[KEY_RESULT] = t("Pick a key result.")
    value = milestone_value(view, DONE)
    if value is None:
        value = parse_number_field(t, view, VALUE, errors)
    confidence = number_choice(view, CONFIDENCE, default=-1, top=CONFIDENCE_MAX)
    return UpdateForm(
        key_result_ref=ref,
        value=value,
        confidence=None if confidence < 0 else confidence,
        note=state_value(view, NOTE) or "",
    ), errors


def selected_key_result_ref(view: Any) -> int | None:
    """The KR currently chosen in an open update modal (for re-filling it)."""
    return parse_key_result_ref(state_value(view, KEY_RESULT) or "")


def build_thread_line(
    t: Translator, *, kr: KeyResultView, previous: float | None, author: str, note: str
) -> str:
    """The short line a check-in leaves in its objective's thread:
    `<@U1> updated KR-1 Teams: 120 → 190 teams (+70) · confidence 8/10`."""
    change = kr_change(t, kr, previous)
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


def build_session_thread_line(
    t: Translator, *, results: Sequence[CheckInResult], author: str
) -> str:
    """One thread reply for the check-ins of one session on one objective: the single line
    of `build_thread_line` for one KR, else a line per KR under one heading."""
    if len(results) == 1:
        [only] = results
        kr = only.key_result
        return build_thread_line(
            t, kr=kr, previous=only.previous_value, author=author, note=kr.note
        )
    lines = [t("<@{user}> checked in {n} key results:", user=author, n=len(results))]
    for result in results:
        kr = result.key_result
        line = t(
            "• `{ref}` {title}: {change}",
            ref=kr.label,
            title=escape(kr.title),
            change=kr_change(t, kr, result.previous_value),
        )
        if kr.confidence is not None:
            line += " · " + t("confidence {n}/10", n=kr.confidence)
        if kr.note:
            line += f"\n> {escape(kr.note)[:300]}"
        lines.append(line)
    return "\n".join(lines)


def build_check_in_saved(t: Translator, kr: KeyResultView, previous: float | None) -> str:
    """The private confirmation of a check-in."""
    return t(
        "Saved `{ref}` {title}: {change} · {status}",
        ref=kr.label,
        title=escape(kr.title),
        change=kr_change(t, kr, previous),
        status=f"{STATUS_EMOJI[kr.progress.status]} {t(STATUS_LABELS[kr.progress.status])}",
    )


def kept_confidence_text(t: Translator, kr: KeyResultView) -> str:
    """What a one-line update without a confidence did about it."""
    if kr.confidence is None:
        return t(
            "No confidence yet: add one after the value, e.g. `/okr update {ref} 42 7`.",
            ref=kr.label,
        )
    return t(
        "Confidence kept at {confidence}/10, as last time (add it after the value to change it).",
        confidence=kr.confidence,
    )
