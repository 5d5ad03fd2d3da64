"""Block Kit shorthands every builder shares: a mrkdwn section or context line, a header, a
button and a row of them, and a modal view. They never clip: callers clip to format.py's limits
where text can grow."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InteractiveElement,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.i18n import Translator


def section(text: str) -> SectionBlock:
    """A section of mrkdwn text (at most 3000 characters)."""
    return SectionBlock(text=MarkdownTextObject(text=text))


def context(text: str) -> ContextBlock:
    """A context line of mrkdwn text (at most 2000 characters)."""
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def header(text: str) -> HeaderBlock:
    """A header of plain text (at most 150 characters)."""
    return HeaderBlock(text=text)


def button(action_id: str, text: str, value: str, *, primary: bool = False) -> ButtonElement:
    return ButtonElement(
        action_id=str(action_id), text=text, value=value, style="primary" if primary else None
    )


def actions(*elements: InteractiveElement, block_id: str | None = None) -> ActionsBlock:
    """A row of buttons (or other interactive elements), at most 25."""
    return ActionsBlock(block_id=block_id, elements=list(elements))


def modal(
    t: Translator,
    callback_id: str,
    title: str,
    blocks: Sequence[Block],
    *,
    submit: str | None = None,
    close: str | None = None,
    meta: BaseModel | None = None,
) -> View:
    """A modal view, closed by "Cancel" unless told otherwise; `meta` travels as its
    private_metadata (JSON)."""
    return View(
        type="modal",
        callback_id=str(callback_id),
        title=title,
        submit=submit,
        close=close or t("Cancel"),
        private_metadata=meta.model_dump_json() if meta is not None else None,
        blocks=list(blocks),
    )
