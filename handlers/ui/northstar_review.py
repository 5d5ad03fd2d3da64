"""The checklist on a North Star's definition: after saving it (the define modal's last
screen) and on `/okr northstar review`, with the definitions so far."""

from __future__ import annotations

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.domain.nsm_checklist import FINDING_MESSAGES, QUESTION_LABELS, Review, Verdict
from bot.i18n import Translator
from bot.services.read_models import NorthStarReview, SavedNorthStar
from handlers.ids import NorthStarCallback
from handlers.ui.blocks import context, header, modal, section
from handlers.ui.format import CONTEXT_TEXT_MAX, HEADER_TEXT_MAX, clip, escape

VERDICT_ICONS = {Verdict.PASS: "✅", Verdict.WARN: "⚠️", Verdict.JUDGE: "🤔"}


def checklist_text(t: Translator, review: Review) -> str:
    """Amplitude's seven questions with ✅ pass, ⚠️ warn (and why) or 🤔 for the team to judge."""
    lines: list[str] = []
    for result in review.questions:
        line = f"{VERDICT_ICONS[result.verdict]} {t(QUESTION_LABELS[result.question])}"
        if result.verdict is Verdict.JUDGE:
            line += " _" + t("(yours to judge)") + "_"
        lines.append(line)
        for finding in result.findings:
            values = {k: escape(str(v)) for k, v in finding.values.items()}
            lines.append("      • " + t(FINDING_MESSAGES[finding.finding], **values))
    return clip("\n".join(lines))


def checklist_summary(t: Translator, review: Review) -> str:
    if review.warnings == 0:
        return t("The checklist found nothing to warn about.")
    return t.plural(
        "The checklist warns about {n} point (saving is never blocked).",
        "The checklist warns about {n} points (saving is never blocked).",
        review.warnings,
    )


def build_checklist_blocks(t: Translator, review: Review) -> list[Block]:
    return [
        section("*" + checklist_summary(t, review) + "*"),
        section(checklist_text(t, review)),
    ]


def build_saved_modal(t: Translator, saved: SavedNorthStar) -> View:
    """The define modal's confirmation: what was saved and the checklist's verdict."""
    north_star = saved.north_star
    heading = (
        t("North Star defined: *{name}*", name=escape(north_star.name))
        if saved.created
        else t(
            "North Star revised: *{name}* (revision {number})",
            name=escape(north_star.name),
            number=north_star.revision,
        )
    )
    next_steps = t(
        "Record readings with `/okr northstar record 1234`; see it with `/okr northstar`."
    )
    return modal(
        t,
        NorthStarCallback.SAVED,
        t("Your North Star"),
        [
            section("✅ " + heading),
            *build_checklist_blocks(t, saved.review),
            context(next_steps),
        ],
        close=t("Done"),
    )


def build_review_message(t: Translator, reviewed: NorthStarReview) -> list[Block]:
    """`/okr northstar review`: the checklist and the last five definitions."""
    history = ", ".join(
        t(
            "{number}. “{name}” by <@{user}> on {date}",
            number=r.number,
            name=escape(r.name),
            user=r.created_by,
            date=t.date(r.created_at),
        )
        for r in reviewed.revisions[-5:]
    )
    title = t("Checklist: {name}", name=reviewed.north_star.name)
    so_far = t("Definitions so far: {history}", history=history or "—")
    return [
        header(clip(title, HEADER_TEXT_MAX)),
        *build_checklist_blocks(t, reviewed.review),
        context(clip(so_far, CONTEXT_TEXT_MAX)),
    ]


def review_fallback_text(t: Translator, reviewed: NorthStarReview) -> str:
    """The notification text of the checklist (mrkdwn: the name is escaped)."""
    return t("Checklist: {name}", name=escape(reviewed.north_star.name))
