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

from bot.domain.display import progress_bar
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
    kr_reading,
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


def last_check_in_text(t: Translator, when: datetime | None, now: datetime) -> str:
    """`Last check-in: 3 days ago`, or `No check-in yet` (never "Last check-in: no check-in")."""
    if when is None:
        return t("No check-in yet")
    return t("Last check-in: {age}", age=age_text(t, when, now))


def kr_line(t: Translator, kr: KeyResultView, *, reader: str | None = None) -> str:
    """A key result on every surface that lists it (post, list, Home, DM, modals): its ref
    and title, then the bar (for a KR that moves and has a reading), where it stands (see
    `kr_reading`), its status and its owner, unless the owner is the `reader` (nobody is
    mentioned to themselves)."""
    parts = [kr_reading(t, kr)]
    if kr.kind in (KrKind.INCREASE_TO, KrKind.DECREASE_TO) and kr.current is not None:
        parts[0] = f"{progress_bar(kr.progress.progress)} {parts[0]}"
    if not (kr.kind is KrKind.MILESTONE and kr.progress.status is Status.DONE):
        parts.append(status_text(t, kr.progress.status))  # a done milestone already says ✅
    if kr.owner_user_id != reader:
        parts.append(f"<@{kr.owner_user_id}>")
    return f"`{kr.label}` {escape(kr.title)}\n" + " · ".join(parts)


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
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_post_footer(t, objective, now))]))
    return blocks


def _post_footer(t: Translator, objective: ObjectiveView, now: datetime) -> str:
    """When it was last checked in and why its status (the heading shows the status itself),
    each said once: a post with no check-in does not also explain its status by it."""
    facts = [last_check_in_text(t, objective.last_check_in_at, now)]
    if objective.progress.reason is not Reason.NO_CHECK_IN:
        facts.append(t("Status: {why}", why=t(REASON_TEXT[objective.progress.reason])))
    if objective.state == "done":
        facts.append(t("Marked done"))
    return " · ".join(facts)


def objective_post_text(t: Translator, objective: ObjectiveView) -> str:
    """Notification fallback for the post."""
    return t("{ref} · {title}", ref=objective.label, title=escape(objective.title))
