"""The check-in DM, its answered states, and the check-in modal (one or more pages)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field
from slack_sdk.models.blocks import (
    Block,
    DividerBlock,
    Option,
    OverflowMenuElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain.progress import KrKind
from bot.domain.status import CONFIDENCE_MAX
from bot.i18n import Translator
from bot.services.read_models import KeyResultView, NudgeView, ObjectiveView
from handlers.ids import Callback, NudgeAction
from handlers.ui.blocks import actions, button, context, header, modal, section
from handlers.ui.format import clip, escape
from handlers.ui.forms import (
    OutOfDate,
    PayloadInt,
    date_input,
    date_value,
    initially_checked,
    number_choice,
    number_problem,
    state_value,
    text_input,
)
from handlers.ui.okr import kr_line
from handlers.ui.update_modal import confidence_input, milestone_input, milestone_value

# Four blocks per KR (line, value, confidence, note) keep a page under Slack's 100 blocks.
KRS_PER_PAGE = 20
MESSAGE_KRS_MAX = 40  # a DM lists at most this many KRs (one section each, under 50 blocks)
REFS_MAX = 1000  # KRs one check-in modal may cover (its metadata stays under 3,000 bytes)


class CheckInModalMeta(BaseModel):
    """Which KRs the modal covers, which page is shown, and the nudge it answers (if any)."""

    refs: Annotated[list[PayloadInt], Field(max_length=REFS_MAX)]
    page: Annotated[int, Field(ge=0, le=REFS_MAX)] = 0
    nudge_id: PayloadInt | None = None
    saved: bool = False  # an earlier page recorded check-ins: an empty last page may finish


def _kr_lines(t: Translator, objectives: Sequence[ObjectiveView], reader: str) -> list[str]:
    return [
        f"*{escape(o.title)}*\n" + "\n".join(kr_line(t, kr, reader=reader) for kr in o.key_results)
        for o in objectives
    ]


def _refs(krs: Sequence[KeyResultView]) -> str:
    return ", ".join(f"`{kr.label}`" for kr in krs)


def build_nudge_message(
    t: Translator, nudge: NudgeView, *, reminder: bool = False, now: datetime | None = None
) -> list[Block]:
    """The weekly DM: due KRs with last value and status, and the four answers. After a
    partial check-in (some KRs updated, others still due): what was updated, what is still
    due, the answers for the rest and Undo (until `now` passes the undo window)."""
    if nudge.updated:
        intro = t(
            "✅ Updated: {updated}. Still due: {due}.",
            updated=_refs(nudge.updated),
            due=_refs([kr for o in nudge.objectives for kr in o.key_results]),
        )
    elif reminder:
        intro = t(
            "A gentle reminder: your weekly check-in for *{team}* is still waiting.",
            team=escape(nudge.team.name),
        )
    else:
        intro = t("Time for your weekly check-in for *{team}*.", team=escape(nudge.team.name))
    blocks: list[Block] = [section(intro)]
    blocks += [section(clip(line)) for line in _kr_lines(t, nudge.objectives, nudge.user_id)][
        :MESSAGE_KRS_MAX
    ]
    value = str(nudge.id)
    snooze = OverflowMenuElement(
        action_id=NudgeAction.SNOOZE.value,
        options=[
            Option(value=f"{value}:1", text=t("Snooze until tomorrow")),
            Option(value=f"{value}:3", text=t("Snooze for three days")),
        ],
    )
    blocks.append(
        actions(
            button(NudgeAction.NO_CHANGE, t("No change"), value, primary=True),
            button(NudgeAction.UPDATE, t("Update…"), value),
            button(NudgeAction.SKIP, t("Skip this week"), value),
            snooze,
            block_id="nudge",
        )
    )
    if nudge.updated and now is not None and nudge.undo_until and now < nudge.undo_until:
        blocks.append(_undo(t, nudge))
    blocks.append(context(t("Away for a while? Pause these messages with `/okr pause`.")))
    return blocks


def nudge_text(t: Translator, nudge: NudgeView) -> str:
    return t("Weekly check-in for {team}", team=escape(nudge.team.name))


def build_nudge_answered(t: Translator, nudge: NudgeView, now: datetime) -> list[Block]:
    """The DM once answered: what was recorded, and an undo for a few minutes."""
    refs = ", ".join(f"`{kr.label}`" for o in nudge.objectives for kr in o.key_results)
    if nudge.answer == "no_change":
        text = t("✅ Recorded: no change for {refs}. Thank you!", refs=refs)
    elif nudge.answer == "updated":
        text = t("✅ Your updates are recorded. Thank you!")
        if nudge.updated:
            text += "\n" + t("Updated: {refs}.", refs=_refs(nudge.updated))
    elif nudge.answer == "skipped":
        text = t("Skipped this week. See you next week!")
    else:
        until = nudge.snoozed_until or now
        text = t(
            "😴 Snoozed: I will ask again on {date}.",
            date=t.when(until, nudge.timezone or nudge.team.timezone),
        )
    blocks: list[Block] = [section(text)]
    if nudge.undo_until and now < nudge.undo_until:
        blocks.append(_undo(t, nudge))
    return blocks


def _undo(t: Translator, nudge: NudgeView) -> Block:
    return actions(button(NudgeAction.UNDO, t("Undo"), str(nudge.id)), block_id="nudge_undo")


def build_stale_suggestion(t: Translator, objective: ObjectiveView) -> str:
    kr = objective.key_results[0]
    return t(
        "`{ref}` {title} (owner <@{owner}>) had no check-in for three weeks in a row. "
        "Reassign it or close it? Objective {objective}.",
        ref=kr.label,
        title=escape(kr.title),
        owner=kr.owner_user_id,
        objective=objective.label,
    )


def _kr_inputs(t: Translator, kr: KeyResultView, reader: str | None) -> list[Block]:
    current = t.number(kr.current) if kr.current is not None else None
    value = (
        milestone_input(t, f"{kr.ref}.done", kr)
        if kr.kind is KrKind.MILESTONE
        else text_input(
            f"{kr.ref}.value",
            t("New value of {ref}", ref=kr.label),
            initial=current,
            max_length=30,
            optional=True,
        )
    )
    return [
        section(clip(kr_line(t, kr, reader=reader))),
        value,
        confidence_input(t, f"{kr.ref}.confidence", kr.confidence, optional=True),
        text_input(f"{kr.ref}.note", t("Note"), multiline=True, max_length=3000, optional=True),
    ]


def build_check_in_modal(
    t: Translator,
    objectives: Sequence[ObjectiveView],
    meta: CheckInModalMeta,
    *,
    reader: str | None = None,
) -> View:
    """Every due KR on pages of 20: value (a Done box for a milestone), confidence, note each.
    The last page saves. `reader` (who opens it) is not mentioned on their own KRs."""
    krs = [kr for o in objectives for kr in o.key_results if kr.ref in meta.refs]
    page = krs[meta.page * KRS_PER_PAGE : (meta.page + 1) * KRS_PER_PAGE]
    pages = max(1, -(-len(krs) // KRS_PER_PAGE))
    blocks: list[Block] = (
        [header(t("Page {page} of {pages}", page=meta.page + 1, pages=pages))] if pages > 1 else []
    )
    for kr in page:
        blocks += [*_kr_inputs(t, kr, reader), DividerBlock()]
    last = meta.page + 1 >= pages
    return modal(
        t,
        Callback.CHECK_IN,
        t("Weekly check-in"),
        blocks[:-1] if blocks else [SectionBlock(text=t("Nothing to check in."))],
        submit=t("Save") if last else t("Save and continue"),
        meta=meta,
    )


def first_value_block(view: Mapping[str, Any]) -> str:
    """The block id of the modal's first value input (where "nothing to record" is said)."""
    ids = (str(b.get("block_id", "")) for b in view.get("blocks", []))
    found = next((i for i in ids if i.endswith((".value", ".done"))), None)
    if found is None:  # not a check-in modal of ours
        raise OutOfDate()
    return found


