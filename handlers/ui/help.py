"""The `/okr help` message: what you can do, in the user's language."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain.errors import N_
from bot.i18n import Translator
from handlers.ids import Callback, Subcommand
from handlers.ui.blocks import header, modal, section
from handlers.ui.format import clip, escape


@dataclass(frozen=True)
class HelpTopic:
    subcommand: Subcommand
    usage: str  # msgid: the grammar that works, in the reader's words (a test parses it all)
    description: str  # msgid


# Every command of PRODUCT.md, in the order a new team meets them. A usage is `/okr <word>`
# and, in brackets, what may follow it (`|` between the forms); `tests/handlers/test_help.py`
# reads every form back through the parsers, in English and in French.
HELP_TOPICS: tuple[HelpTopic, ...] = (
    HelpTopic(Subcommand.TEAM, N_("/okr team"), N_("Create or edit the team of this channel.")),
    HelpTopic(
        Subcommand.NORTHSTAR,
        N_("/okr northstar [define | record | review | link | chart | token]"),
        N_("See, define and measure your team's North Star."),
    ),
    HelpTopic(Subcommand.NEW, N_("/okr new"), N_("Declare an objective with its key results.")),
    HelpTopic(
        Subcommand.UPDATE,
        N_('/okr update [KR-12 1,500 8 "note" | KR-3 done]'),
        N_("Update one of your key results: value, confidence 0–10, note."),
    ),
    HelpTopic(
        Subcommand.CHECKIN,
        N_("/okr checkin"),
        N_("Check in all your key results due this week."),
    ),
    HelpTopic(
        Subcommand.LIST,
        N_('/okr list [mine | @person | #channel | team | "Team name"]'),
        N_("Objectives with progress and status."),
    ),
    HelpTopic(
        Subcommand.DIGEST, N_("/okr digest [post]"), N_("Preview or post this week's digest.")
    ),
    HelpTopic(
        Subcommand.PAUSE,
        N_("/okr pause [until December 24] · /okr resume"),
        N_("Pause or resume your weekly check-in reminders."),
    ),
    HelpTopic(Subcommand.HELP, N_("/okr help"), N_("This list.")),
)


def build_help_message(
    t: Translator,
    *,
    available: Collection[Subcommand],
    unknown: str | None = None,
    suggestion: str | None = None,
    today: date | None = None,
) -> list[Block]:
    """The help blocks. Commands not in `available` are listed as coming in a later version,
    so the list is always the whole product and never promises what does not answer yet.
    Examples with a date are computed from `today` (the reader's)."""
    blocks: list[Block] = []
    if unknown is not None:
        line = t("I don't know `/okr {word}`.", word=escape(clip(unknown, 40)))
        if suggestion:
            line += " " + t("Did you mean `/okr {suggestion}`?", suggestion=suggestion)
        blocks.append(section(line))
    blocks.append(header(t("Polaris: OKRs around your North Star")))
    ready = [topic for topic in HELP_TOPICS if topic.subcommand in available]
    later = [topic for topic in HELP_TOPICS if topic.subcommand not in available]
    blocks.append(section(_lines(t, ready, today)))
    if later:
        blocks.append(DividerBlock())
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=t("*Coming in a later version*") + "\n" + _lines(t, later)
                )
            )
        )
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=t("Open the *Polaris* app's Home tab to see your key results.")
                )
            ]
        )
    )
    return blocks


def help_fallback_text(t: Translator) -> str:
    return t("Polaris: OKRs around your North Star")


def pause_example(t: Translator, today: date) -> str:
    """`/okr pause until December 11`, two weeks from today, in the reader's words."""
    return t("/okr pause until {date}", date=t.day_month(today + timedelta(days=14)))


def _usage(t: Translator, topic: HelpTopic, today: date | None) -> str:
    if topic.subcommand is Subcommand.PAUSE and today is not None:
        return f"{pause_example(t, today)} · /okr pause · /okr resume"
    return t(topic.usage)


def _lines(t: Translator, topics: list[HelpTopic], today: date | None = None) -> str:
    return "\n".join(f"`{_usage(t, topic, today)}` — {t(topic.description)}" for topic in topics)


def build_out_of_date_modal(t: Translator) -> View:
    """In place of a submitted modal of an older Polaris: nothing saved, and what to do now."""
    text = t(
        "This form is out of date: Polaris has changed since it was opened, and nothing was "
        "saved. Close it and start again: `/okr help` shows how."
    )
    return modal(t, Callback.OUT_OF_DATE, "Polaris", [section(text)], close=t("Close"))
