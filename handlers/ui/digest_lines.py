"""The digest's lines: one sentence per highlight, the check-ins line, the kick-off and the
quiet week, in the team's language and formats (the post and its thread are assembled in
`handlers.ui.digest`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.digest import KrWeek
from bot.domain.progress import KrKind
from bot.i18n import Translator
from bot.services.read_models import DigestModel, ObjectiveView
from handlers.ui.format import (
    amount,
    clip,
    cycle_label,
    escape,
    kr_amount,
    progress_line,
    progress_percent,
)
from handlers.ui.okr import objective_text, status_text

NOTE_CHARS = 200


def _local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


def _title(digest: DigestModel, week: KrWeek) -> str:
    kr = digest.key_results.get(week.key)
    return escape(kr.title) if kr else ""


def week_span_text(t: Translator, digest: DigestModel) -> str:
    zone = digest.team.timezone
    return t(
        "{start} → {end} · cycle {cycle}",
        start=t.short_day(_local(digest.since, zone).date()),
        end=t.short_day(_local(digest.until, zone).date()),
        cycle=cycle_label(t, digest.cycle_key),
    )


def late_note(t: Translator, due_at: datetime, timezone: str) -> str:
    """The line a late digest carries: when it was due, on the team's clock."""
    return "⏰ " + t(
        "Posted late: this digest was due {when}, when Polaris was not running.",
        when=t.when(due_at, timezone),
    )


def _points(t: Translator, points: int) -> str:
    sign = "+" if points > 0 else "−" if points < 0 else ""
    return t("{change} pts", change=f"{sign}{t.number(abs(points), digits=0)}")


def mover_line(t: Translator, digest: DigestModel, week: KrWeek) -> str:
    return t(
        "• `{ref}` {title}: {before} → {now} ({change})",
        ref=week.key,
        title=_title(digest, week),
        before=progress_percent(t, week.progress_before),
        now=progress_percent(t, week.progress_now),
        change=_points(t, week.change_points),
    )


def guardrail_line(t: Translator, digest: DigestModel, week: KrWeek) -> str:
    """`🛡️ KR-4 Churn: held` or `🚨 … breached`: a guardrail holds or not, it does not move."""
    kr = digest.key_results.get(week.key)
    value = kr_amount(t, kr.current, kr.unit) if kr is not None else "—"
    if week.held:
        return t(
            "• 🛡️ `{ref}` {title}: held ({value})",
            ref=week.key,
            title=_title(digest, week),
            value=value,
        )
    return t(
        "• 🚨 `{ref}` {title}: breached ({value}) · <@{owner}>",
        ref=week.key,
        title=_title(digest, week),
        value=value,
        owner=week.owner_user_id,
    )


def drop_line(t: Translator, digest: DigestModel, week: KrWeek, *, note_chars: int) -> str:
    line = t(
        "• `{ref}` {title}: confidence {before} → {now} · <@{owner}>",
        ref=week.key,
        title=_title(digest, week),
        before=week.confidence_before,
        now=week.confidence_now,
        owner=week.owner_user_id,
    )
    if week.note.strip():
        note = clip(" ".join(week.note.split()), note_chars)
        line += "\n> " + t("“{note}”", note=escape(note))
    return line


def risk_line(t: Translator, digest: DigestModel, week: KrWeek) -> str:
    return t(
        "• {status} `{ref}` {title} · <@{owner}>",
        status=status_text(t, week.status_now),
        ref=week.key,
        title=_title(digest, week),
        owner=week.owner_user_id,
    )


def win_line(t: Translator, digest: DigestModel, week: KrWeek) -> str:
    kr = digest.key_results.get(week.key)
    if kr is None or kr.kind is KrKind.MILESTONE:
        what = t("done")
    else:
        what = t("target {target} reached", target=amount(t, kr.target, kr.unit))
    return t("• 🎉 `{ref}` {title}: {what}", ref=week.key, title=_title(digest, week), what=what)


def waiting_line(t: Translator, digest: DigestModel, week: KrWeek) -> str:
    return t(
        "• `{ref}` {title} · <@{owner}>",
        ref=week.key,
        title=_title(digest, week),
        owner=week.owner_user_id,
    )


def objective_line(t: Translator, objective: ObjectiveView) -> str:
    progress = objective.progress
    return (
        f"{progress_line(t, progress.progress)} · "
        f"{status_text(t, progress.status)} · {objective_text(objective)}"
    )


def completion_text(t: Translator, digest: DigestModel) -> str:
    """`*5/7* key results checked in · *1/2* owners complete`, then, without naming anyone,
    how many chose to skip the week or are away."""
    week = digest.week
    text = t(
        "*{krs_done}/{krs_total}* key results checked in · *{done}/{total}* owners complete",
        krs_done=t.number(week.krs_checked_in),
        krs_total=t.number(week.krs_total),
        done=t.number(week.owners_done),
        total=t.number(week.owners_total),
    )
    others = []
    if week.owners_skipped:
        others.append(
            t.plural(
                "{n} owner skipped this week", "{n} owners skipped this week", week.owners_skipped
            )
        )
    if week.owners_away:
        others.append(t.plural("{n} owner away", "{n} owners away", week.owners_away))
    return f"{text} ({', '.join(others)})" if others else text


def kick_off_lines(t: Translator, digest: DigestModel) -> list[str]:
    """A team's first digest: what was declared, and when the rhythm's next check-in and
    digest come (on the team's clock)."""
    zone = digest.team.timezone
    krs = sum(len(o.key_results) for o in digest.objectives)
    declared = t(
        "*{team}* starts its weekly rhythm with {objectives} and {key_results}.",
        team=escape(digest.team.name),
        objectives=t.plural("{n} objective", "{n} objectives", len(digest.objectives)),
        key_results=t.plural("{n} key result", "{n} key results", krs),
    )
    summary = digest.north_star
    if summary is not None:
        north_star = t("Its North Star is *{name}*.", name=escape(summary.north_star.name))
    else:
        north_star = t("No North Star yet: define it with `/okr northstar define`.")
    lines = [declared + " " + north_star]
    if digest.next_check_in_at is not None:
        lines.append(
            "🗓️ "
            + t(
                "Next check-in: {when}. Each key result owner gets a DM at that hour in their "
                "own time zone.",
                when=t.when(digest.next_check_in_at, zone),
            )
        )
    if digest.next_digest_at is not None:
        lines.append(
            "📬 " + t("Next digest: {when}, here.", when=t.when(digest.next_digest_at, zone))
        )
    return lines


def quiet_week_lines(t: Translator, digest: DigestModel) -> list[str]:
    """A quiet week's kind note: nothing was checked in or measured, and how many key results
    wait for news."""
    zone = digest.team.timezone
    lines = [
        "🌱 "
        + t(
            "*{team}* had a quiet week: no check-ins or readings since {date}.",
            team=escape(digest.team.name),
            date=t.weekday(_local(digest.since, zone).date()),
        ),
        t(
            "No worries, weeks like this happen. When you have a minute, `/okr update` "
            "takes a few seconds, and next week's digest will show your progress."
        ),
    ]
    if digest.week.krs_total:
        lines.append(
            t.plural(
                "{n} key result is waiting for news.",
                "{n} key results are waiting for news.",
                digest.week.krs_total - digest.week.krs_checked_in,
            )
        )
    return lines
