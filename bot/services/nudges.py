"""The weekly check-in nudge: who is due when, for which key results.

Each owner of open key results gets one DM per team and week, at the team's check-in day and
hour in the owner's own time zone, listing the KRs not checked in during the last five days.
Answers (see :mod:`bot.services.nudge_answers`): no change, updates, skip this week, snooze.
One reminder the next working day to owners who did not answer; after three ignored weeks in a
row on a KR, its objective's owner is told once. What each DM shows is
:mod:`bot.services.nudge_messages`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.presence import out_of_office
from bot.domain.schedule import latest_weekly, local_instant, next_working_day, week_key
from bot.services.objective_views import load_objective_views, objective_views_by_id, restricted
from bot.services.read_models import ObjectiveView
from storage import nudges as store
from storage.database import Database
from storage.models import Member, Nudge, NudgeAnswer, Team
from storage.okrs import ObjectiveFilter

NUDGE, REMINDER, SNOOZE, STALE = "nudge", "nudge_reminder", "nudge_snooze", "stale_kr"
# Owners who checked a KR in during these last days are not nudged for it.
RECENT_CHECK_IN = timedelta(days=5)
# A scheduled nudge found later than this (the bot was down) is not sent any more.
CATCH_UP = timedelta(days=1)
IGNORED_WEEKS = 3
STREAK_ENDS = timedelta(days=6)
HISTORY = timedelta(days=7 * (IGNORED_WEEKS + 1))


@dataclass(frozen=True)
class DueNudge:
    """Something the ticker should send: a nudge, a reminder, a snoozed nudge or a stale-KR
    note. `subject` and `period` make its ledger key."""

    kind: str
    workspace_id: str
    team_id: int
    user_id: str
    period: str
    key_result_ids: tuple[int, ...]
    nudge_id: int | None = None

    @property
    def subject(self) -> str:
        if self.kind == STALE:
            return f"kr:{self.key_result_ids[0]}"
        return f"{self.team_id}:{self.user_id}"


def needs_check_in(last_check_in_at: datetime | None, now: datetime) -> bool:
    """A KR is due for a check-in unless it was checked in during the last five days."""
    return last_check_in_at is None or last_check_in_at < now - RECENT_CHECK_IN


def _zone(member: Member | None, team: Team) -> str:
    return (member.timezone if member and member.timezone else None) or team.timezone


def _paused(member: Member | None, local_day: date) -> bool:
    return bool(member and member.nudges_paused_until and member.nudges_paused_until >= local_day)


def _caught_up(at: datetime, due_at: datetime) -> bool:
    """`due_at` has come, and not so long ago that the bot was down past catching up."""
    return timedelta(0) <= at - due_at < CATCH_UP


# --- The ticker's plan -------------------------------------------------------------------------


async def due_nudges(*, db: Database, at: datetime) -> list[DueNudge]:
    """Everything of the rhythm's DMs due as of `at`, from a handful of whole-workspace reads."""
    async with db.transaction() as session:
        teams = await store.all_teams(session)
        owned = await store.open_key_results(session)
        members = await store.members_of(session, {k.workspace_id for k in owned})
        recent = await store.nudges_since(session, at - HISTORY)
    by_owner: dict[tuple[str, int, str], list[store.OwnedKeyResult]] = defaultdict(list)
    for kr in owned:
        by_owner[(kr.workspace_id, kr.team_id, kr.owner_user_id)].append(kr)
    sent = {(n.workspace_id, n.team_id, n.user_id, n.period): n for n in recent}
    due: list[DueNudge] = []
    away: list[dict[str, object]] = []
    for (workspace_id, team_id, user_id), krs in by_owner.items():
        team, member = teams[team_id], members.get((workspace_id, user_id))
        occurrence = latest_weekly(
            at,
            timezone=_zone(member, team),
            weekday=team.checkin_weekday,
            at_time=team.checkin_time,
        )
        if not _caught_up(at, occurrence.at) or _paused(member, occurrence.local_date):
            continue
        listed = tuple(k.key_result_id for k in krs if needs_check_in(k.last_check_in_at, at))
        # A nudge whose DM went out is done; one claimed but never posted (a crash) stays due
        # so the ledger can hand it to the next tick. One recorded "away" is done too.
        posted = sent.get((workspace_id, team_id, user_id, occurrence.period))
        if not listed or (posted is not None and (posted.dm_ts or posted.answer)):
            continue
        if posted is None and _away(member, occurrence.at):
            away.append(_away_row(workspace_id, team_id, user_id, occurrence.period, listed, at))
            continue
        due.append(DueNudge(NUDGE, workspace_id, team_id, user_id, occurrence.period, listed))
    if away:
        # The week's nudge is recorded as not sent, with why: the digest does not list an
        # owner who is out of office as waiting, and the next ticks do not plan it again.
        async with db.transaction() as session:
            await store.open_nudges(session, away)
    due += _follow_ups(recent, teams, members, owned, at)
    return spread_by_owner(due)


