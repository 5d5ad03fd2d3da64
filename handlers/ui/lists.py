"""`/okr list`: a page of objectives with progress bars, status and last check-in age."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ValidationError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.errors import N_, UserError
from bot.i18n import Translator
from bot.services.commands import ListScope
from bot.services.read_models import ObjectivePage, ObjectiveView
from handlers.ids import ListAction
from handlers.ui.blocks import actions, button, context, section
from handlers.ui.format import MESSAGE_BLOCKS_MAX, SECTION_TEXT_MAX, clip, cycle_label, escape
from handlers.ui.okr import kr_line, last_check_in_text, objective_heading, objective_menu


class ListPage(BaseModel):
    """What a paging button carries: the scope of the list and the page to show."""

    page: int
    user: str | None = None
    channel: str | None = None
    team: str | None = None

    @classmethod
    def of(cls, scope: ListScope, page: int) -> ListPage:
        return cls(page=page, user=scope.user_id, channel=scope.channel_id, team=scope.team_name)

    @property
    def scope(self) -> ListScope:
        return ListScope(user_id=self.user, channel_id=self.channel, team_name=self.team)

    def value(self) -> str:
        return self.model_dump_json(exclude_none=True)


def parse_list_page(value: str) -> ListPage:
    """A paging button's value back into scope and page. Raises UserError on a value this
    version of Polaris did not write (a message from long ago)."""
    try:
        return ListPage.model_validate_json(value)
    except ValidationError:
        raise UserError(N_("This list is out of date: type `/okr list` again.")) from None


def list_scope_label(t: Translator, scope: ListScope, user_id: str) -> str:
    """Whose objectives these are, in mrkdwn (mentions render as names)."""
    if scope.channel_id is not None:
        return t("Objectives of the team in <#{channel}>", channel=scope.channel_id)
    if scope.team_name is not None:
        return t("Objectives of the team “{name}”", name=escape(scope.team_name))
    if scope.user_id in (None, user_id):
        return t("Your objectives")
    return t("Objectives of <@{user}>", user=scope.user_id)


def objective_list_text(t: Translator, page: ObjectivePage, scope_label: str) -> str:
    """Notification fallback for the list message."""
    if page.total == 0:
        return t("{scope}: no objectives in this cycle yet.", scope=scope_label)
    return f"{scope_label}: " + t.plural("{n} objective", "{n} objectives", page.total)


def objective_list_entry(t: Translator, objective: ObjectiveView, now: datetime) -> SectionBlock:
    """One objective: heading, its key results, and when it was last checked in."""
    last = last_check_in_text(t, objective.last_check_in_at, now)
    lines = [objective_heading(t, objective), *(kr_line(t, kr) for kr in objective.key_results)]
    text = "\n".join(lines)
    footer = f"\n_{last}_"
    return SectionBlock(
        block_id=f"list-objective-{objective.ref}",
        text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX - len(footer)) + footer),
        accessory=objective_menu(t, objective),
    )


def build_objective_list(
    t: Translator,
    page: ObjectivePage,
    scope_label: str,
    now: datetime,
    *,
    scope: ListScope | None = None,
) -> list[Block]:
    """The list message: at most 50 blocks whatever the page holds.

    With `scope`, Previous/Next buttons carry it (and the page to show) in their value;
    without, the list has no paging buttons.
    """
    if page.total == 0 or not page.items:
        return [
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{scope_label}*\n" + t("No objectives in this cycle yet.")
                )
            ),
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=t(
                            "Declare an objective and its key results with `/okr new`: "
                            "it takes a minute, and the whole team sees where you are going."
                        )
                    )
                ]
            ),
        ]
    summary = [
        t.plural("{n} objective", "{n} objectives", page.total),
        cycle_label(t, page.items[0].cycle_key),
    ]
    if page.pages > 1:
        summary.append(t("page {page} of {pages}", page=page.page, pages=page.pages))
    blocks: list[Block] = [
        section(clip(f"*{scope_label}*")),
        context(" · ".join(summary)),
    ]
    navigation = _navigation(t, page, scope)
    fixed = len(blocks) + (1 if navigation else 0)
    room = MESSAGE_BLOCKS_MAX - fixed
    shown = page.items if len(page.items) <= room else page.items[: room - 1]
    blocks += [objective_list_entry(t, objective, now) for objective in shown]
    if len(shown) < len(page.items):
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=t.plural(
                            "…and {n} more objective. Narrow the list with a team name, "
                            "a #channel or an @person.",
                            "…and {n} more objectives. Narrow the list with a team name, "
                            "a #channel or an @person.",
                            len(page.items) - len(shown),
                        )
                    )
                ]
            )
        )
    if navigation:
        blocks.append(navigation)
    return blocks


def _navigation(t: Translator, page: ObjectivePage, scope: ListScope | None) -> ActionsBlock | None:
    if scope is None or page.pages <= 1:
        return None
    buttons: list[ButtonElement] = []
    if page.page > 1:
        previous = ListPage.of(scope, page.page - 1).value()
        buttons.append(button(ListAction.PREVIOUS, t("Previous"), previous))
    if page.page < page.pages:
        following = ListPage.of(scope, page.page + 1).value()
        buttons.append(button(ListAction.NEXT, t("Next"), following))
    return actions(*buttons, block_id="list-pages") if buttons else None
