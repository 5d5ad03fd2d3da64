"""The app's Home tab: my key results by objective, my team's objectives, or first steps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.i18n import Translator
from bot.services.read_models import HomeModel, KeyResultView, ObjectiveView
from handlers.ids import CheckInAction, ObjectiveAction
from handlers.ui.blocks import context, header, section
from handlers.ui.format import HOME_BLOCKS_MAX, SECTION_TEXT_MAX, clip, cycle_label
from handlers.ui.okr import kr_line, last_check_in_text, objective_heading, objective_menu


def welcome_blocks(t: Translator) -> list[Block]:
    """What Polaris is and the first steps, for someone with nothing in it yet."""
    steps = "\n".join(
        [
            t("1. In your team's channel, type `/okr team` to create the team."),
            t("2. Define what you aim for with `/okr northstar define`."),
            t("3. Declare an objective and its key results with `/okr new`."),
            t("4. Each week, answer the check-in message in one click."),
        ]
    )
    return [
        header(t("Welcome to Polaris")),
        SectionBlock(
            text=MarkdownTextObject(
                text=t(
                    "Polaris runs your team's OKRs around a *North Star*: the one number "
                    "that captures the value you create for your users."
                )
            )
        ),
        DividerBlock(),
        section("*" + t("Get started") + "*\n" + steps),
        context(t("Type `/okr help` to see every command.")),
    ]


def build_home(
    t: Translator,
    model: HomeModel,
    now: datetime,
    extra_sections: Sequence[Block] = (),
    *,
    user_id: str | None = None,
) -> View:
    """The Home tab of `user_id`, at most 100 blocks.

    `extra_sections` (e.g. the team's North Star summary) come right after the title and are
    always kept; my objectives with my key results (all of them on objectives `user_id` owns;
    every one when `user_id` is None), then my team's other objectives, fill the rest, and a
    last line says how many objectives did not fit.
    """
    extras = list(extra_sections)
    if not (model.my_objectives or model.team_objectives or model.teams):
        welcome = welcome_blocks(t)
        return View(type="home", blocks=[welcome[0], *extras, *welcome[1:]])
    mine_ids = {o.id for o in model.my_objectives}
    others = [o for o in model.team_objectives if o.id not in mine_ids]
    blocks: list[Block] = [header(t("Your OKRs")), *_due(t, model), _intro(t, model), *extras]
    if not model.my_objectives and not others:
        blocks.append(_nothing_in_team(t))
        return View(type="home", blocks=blocks)
    if not model.my_objectives:
        blocks.append(_nothing_of_mine(t))
    # One group per objective, so the budget never cuts an objective from its key results.
    groups = [_my_objective(t, objective, user_id, now) for objective in model.my_objectives]
    team_header: list[Block] = [DividerBlock(), header(t("Your team's objectives"))]
    groups += [
        [*(team_header if index == 0 else []), _team_objective(t, objective)]
        for index, objective in enumerate(others)
    ]
    return View(type="home", blocks=_within_budget(t, blocks, groups))


def _due(t: Translator, model: HomeModel) -> list[Block]:
    """ "N key results due — [Check in] [No change for all]", when some are."""
    if not model.due_key_results:
        return []
    return [
        section(
            "🗓 "
            + t.plural(
                "*{n} key result due* this week.",
                "*{n} key results due* this week.",
                model.due_key_results,
            )
        ),
        ActionsBlock(
            block_id="home_due",
            elements=[
                ButtonElement(
                    action_id=CheckInAction.OPEN.value, text=t("Check in"), style="primary"
                ),
                ButtonElement(
                    action_id=CheckInAction.NO_CHANGE_ALL.value, text=t("No change for all")
                ),
            ],
        ),
    ]


def _intro(t: Translator, model: HomeModel) -> ContextBlock:
    cycles = [o.cycle_key for o in (*model.my_objectives, *model.team_objectives)]
    hint = t("Update a key result with its button, or type `/okr update`.")
    text = t("Cycle {cycle}", cycle=cycle_label(t, cycles[0])) + " · " + hint if cycles else hint
    return context(text)


def _two_lines(first: str, second: str) -> SectionBlock:
    return section(first + "\n" + second)


def _nothing_in_team(t: Translator) -> SectionBlock:
    return _two_lines(
        t("Your team has no objectives in this cycle yet."),
        t("Declare your first objective and its key results with `/okr new`."),
    )


def _nothing_of_mine(t: Translator) -> SectionBlock:
    return _two_lines(
        t("You own no key result in this cycle yet."),
        t("Declare an objective with `/okr new`, or ask your team lead for a key result."),
    )


def _my_key_results(objective: ObjectiveView, user_id: str | None) -> list[KeyResultView]:
    """All the KRs of an objective I own; only my own KRs of someone else's objective."""
    if user_id is None or objective.owner_user_id == user_id:
        return list(objective.key_results)
    return [kr for kr in objective.key_results if kr.owner_user_id == user_id]


def _my_objective(
    t: Translator, objective: ObjectiveView, user_id: str | None, now: datetime
) -> list[Block]:
    blocks: list[Block] = [
        DividerBlock(),
        SectionBlock(
            block_id=f"home-objective-{objective.ref}",
            text=MarkdownTextObject(text=clip(objective_heading(t, objective))),
            accessory=objective_menu(t, objective),
        ),
    ]
    blocks += [_key_result(t, kr, now, user_id) for kr in _my_key_results(objective, user_id)]
    return blocks


def _key_result(
    t: Translator, kr: KeyResultView, now: datetime, reader: str | None
) -> SectionBlock:
    details = [last_check_in_text(t, kr.last_check_in_at, now)]
    if kr.confidence is not None:
        details.append(t("confidence {confidence}/10", confidence=kr.confidence))
    footer = "\n_" + " · ".join(details) + "_"
    return SectionBlock(
        block_id=f"home-kr-{kr.ref}",
        text=MarkdownTextObject(
            text=clip(kr_line(t, kr, reader=reader), SECTION_TEXT_MAX - len(footer)) + footer
        ),
        accessory=ButtonElement(
            action_id=ObjectiveAction.UPDATE_KEY_RESULT.value,
            text=t("Update"),
            value=str(kr.ref),
        ),
    )


def _team_objective(t: Translator, objective: ObjectiveView) -> SectionBlock:
    return SectionBlock(
        block_id=f"home-team-objective-{objective.ref}",
        text=MarkdownTextObject(text=clip(objective_heading(t, objective))),
    )


def _within_budget(t: Translator, blocks: list[Block], groups: list[list[Block]]) -> list[Block]:
    """`blocks` then every group (one per objective) if all fit in 100 blocks; else whole
    groups in order and a last line counting the objectives left out."""
    if len(blocks) + sum(len(g) for g in groups) <= HOME_BLOCKS_MAX:
        return blocks + [block for group in groups for block in group]
    kept = list(blocks)
    for index, group in enumerate(groups):
        if len(kept) + len(group) > HOME_BLOCKS_MAX - 1:  # keep room for the last line
            more = t.plural(
                "…and {n} more objective — see them with `/okr list`.",
                "…and {n} more objectives — see them with `/okr list`.",
                len(groups) - index,
            )
            kept.append(context(more))
            break
        kept += group
    return kept
