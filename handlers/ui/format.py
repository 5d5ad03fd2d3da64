"""Text pieces every Block Kit builder shares: Slack's limits, the one escaping of user text for
mrkdwn, clipping, amounts, deltas and period labels, in the user's language."""

from __future__ import annotations

from datetime import date

from bot.domain.cycles import quarter_span
from bot.domain.display import Delta, percent, progress_bar
from bot.domain.northstar import Direction, TimeWindow
from bot.i18n import Translator

# Slack's limits (Block Kit reference): past them Slack refuses the message, view or block.
MESSAGE_BLOCKS_MAX = 50
MODAL_BLOCKS_MAX = 100
HOME_BLOCKS_MAX = 100
SECTION_TEXT_MAX = 3000
CONTEXT_TEXT_MAX = 2000  # the text of one context element
HEADER_TEXT_MAX = 150
TITLE_TEXT_MAX = 24  # a modal's title
OPTION_TEXT_MAX = 75  # an option's text, description, or an option group's label
SELECT_OPTIONS_MAX = 100


def escape(text: str) -> str:
    """User text made safe for mrkdwn: Slack's control characters &, < and > escaped, so a
    person's words never become a mention, a link or markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int = SECTION_TEXT_MAX) -> str:
    """`text` cut to at most `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def amount(t: Translator, value: float | None, unit: str) -> str:
    """A reading with its unit: `1,234 sessions`, `12%` / `12 %` (a percentage as the reader's
    locale writes it), `—` for no value. The unit is user text, escaped."""
    if value is None:
        return "—"
    if unit == "%":
        return t.percent_value(value)
    return f"{t.number(value)} {escape(unit)}".strip()


def kr_amount(t: Translator, value: float | None, unit: str) -> str:
    """A key result's value as KR lines and check-ins show it: `42%` / `42 %`, `1,234 teams`,
    `—`."""
    if value is None:
        return "—"
    return t.percent_value(value) if unit == "%" else f"{t.number(value)} {unit}".strip()


def progress_percent(t: Translator, progress: float) -> str:
    """A progress (0–1, rounded as the bars are) as a percentage in the user's locale: `42 %`."""
    return t.percent(percent(progress) / 100)


def progress_line(t: Translator, progress: float) -> str:
    """`▰▰▱▱▱ 42%` (`42 %` in French): the bar and the percentage of a progress."""
    return f"{progress_bar(progress)} {progress_percent(t, progress)}"


def delta_text(t: Translator, change: Delta, direction: Direction, unit: str = "") -> str:
    """`🟢 +12 (+5 %)`: green when the change goes the metric's good way, red otherwise."""
    if change.absolute is None:
        return "—"
    if change.absolute == 0:
        return "➖ 0"
    better = (change.absolute > 0) == (direction is Direction.HIGHER_IS_BETTER)
    sign = "+" if change.absolute > 0 else "−"
    text = f"{'🟢' if better else '🔴'} {sign}{t.number(abs(change.absolute))}"
    if unit == "%":
        text += " pt"
    if change.relative is not None:
        relative = t.percent(abs(change.relative))
        text += f" ({sign}{relative})"
    return text


def period_label(t: Translator, start: date | None, window: TimeWindow | None) -> str:
    """`week of November 23, 2026`, `November 2026`, `Q4 2026` or a date, in the reader's
    language."""
    if start is None:
        return ""
    if window is TimeWindow.WEEK:
        return t("week of {date}", date=t.date(start))
    if window is TimeWindow.MONTH:
        return t.month(start)
    if window is TimeWindow.QUARTER:
        return _quarter(t, start, start.year)
    return t.date(start)


def cycle_label(t: Translator, key: str) -> str:
    """`Q4 2026` (en) or `T4 2026` (fr): a cycle as people say it, not its key `2026-Q4`."""
    try:
        span = quarter_span(key)
    except ValueError:  # not a quarter: shown as it is
        return escape(key)
    return _quarter(t, span.starts_on, span.starts_on.year)


def _quarter(t: Translator, start: date, year: int) -> str:
    return t("Q{quarter} {year}", quarter=(start.month - 1) // 3 + 1, year=year)


def short_period_label(t: Translator, start: date, window: TimeWindow | None) -> str:
    """A chart axis label: `Nov 23`, `Nov 2026`, `Q4 26` (`23 nov.`, `nov. 2026` in French)."""
    if window is TimeWindow.MONTH:
        return t.short_month(start)
    if window is TimeWindow.QUARTER:
        return _quarter(t, start, start.year % 100)
    return t.short_day(start)
