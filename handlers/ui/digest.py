"""The weekly digest's Block Kit: the post in the team channel, the thread it folds its long
lists into, the short message of a quiet week, the private preview and the "posted late" note.

Slack refuses a message of more than 50 blocks and a section of more than 3000 characters. The
main post therefore shows the first lines of each long list (objectives, what is at risk, who
is still to check in) and says how many more wait in the thread, where the full lists go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    SectionBlock,
)

from bot.i18n import Translator
from bot.services.read_models import DigestModel, DigestPreview
from handlers.ids import CheckInAction
from handlers.ui.blocks import context, header, section
from handlers.ui.digest_lines import (
    NOTE_CHARS,
    completion_text,
    drop_line,
    guardrail_line,
    kick_off_lines,
    late_note,
    mover_line,
    objective_line,
    quiet_week_lines,
    risk_line,
    waiting_line,
    week_span_text,
    win_line,
)
from handlers.ui.format import (
    CONTEXT_TEXT_MAX,
    HEADER_TEXT_MAX,
    SECTION_TEXT_MAX,
    amount,
    clip,
    escape,
)
from handlers.ui.northstar_texts import (
    change_lines,
    metric_trend_text,
    no_reading_text,
    reading_text,
    target_line,
)
from handlers.ui.okr import kr_line, objective_text

#: Slack's limit is 50 blocks; the main post keeps room for the preview's banner.
MAIN_BLOCKS_MAX = 45
THREAD_BLOCKS_MAX = 45
#: Past this many characters in one message, long lists go to another thread message
#: (Slack truncates very long messages behind "Show more" and refuses `msg_too_long`).
MESSAGE_CHARS_MAX = 12_000
#: Lines of each long list shown in the main post; the rest fold into the thread.
MAIN_OBJECTIVES = 10
MAIN_LIST_LINES = 8


@dataclass(frozen=True)
class DigestMessage:
    """One Slack message: its notification text and its blocks."""

    text: str
    blocks: list[Block]


@dataclass(frozen=True)
class DigestPost:
    """The main post and the thread replies posted under it (often none)."""

    main: DigestMessage
    thread: tuple[DigestMessage, ...]


# --- Pieces ---------------------------------------------------------------------------------


def _sections(lines: Sequence[str], title: str | None = None) -> list[Block]:
    """Lines packed into as few sections as fit 3000 characters each (a title heads the
    first one); an overlong line is clipped."""
    blocks: list[Block] = []
    chunk = f"*{title}*" if title else ""
    for line in lines:
        line = clip(line, SECTION_TEXT_MAX - 10)
        candidate = f"{chunk}\n{line}" if chunk else line
        if len(candidate) > SECTION_TEXT_MAX:
            blocks.append(section(chunk))
            candidate = line
        chunk = candidate
    if chunk:
        blocks.append(section(chunk))
    return blocks


def _context(text: str) -> ContextBlock:
    return context(clip(text, CONTEXT_TEXT_MAX))


def _more(t: Translator, hidden: int) -> str:
    more = t.plural("…and {n} more in the thread 🧵", "…and {n} more in the thread 🧵", hidden)
    return f"_{more}_"


def _indented(text: str) -> str:
    return "    " + text.replace("\n", "\n    ")


def _north_star_blocks(t: Translator, digest: DigestModel) -> list[Block]:
    """The North Star's reading, changes and target, then its inputs' trend lines."""
    summary = digest.north_star
    if summary is None:
        return []
    name = f"⭐ *{escape(summary.north_star.name)}*"
    if summary.metric.trend.current is None:
        lines = [name, no_reading_text(t)]
    else:
        lines = [f"{name}: " + reading_text(t, summary), *change_lines(t, summary)]
        if summary.progress is not None and (target := target_line(t, summary)) is not None:
            lines.append(target)
    blocks = _sections(lines)
    if summary.inputs:
        inputs = ["• " + metric_trend_text(t, metric) for metric in summary.inputs]
        blocks += _sections(inputs, t("Input metrics"))
    return blocks


# --- The main post and its thread -----------------------------------------------------------


def _folded(
    t: Translator, title: str, lines: Sequence[str], keep: int
) -> tuple[list[Block], list[str]]:
    """A list's blocks for the main post (its first `keep` lines) and the lines left for the
    thread (all of them when some were cut, so the thread has the whole list)."""
    if not lines:
        return [], []
    if len(lines) <= keep:
        return _sections(lines, title), []
    return _sections([*lines[:keep], _more(t, len(lines) - keep)], title), list(lines)


#: A list folded into the thread: its title and all its lines.
Folded = tuple[str, list[str]]


def _highlights(t: Translator, digest: DigestModel, thread: list[Folded]) -> list[Block]:
    """What moved, confidence drops, what is at risk, wins and check-ins; the long lists'
    full versions are added to `thread`."""
    week = digest.week
    blocks: list[Block] = []
    if week.movers:
        movers = [mover_line(t, digest, w) for w in week.movers]
        blocks += _sections(movers, "📈 " + t("Moved most"))
    if week.confidence_drops:
        title = "📉 " + t("Confidence drops")
        drops = [drop_line(t, digest, w, note_chars=NOTE_CHARS) for w in week.confidence_drops]
        shown, rest = _folded(t, title, drops, MAIN_LIST_LINES)
        blocks += shown
        if rest:
            full = [drop_line(t, digest, w, note_chars=1000) for w in week.confidence_drops]
            thread.append((title, full))
    if week.at_risk:
        title = "⚠️ " + t("At risk or off track")
        risks = [risk_line(t, digest, w) for w in week.at_risk]
        shown, rest = _folded(t, title, risks, MAIN_LIST_LINES)
        blocks += shown
        if rest:
            thread.append((title, rest))
    if week.guardrails:
        lines = [guardrail_line(t, digest, w) for w in week.guardrails]
        blocks += _sections(lines, "🛡️ " + t("Guardrails"))
    if week.wins:
        blocks += _sections([win_line(t, digest, w) for w in week.wins], "🏆 " + t("Wins"))
    if week.owners_total:
        blocks += _check_ins(t, digest, thread)
    return blocks


def _check_ins(t: Translator, digest: DigestModel, thread: list[Folded]) -> list[Block]:
    """How many owners checked in, and who is still to (the whole list goes to `thread`)."""
    title = "✅ " + t("Check-ins")
    waiting = [waiting_line(t, digest, w) for w in digest.week.waiting]
    lines = [completion_text(t, digest)]
    if waiting:
        lines.append(t("Still waiting for news:"))
    shown, rest = _folded(t, title, [*lines, *waiting], len(lines) + MAIN_LIST_LINES)
    if rest:
        thread.append((t("Still waiting for news"), waiting))
    return shown


def _objectives(t: Translator, digest: DigestModel, thread: list[Folded]) -> list[Block]:
    """The first objectives; when some are cut, the thread starts with all of them and
    their key results."""
    if not digest.objectives:
        return []
    title = "🎯 " + t("Objectives")
    lines = [objective_line(t, o) for o in digest.objectives]
    shown, rest = _folded(t, title, lines, MAIN_OBJECTIVES)
    if rest:
        full: list[str] = []
        for objective in digest.objectives:
            full.append(objective_line(t, objective))
            full += [_indented(kr_line(t, kr)) for kr in objective.key_results]
        thread.insert(0, (title, full))
    return shown


def _unlinked(t: Translator, digest: DigestModel, thread: list[Folded]) -> list[Block]:
    """The open objectives linked to nothing, in one context line (the rest in the thread)."""
    if not digest.unlinked:
        return []
    labels = [objective_text(o) for o in digest.unlinked]
    shown_labels = labels[:MAIN_LIST_LINES]
    if len(labels) > MAIN_LIST_LINES:
        shown_labels.append(_more(t, len(labels) - MAIN_LIST_LINES))
        thread.append(("🔗 " + t("Linked to nothing"), labels))
    text = t(
        "Linked to nothing: {objectives}. Use `/okr northstar link`.",
        objectives=", ".join(shown_labels),
    )
    return [_context("🔗 " + text)]


def build_digest_post(
    t: Translator, digest: DigestModel, *, late_since: datetime | None = None
) -> DigestPost:
    """The digest in the team's language: its main post (at most MAIN_BLOCKS_MAX blocks) and
    the thread replies holding the lists that did not fit. A team's first digest is its
    kick-off; a week with nothing recorded gets the short, kind quiet-week note, still with
    where the North Star and the objectives stand. `late_since` (when the digest was due) adds
    the "posted late" note."""
    thread: list[Folded] = []
    if digest.first:
        heading = "🚀 " + t("{team} · kick-off", team=digest.team.name)
        top: list[Block] = [header(clip(heading, HEADER_TEXT_MAX))]
        top += _sections(kick_off_lines(t, digest))
    elif digest.empty:
        top = _sections(quiet_week_lines(t, digest))
    else:
        heading = "📬 " + t("{team} · weekly digest", team=digest.team.name)
        top = [header(clip(heading, HEADER_TEXT_MAX)), _context(week_span_text(t, digest))]
    if late_since is not None:
        top.append(_context(late_note(t, late_since, digest.team.timezone)))
    blocks = [*top, *_north_star_blocks(t, digest)]
    if not digest.empty:
        blocks.append(DividerBlock())
        if highlights := _highlights(t, digest, thread):
            blocks += [*highlights, DividerBlock()]
    blocks += _objectives(t, digest, thread)
    blocks += _unlinked(t, digest, thread)
    blocks.append(
        _context(
            t("Details with `/okr list`; check in with `/okr update`; preview with `/okr digest`.")
        )
    )
    # The buttons (Check in, Open Home) close every main post, quiet weeks and kick-offs too.
    blocks = [*_fit(blocks, MAIN_BLOCKS_MAX - 1, t), digest_actions(t)]
    # The notification text is mrkdwn: names escaped (the headers above are plain text).
    if digest.first:
        text = t("{team} · kick-off", team=escape(digest.team.name))
    elif digest.empty:
        text = t("{team}: a quiet week", team=escape(digest.team.name))
    else:
        text = digest_fallback_text(t, digest)
    return DigestPost(DigestMessage(text, blocks), _thread_messages(t, digest, thread))


def digest_actions(t: Translator) -> ActionsBlock:
    """The digest's buttons: check in now (my KRs due), and the way to the Home tab."""
    return ActionsBlock(
        block_id="digest_actions",
        elements=[
            ButtonElement(action_id=CheckInAction.OPEN.value, text=t("Check in"), style="primary"),
            ButtonElement(action_id=CheckInAction.OPEN_HOME.value, text=t("Open Home")),
        ],
    )


