"""The app's Home tab."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.i18n import Translator


def build_welcome_home(t: Translator) -> View:
    """The Home tab of someone with nothing in Polaris yet: what it is and the first steps."""
    steps = "\n".join(
        [
            t("1. In your team's channel, type `/okr team` to create the team."),
            t("2. Define what you aim for with `/okr northstar define`."),
            t("3. Declare an objective and its key results with `/okr new`."),
            t("4. Each week, answer the check-in message in one click."),
        ]
    )
    return View(
        type="home",
        blocks=[
            HeaderBlock(text=t("Welcome to Polaris")),
            SectionBlock(
                text=MarkdownTextObject(
                    text=t(
                        "Polaris runs your team's OKRs around a *North Star*: the one number "
                        "that captures the value you create for your users."
                    )
                )
            ),
            DividerBlock(),
            SectionBlock(text=MarkdownTextObject(text="*" + t("Get started") + "*\n" + steps)),
            ContextBlock(
                elements=[MarkdownTextObject(text=t("Type `/okr help` to see every command."))]
            ),
        ],
    )
