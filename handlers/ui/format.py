"""Text pieces every Block Kit builder shares: Slack's limits, the one escaping of user text for
mrkdwn, clipping, amounts, deltas and period labels, in the user's language."""

from __future__ import annotations

from datetime import date

from bot.domain.cycles import quarter_span
from bot.domain.display import Delta, percent, progress_bar
from bot.domain.errors import InvalidFields, Markup, UserError
from bot.domain.northstar import Direction, TimeWindow
from bot.domain.progress import KrKind
from bot.i18n import Translator
from bot.services.read_models import KeyResultView

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


def refusal_text(t: Translator, error: UserError) -> str:
    """A refusal as mrkdwn (an ephemeral, a DM, a modal's context line): the names it quotes
    (a team, a metric, a title the person typed) escaped, the links Polaris made kept."""
    fields = error.fields.values() if isinstance(error, InvalidFields) else []
    messages = list(fields) or [(error.message, error.values)]
    return "\n".join(
        t(message, **{k: _escaped(v) for k, v in values.items()}) for message, values in messages
    )


def _escaped(value: object) -> object:
    return value if isinstance(value, Markup) or not isinstance(value, str) else escape(value)


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


def _bare(t: Translator, value: float, unit: str) -> str:
    """A value that shares the unit written after a later one (`190` of `190 / 300 teams`); a
    percentage keeps its sign, since `45 / 60 %` would read as a division."""
    return t.percent_value(value) if unit == "%" else t.number(value)


def _guardrail_state(t: Translator, kr: KeyResultView) -> str:
    """`🛡️ holding` or `🚨 breached`, the digest's signs for a guardrail."""
    return "🛡️ " + t("holding") if kr.progress.progress >= 1 else "🚨 " + t("breached")


def kr_reading(t: Translator, kr: KeyResultView) -> str:
    """Where a key result stands, the one wording of every surface (post, list, Home, DM):

    * increase: `190 / 300 teams (from 120) · 38%`; decrease: `60 ms · target 20 ms (from
      100) · 50%`, since `60 / 20 ms` would read as a ratio;
    * no reading yet: `No check-in yet · target 300 teams (from 120)`, never `— → 300`;
    * guardrail: `≥ 99.5% · now 99.7% 🛡️ holding` (or `🚨 breached`): it holds or not, so
      no percentage;
    * milestone: `✅ Done` or `Not done yet`.

    The unit is user text, escaped."""
    unit = kr.unit
    if kr.kind is KrKind.MILESTONE:
        return "✅ " + t("Done") if kr.progress.progress >= 1 else t("Not done yet")
    if kr.kind in (KrKind.STAY_ABOVE, KrKind.STAY_BELOW):
        sign = "≥" if kr.kind is KrKind.STAY_ABOVE else "≤"
        bound = f"{sign} {amount(t, kr.target, unit)}"
        if kr.current is None:
            return f"{bound} · {t('no check-in yet')}"
        return t(
            "{bound} · now {current} {state}",
            bound=bound,
            current=amount(t, kr.current, unit),
            state=_guardrail_state(t, kr),
        )
    target, start = amount(t, kr.target, unit), _bare(t, kr.start, unit)
    if kr.current is None:
        return t("No check-in yet · target {target} (from {start})", target=target, start=start)
    if kr.kind is KrKind.DECREASE_TO:
        reading = t(
            "{current} · target {target} (from {start})",
            current=amount(t, kr.current, unit),
            target=target,
            start=start,
        )
    else:
        reading = t(
            "{current} / {target} (from {start})",
            current=_bare(t, kr.current, unit),
            target=target,
            start=start,
        )
    return f"{reading} · {progress_percent(t, kr.progress.progress)}"


def kr_change(t: Translator, kr: KeyResultView, previous: float | None) -> str:
    """What a check-in changed, as thread lines and confirmations say it: `120 → 190 teams
    (+70)`, `20% → 25% (+5 pts)`, `22 teams (first check-in)`, `✅ Done`; a guardrail adds
    whether it holds. The unit is user text, escaped."""
    if kr.kind is KrKind.MILESTONE or kr.current is None:
        return kr_reading(t, kr) if kr.kind is KrKind.MILESTONE else "—"
    after = amount(t, kr.current, kr.unit)
    if previous is None:
        change = t("{value} (first check-in)", value=after)
    else:
        difference = round(kr.current - previous, 2)
        if difference == 0:
            moved = t("no change")
        else:
            sign = "+" if difference > 0 else "−"
            moved = f"{sign}{t.number(abs(difference))}"
            if kr.unit == "%":  # a change of a percentage is in points, not percent
                moved = t("{change} pts", change=moved)
        change = t(
            "{before} → {after} ({change})",
            before=_bare(t, previous, kr.unit),
            after=after,
            change=moved,
        )
    if kr.kind in (KrKind.STAY_ABOVE, KrKind.STAY_BELOW):
        change += " " + _guardrail_state(t, kr)
    return change


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