def _fit(blocks: list[Block], limit: int, t: Translator) -> list[Block]:
    """Never more than `limit` blocks: the last ones give way to a pointer to the thread."""
    if len(blocks) <= limit:
        return blocks
    return [*blocks[: limit - 1], _context(t("More in the thread 🧵"))]


def _thread_messages(
    t: Translator, digest: DigestModel, lists: Sequence[tuple[str, Sequence[str]]]
) -> tuple[DigestMessage, ...]:
    """The folded lists, packed into as few thread replies as Slack's limits allow."""
    messages: list[DigestMessage] = []
    blocks: list[Block] = []
    chars = 0
    text = t("{team} · weekly digest (continued)", team=escape(digest.team.name))
    for title, lines in lists:
        for block in _sections(lines, title):
            size = len(block.text.text) if isinstance(block, SectionBlock) and block.text else 0
            if blocks and (len(blocks) >= THREAD_BLOCKS_MAX or chars + size > MESSAGE_CHARS_MAX):
                messages.append(DigestMessage(text, blocks))
                blocks, chars = [], 0
            blocks.append(block)
            chars += size
    if blocks:
        messages.append(DigestMessage(text, blocks))
    return tuple(messages)


def digest_fallback_text(t: Translator, digest: DigestModel) -> str:
    """The notification text: the team and, when known, the North Star's value."""
    summary = digest.north_star
    if summary is not None and summary.metric.trend.current is not None:
        return t(
            "{team} · weekly digest: {name} {value}",
            team=escape(digest.team.name),
            name=escape(summary.north_star.name),
            value=amount(t, summary.metric.trend.current, summary.north_star.unit),
        )
    return t("{team} · weekly digest", team=escape(digest.team.name))


