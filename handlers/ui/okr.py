"""Shared pieces of OKR rendering: status labels, KR lines, objective headings, the post."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    SectionBlock,
)

from bot.domain.errors import N_
from bot.domain.progress import KrKind
from bot.domain.status import Reason, Status
from bot.i18n import Translator
from bot.services.read_models import KeyResultView, ObjectiveView
from handlers.ids import ObjectiveAction
from handlers.ui.blocks import actions, button
from handlers.ui.format import (
    CONTEXT_TEXT_MAX,
    clip,
    cycle_label,
    escape,
    kr_amount,
    progress_line,
)

STATUS_EMOJI = {
    Status.DONE: "✅",
    Status.ON_TRACK: "🟢",
    Status.AT_RISK: "🟠",
    Status.OFF_TRACK: "🔴",
    Status.NOT_STARTED: "⚪",
}
STATUS_LABELS = {
    Status.DONE: N_("Done"),
    Status.ON_TRACK: N_("On track"),
    Status.AT_RISK: N_("At risk"),
    Status.OFF_TRACK: N_("Off track"),
    Status.NOT_STARTED: N_("Not started"),
}
KIND_LABELS = {
    KrKind.INCREASE_TO: N_("Increase to"),
    KrKind.DECREASE_TO: N_("Decrease to"),
    KrKind.STAY_ABOVE: N_("Stay above"),
    KrKind.STAY_BELOW: N_("Stay below"),
    KrKind.MILESTONE: N_("Milestone"),
}
STATE_LABELS = {
    "open": N_("open again"),
    "done": N_("done"),
    "archived": N_("archived"),
}
# Shown when someone asks why a status is what it is (PRODUCT.md "Progress and status").
REASON_TEXT = {
    Reason.TARGET_REACHED: N_("the target is reached"),
    Reason.CONFIDENCE: N_("from the latest confidence (7–10 on track, 4–6 at risk, 0–3 off track)"),
    Reason.PACE: N_("from progress against the time elapsed in the cycle"),
    Reason.NO_CHECK_IN: N_("no check-in yet"),
    Reason.GUARDRAIL_HOLDS: N_("the guardrail holds"),
    Reason.GUARDRAIL_BROKEN: N_("the guardrail is broken"),
    Reason.ALL_KRS_DONE: N_("every key result is done"),
    Reason.NO_KRS: N_("no key results yet"),
}


def status_text(t: Translator, status: Status) -> str:
    return f"{STATUS_EMOJI[status]} {t(STATUS_LABELS[status])}"


def age_text(t: Translator, when: datetime | None, now: datetime) -> str:
    if when is None:
        return t("no check-in yet")
    return t("{age} ago", age=t.age(max(0.0, (now - when).total_seconds())))


def kr_line(t: Translator, kr: KeyResultView) -> str:
    """`KR-12` title, bar, %, current → target, status, owner: one mrkdwn line."""
    if kr.kind is KrKind.MILESTONE:
        measure = t("done") if (kr.current or 0) >= 1 else t("not done yet")
    else:
        measure = t(
            "{current} → {target}",
            current=kr_amount(t, kr.current, kr.unit),
            target=kr_amount(t, kr.target, kr.unit),
        )
    bar = progress_line(t, kr.progress.progress)
    return (
        f"`{kr.label}` {escape(kr.title)}\n"
        f"{bar} · {measure} · "
        f"{status_text(t, kr.progress.status)} · <@{kr.owner_user_id}>"
    )


class Labelled(Protocol):
    """An objective as any read model shows it: its label (`O-4`) and title."""

    @property
    def label(self) -> str: ...

    @property
    def title(self) -> str: ...


def objective_text(objective: Labelled) -> str:
    """`*O-4* Delight new teams`, the title escaped."""
    return f"*{objective.label}* {escape(objective.title)}"


def objective_heading(t: Translator, objective: ObjectiveView) -> str:
    return (
        f"*{objective.label} · {escape(objective.title)}*\n"
        f"{progress_line(t, objective.progress.progress)} · "
        f"{status_text(t, objective.progress.status)} · <@{objective.owner_user_id}> · "
        f"{escape(objective.team.name)} · {cycle_label(t, objective.cycle_key)}"
    )


def objective_menu(t: Translator, objective: ObjectiveView) -> OverflowMenuElement:
    """The objective's actions, anywhere it shows: edit, add a key result, mark done, archive
    while open; edit, reopen, archive once done; only reopen once archived."""
    ref = str(objective.ref)
    reopen = Option(value=f"{ObjectiveAction.REOPEN}:{ref}", text=t("Reopen"))
    archive = Option(value=f"{ObjectiveAction.ARCHIVE}:{ref}", text=t("Archive"))
    edit = Option(value=f"{ObjectiveAction.EDIT}:{ref}", text=t("Edit objective"))
    if objective.state == "archived":
        options = [reopen]
    elif objective.state == "done":
        options = [edit, reopen, archive]
    else:
        options = [
            edit,
            Option(value=f"{ObjectiveAction.ADD_KEY_RESULT}:{ref}", text=t("Add a key result")),
            Option(value=f"{ObjectiveAction.MARK_DONE}:{ref}", text=t("Mark done")),
            archive,
        ]
    return OverflowMenuElement(action_id=ObjectiveAction.MENU.value, options=options)


def kr_menu(t: Translator, kr: KeyResultView) -> OverflowMenuElement:
    """Update or edit one key result (edits never rewrite its past check-ins)."""
    return OverflowMenuElement(
        action_id=ObjectiveAction.KR_MENU.value,
        options=[
            Option(
                value=f"{ObjectiveAction.UPDATE_KEY_RESULT}:{kr.ref}",
                text=t("Update {ref}", ref=kr.label),
            ),
            Option(
                value=f"{ObjectiveAction.EDIT_KEY_RESULT}:{kr.ref}",
                text=t("Edit {ref}", ref=kr.label),
            ),
        ],
    )


def build_objective_post(t: Translator, objective: ObjectiveView, now: datetime) -> list[Block]:
    """The objective's post in its team channel; its thread collects the updates. Archived:
    it says so first, and offers nothing but Reopen (no update, no KR menu)."""
    archived = objective.state == "archived"
    blocks: list[Block] = []
    if archived:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="🗄 "
                        + t(
                            "*Archived.* Nothing to check in here; reopen it from the menu "
                            "to bring it back."
                        )
                    )
                ]
            )
        )
    blocks.append(
        SectionBlock(
            block_id=f"objective-{objective.ref}",
            text=MarkdownTextObject(text=clip(objective_heading(t, objective))),
            accessory=objective_menu(t, objective),
        )
    )
    if objective.description:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(text=clip(escape(objective.description), CONTEXT_TEXT_MAX))
                ]
            )
        )
    blocks += [
        SectionBlock(
            text=MarkdownTextObject(text=clip(kr_line(t, kr))),
            accessory=None if archived else kr_menu(t, kr),
        )
        for kr in objective.key_results
    ]
    if not archived:
        blocks.append(
            actions(
                button(
                    ObjectiveAction.UPDATE_FROM_POST,
                    t("Update a key result"),
                    str(objective.ref),
                    primary=True,
                )
            )
        )
    state_note = {"done": t("Marked done.")}.get(objective.state, "")
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=" ".join(
                        filter(
                            None,
                            [
                                t(
                                    "Last check-in: {age}",
                                    age=age_text(t, objective.last_check_in_at, now),
                                ),
                                t(
                                    "Status {status}: {why}.",
                                    status=t(STATUS_LABELS[objective.progress.status]),
                                    why=t(REASON_TEXT[objective.progress.reason]),
                                ),
                                state_note,
                            ],
                        )
                    )
                )
            ]
        )
    )
    return blocks


def objective_post_text(t: Translator, objective: ObjectiveView) -> str:
    """Notification fallback for the post."""
    return t("{ref} · {title}", ref=objective.label, title=escape(objective.title))