def nothing_to_record(t: Translator, meta: CheckInModalMeta) -> str:
    if meta.nudge_id is not None:
        return t(
            "Nothing to record: give at least one new value. Nothing changed? Close this and "
            "choose “No change” in the message."
        )
    return t("Nothing to record: give at least one new value.")


def _new_value(
    t: Translator, view: Mapping[str, Any], ref: int, errors: dict[str, str]
) -> float | None:
    """The value given for KR `ref`, None for none (or an unreadable one, then in `errors`).
    A milestone's Done box is a value when ticked, or when unticked after being ticked (it is
    not done any more); a box left as it was drawn unticked is no check-in, like an empty
    value."""
    done = milestone_value(view, f"{ref}.done")
    if done is not None:
        return done if done or initially_checked(view, f"{ref}.done") else None
    raw = state_value(view, f"{ref}.value")
    if raw is None:
        return None
    value, problem = number_problem(t, raw)
    if value is None:
        errors[f"{ref}.value"] = problem or ""
    return value


def parse_check_in_submission(
    t: Translator, view: Mapping[str, Any], refs: Sequence[int]
) -> tuple[list[tuple[int, float, int | None, str]], dict[str, str]]:
    """(ref, value, confidence, note) for each KR given a value; inline errors by block id."""
    entries: list[tuple[int, float, int | None, str]] = []
    errors: dict[str, str] = {}
    for ref in refs:
        value = _new_value(t, view, ref, errors)
        if value is None:
            continue
        confidence = number_choice(view, f"{ref}.confidence", default=-1, top=CONFIDENCE_MAX)
        entries.append(
            (
                ref,
                value,
                None if confidence < 0 else confidence,
                state_value(view, f"{ref}.note") or "",
            )
        )
    return entries, errors


# --- /okr pause: the date picker -------------------------------------------------------------

PAUSE_UNTIL = "pause_until"


def build_pause_modal(t: Translator, initial: date) -> View:
    """Pick the last day without check-in DMs (`/okr pause` with no date)."""
    return modal(
        t,
        Callback.PAUSE,
        t("Pause check-ins"),
        [
            date_input(
                PAUSE_UNTIL,
                t("No check-in reminders until (included)"),
                initial=initial,
                hint=t("`/okr resume` brings them back earlier."),
            )
        ],
        submit=t("Pause"),
    )


def parse_pause_submission(view: Mapping[str, Any]) -> date | None:
    return date_value(view, PAUSE_UNTIL)