def spread_by_owner(due: Sequence[DueNudge]) -> list[DueNudge]:
    """Everyone's first DM before anyone's second (an owner of KRs in two teams gets two):
    Slack takes about one post per second in a conversation, and a DM sent right behind
    another to the same person waits out that second, answered 429, holding one of the
    ticker's send slots. Otherwise the plan's order is kept."""
    seen: Counter[tuple[str, str]] = Counter()
    ranked = []
    for nudge in due:
        owner = (nudge.workspace_id, nudge.user_id)
        ranked.append((seen[owner], nudge))
        seen[owner] += 1
    return [nudge for _, nudge in sorted(ranked, key=lambda pair: pair[0])]


def _away(member: Member | None, nudge_at: datetime) -> bool:
    """The owner's Slack status says they are out of office at the nudge time, or they paused
    their Slack notifications past it."""
    return member is not None and out_of_office(
        emoji=member.status_emoji,
        text=member.status_text,
        expires_at=member.status_expires_at,
        at=nudge_at,
        dnd_until=member.dnd_until,
    )


def _away_row(
    workspace_id: str,
    team_id: int,
    user_id: str,
    period: str,
    listed: tuple[int, ...],
    at: datetime,
) -> dict[str, object]:
    return {
        "workspace_id": workspace_id,
        "team_id": team_id,
        "user_id": user_id,
        "period": period,
        "key_result_ids": list(listed),
        "check_in_ids": [],
        "sent_at": at,
        "answer": NudgeAnswer.AWAY.value,
        "answered_at": at,
    }


async def owners_to_learn(
    *,
    db: Database,
    at: datetime,
    ttl: timedelta,
    lookahead: timedelta,
    refresh_ahead: timedelta,
    limit: int,
) -> dict[str, list[str]]:
    """KR owners Slack should be asked about before their next nudge, by workspace, at most
    `limit` of them: those whose zone is unknown first (it may be far from the team's) when
    their nudge falls within `lookahead`, then those whose cached answer is older than `ttl`
    when their nudge falls within `refresh_ahead` (their status may have changed); soonest
    nudge first. The rest can wait: users.info is rate limited."""
    async with db.transaction() as session:
        teams = await store.all_teams(session)
        owned = await store.open_key_results(session)
        members = await store.members_of(session, {k.workspace_id for k in owned})
    soonest: dict[tuple[str, str], tuple[bool, datetime]] = {}
    for kr in owned:
        key = (kr.workspace_id, kr.owner_user_id)
        team, member = teams[kr.team_id], members.get(key)
        if member is not None and member.refreshed_at >= at - ttl:
            continue
        known = bool(member and member.timezone)
        occurrence = latest_weekly(
            at + (refresh_ahead if known else lookahead),
            timezone=_zone(member, team),
            weekday=team.checkin_weekday,
            at_time=team.checkin_time,
        )
        # A zone never learned matters even for a nudge found late (the bot was down); a
        # known owner's nudge that already came needs no fresher status.
        if occurrence.at < (at if known else at - CATCH_UP):
            continue
        rank = (known, occurrence.at)
        soonest[key] = min(soonest.get(key, rank), rank)
    chosen = sorted(soonest, key=lambda k: (*soonest[k], k))[:limit]
    by_workspace: dict[str, list[str]] = defaultdict(list)
    for workspace_id, user_id in chosen:
        by_workspace[workspace_id].append(user_id)
    return dict(by_workspace)


def _follow_ups(
    recent: list[Nudge],
    teams: dict[int, Team],
    members: dict[tuple[str, str], Member],
    owned: list[store.OwnedKeyResult],
    at: datetime,
) -> list[DueNudge]:
    """Reminders, snoozed nudges coming back, and stale-KR notes for sent nudges."""
    last_check_in = {k.key_result_id: k.last_check_in_at for k in owned}
    due: list[DueNudge] = []
    history: dict[int, list[Nudge]] = defaultdict(list)
    for nudge in sorted(recent, key=lambda n: n.sent_at):
        for kr_id in nudge.key_result_ids:
            history[kr_id].append(nudge)
        if nudge.dm_ts is None or nudge.id is None:
            continue
        team, member = teams[nudge.team_id], members.get((nudge.workspace_id, nudge.user_id))
        if _reminder_due(nudge, team, _zone(member, team), last_check_in, at):
            # Only the KRs still due: a partial check-in is not asked for again.
            still_due = [
                kr for kr in nudge.key_result_ids
                if (last_check_in.get(kr) or nudge.sent_at) <= nudge.sent_at
            ]  # fmt: skip
            due.append(_follow_up(REMINDER, nudge, nudge.period, still_due))
        snoozed = nudge.answer == NudgeAnswer.SNOOZED and nudge.snoozed_until is not None
        if snoozed and _caught_up(at, nudge.snoozed_until or at):
            period = f"{nudge.period}@{nudge.snoozed_until:%Y%m%d%H%M}"
            due.append(_follow_up(SNOOZE, nudge, period))
    return due + _stale_notes(history, owned, last_check_in, at)