def build_digest_preview(
    t: Translator, preview: DigestPreview, *, t_team: Translator | None = None
) -> DigestMessage:
    """`/okr digest`: the main post as it would be posted (in the team's language, `t_team`),
    marked as a private preview, with when the next one is due and how many thread replies it
    would carry (in the reader's, `t`)."""
    digest = preview.digest
    post = build_digest_post(t_team or t, digest)
    zone = digest.team.timezone
    banner = "👀 " + t(
        "*Preview*, only you can see it. The next digest is due {when} in <#{channel}>. "
        "Team leads can post it now with `/okr digest post`.",
        when=t.when(preview.next_at, zone),
        channel=digest.team.channel_id,
    )
    blocks: list[Block] = [_context(banner), *post.main.blocks]
    if post.thread:
        blocks.append(
            _context(
                t.plural(
                    "Its thread will hold {n} more message with the full lists.",
                    "Its thread will hold {n} more messages with the full lists.",
                    len(post.thread),
                )
            )
        )
    return DigestMessage(t("Preview: {text}", text=post.main.text), blocks)


def manual_posted_text(t: Translator, channel_id: str) -> str:
    return t("Posted this week's digest in <#{channel}>.", channel=channel_id)


def manual_already_text(t: Translator, channel_id: str) -> str:
    return t("This week's digest was already posted in <#{channel}>.", channel=channel_id)


def manual_failed_text(t: Translator, code: str) -> str:
    return t("Slack did not take the digest ({error}). Please try again in a minute.", error=code)


def unreachable_text(t: Translator, *, team: str, channel_id: str, error: str) -> str:
    """The DM to a team lead whose channel Polaris cannot post in."""
    if error == "is_archived":
        return t(
            "I could not post the weekly digest of *{team}*: <#{channel}> is archived. Pick "
            "another home channel with `/okr team`.",
            team=escape(team),
            channel=channel_id,
        )
    return t(
        "I could not post the weekly digest of *{team}* in <#{channel}>. If it is a private "
        "channel, invite me there: type `/invite @Polaris` in the channel. If the channel was "
        "deleted, pick another home channel with `/okr team`.",
        team=escape(team),
        channel=channel_id,
    )