def _follow_up(
    kind: str, nudge: Nudge, period: str, key_result_ids: list[int] | None = None
) -> DueNudge:
    return DueNudge(
        kind,
        nudge.workspace_id,
        nudge.team_id,
        nudge.user_id,
        period,
        tuple(nudge.key_result_ids if key_result_ids is None else key_result_ids),
        nudge.id,
    )


def _reminder_due(
    nudge: Nudge,
    team: Team,
    zone: str,
    last_check_in: dict[int, datetime | None],
    at: datetime,
) -> bool:
    """One reminder, the next working day at the check-in hour, if neither an answer nor
    check-ins of every listed KR came since the nudge."""
    if nudge.answer is not None or nudge.reminded_at is not None:
        return False
    sent_day = nudge.sent_at.astimezone(ZoneInfo(zone)).date()
    remind_at = local_instant(next_working_day(sent_day), team.checkin_time, zone)
    answered_by_check_ins = all(
        (last_check_in.get(kr) or nudge.sent_at) > nudge.sent_at for kr in nudge.key_result_ids
    )
    return _caught_up(at, remind_at) and not answered_by_check_ins


def _stale_notes(
    history: dict[int, list[Nudge]],
    owned: list[store.OwnedKeyResult],
    last_check_in: dict[int, datetime | None],
    at: datetime,
) -> list[DueNudge]:
    """A note to the objective's owner about each KR whose last three nudges were ignored."""
    objective_owner = {
        k.key_result_id: (k.objective_owner_user_id, k.workspace_id, k.team_id) for k in owned
    }
    due: list[DueNudge] = []
    for kr_id, nudges in history.items():
        if kr_id not in objective_owner or len(nudges) < IGNORED_WEEKS:
            continue
        latest = nudges[-IGNORED_WEEKS:]
        # The third nudge counts as ignored once its week is (nearly) over unanswered.
        waited = at - latest[-1].sent_at
        if (
            all(_ignored(n, kr_id, last_check_in.get(kr_id)) for n in latest)
            and STREAK_ENDS <= waited < STREAK_ENDS + CATCH_UP
        ):
            owner, workspace_id, team_id = objective_owner[kr_id]
            due.append(DueNudge(STALE, workspace_id, team_id, owner, latest[-1].period, (kr_id,)))
    return due


def _ignored(nudge: Nudge, kr_id: int, last_check_in: datetime | None) -> bool:
    """No answer to the nudge and no check-in of the KR since it was sent."""
    return nudge.answer is None and (last_check_in is None or last_check_in < nudge.sent_at)


# --- What is due for me ------------------------------------------------------------------------


async def due_key_results(
    *, db: Database, workspace_id: str, user_id: str, now: datetime
) -> list[ObjectiveView]:
    """`/okr checkin`: my open KRs not checked in during the last five days, by objective."""
    async with db.transaction() as session:
        views = await load_objective_views(
            session,
            ObjectiveFilter(workspace_id, involving_user=user_id, states=["open"]),
            now=now,
            kr_states=["open"],
        )
    due = [
        restricted(
            v,
            lambda kr: kr.owner_user_id == user_id and needs_check_in(kr.last_check_in_at, now),
        )
        for v in views
    ]
    return [v for v in due if v.key_results]


async def owns_key_results(*, db: Database, workspace_id: str, user_id: str) -> bool:
    """Whether the person owns any open key result (to tell "nothing due" from "nothing
    owned" when `/okr checkin` finds nothing to ask)."""
    async with db.transaction() as session:
        return await store.owns_open_key_result(session, workspace_id, user_id)


async def objectives_of_refs(
    *, db: Database, workspace_id: str, refs: Sequence[int], now: datetime
) -> list[ObjectiveView]:
    """The objectives of these KR refs, each restricted to those KRs (the modal's next page)."""
    wanted = set(refs)
    async with db.transaction() as session:
        ids = await store.key_result_ids_of_refs(session, workspace_id, wanted)
        objective_ids = await store.objective_ids_of(session, ids)
        views = await objective_views_by_id(session, workspace_id, objective_ids, now=now)
    restricted_views = [restricted(v, lambda kr: kr.ref in wanted) for v in views]
    return [v for v in restricted_views if v.key_results]


__all__ = ["CATCH_UP", "NUDGE", "REMINDER", "SNOOZE", "STALE", "week_key"]
