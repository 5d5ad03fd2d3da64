"""The weekly check-in nudge: who is due when, what their DM lists, and how they answer.

Each owner of open key results gets one DM per team and week, at the team's check-in day and
hour in the owner's own time zone, listing the KRs not checked in during the last five days.
Answers: no change (same value and confidence again), updates (the check-in modal), skip this
week, snooze. One reminder the next working day to owners who did not answer; after three
ignored weeks in a row on a KR, its objective's owner is told once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import N_, NotFound, PermissionDenied, UserError
from bot.domain.permissions import Actor
from bot.domain.schedule import latest_weekly, local_instant, next_working_day, week_key
from bot.services.check_ins import record_check_ins
from bot.services.commands import RecordCheckIn
from bot.services.objective_views import load_objective_views
from bot.services.read_models import KeyResultView, ObjectiveView, TeamView
from bot.services.teams import team_view
from storage import nudges as store
from storage import okrs
from storage.database import Database
from storage.models import Member, Nudge, NudgeAnswer, Team
from storage.okrs import ObjectiveFilter

NUDGE, REMINDER, SNOOZE, STALE = "nudge", "nudge_reminder", "nudge_snooze", "stale_kr"
# Owners who checked a KR in during these last days are not nudged for it.
RECENT_CHECK_IN = timedelta(days=5)
# A scheduled nudge found later than this (the bot was down) is not sent any more.
CATCH_UP = timedelta(days=1)
UNDO_WINDOW = timedelta(minutes=5)
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


@dataclass(frozen=True)
class NudgeView:
    """A nudge with the objectives (restricted to the listed KRs) it is about."""

    id: int
    workspace_id: str
    team: TeamView
    user_id: str
    period: str
    locale: str
    objectives: tuple[ObjectiveView, ...]
    answer: str | None
    answered_at: datetime | None
    snoozed_until: datetime | None
    dm_channel: str | None
    dm_ts: str | None
    undo_until: datetime | None

    @property
    def key_result_refs(self) -> list[int]:
        return [kr.ref for o in self.objectives for kr in o.key_results]


def _zone(member: Member | None, team: Team) -> str:
    return (member.timezone if member and member.timezone else None) or team.timezone


def _paused(member: Member | None, local_day: date) -> bool:
    return bool(member and member.nudges_paused_until and member.nudges_paused_until >= local_day)


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
    for (workspace_id, team_id, user_id), krs in by_owner.items():
        team, member = teams[team_id], members.get((workspace_id, user_id))
        zone = _zone(member, team)
        occurrence = latest_weekly(
            at, timezone=zone, weekday=team.checkin_weekday, at_time=team.checkin_time
        )
        if not timedelta(0) <= at - occurrence.at < CATCH_UP:
            continue
        if _paused(member, occurrence.local_date):
            continue
        stale_cut = at - RECENT_CHECK_IN
        listed = tuple(
            k.key_result_id
            for k in krs
            if k.last_check_in_at is None or k.last_check_in_at < stale_cut
        )
        # A nudge whose DM went out is done; one claimed but never posted (a crash) stays due
        # so the ledger can hand it to the next tick.
        posted = sent.get((workspace_id, team_id, user_id, occurrence.period))
        if listed and (posted is None or posted.dm_ts is None):
            due.append(DueNudge(NUDGE, workspace_id, team_id, user_id, occurrence.period, listed))
    due += _follow_ups(recent, teams, members, owned, at)
    return due


def _follow_ups(
    recent: list[Nudge],
    teams: dict[int, Team],
    members: dict[tuple[str, str], Member],
    owned: list[store.OwnedKeyResult],
    at: datetime,
) -> list[DueNudge]:
    """Reminders, snoozed nudges coming back, and stale-KR notes for sent nudges."""
    last_check_in = {k.key_result_id: k.last_check_in_at for k in owned}
    objective_owner = {
        k.key_result_id: (k.objective_owner_user_id, k.workspace_id, k.team_id) for k in owned
    }
    due: list[DueNudge] = []
    history: dict[int, list[Nudge]] = defaultdict(list)
    for nudge in sorted(recent, key=lambda n: n.sent_at):
        for kr_id in nudge.key_result_ids:
            history[kr_id].append(nudge)
        if nudge.dm_ts is None or nudge.id is None:
            continue
        team, member = teams[nudge.team_id], members.get((nudge.workspace_id, nudge.user_id))
        zone = ZoneInfo(_zone(member, team))
        key = (
            nudge.workspace_id,
            nudge.team_id,
            nudge.user_id,
            nudge.period,
            tuple(nudge.key_result_ids),
            nudge.id,
        )
        if nudge.answer is None and nudge.reminded_at is None:
            sent_day = nudge.sent_at.astimezone(zone).date()
            remind_at = local_instant(next_working_day(sent_day), team.checkin_time, zone.key)
            answered_by_check_ins = all(
                (last_check_in.get(kr) or nudge.sent_at) > nudge.sent_at
                for kr in nudge.key_result_ids
            )
            if timedelta(0) <= at - remind_at < CATCH_UP and not answered_by_check_ins:
                due.append(DueNudge(REMINDER, *key))
        snoozed = nudge.answer == NudgeAnswer.SNOOZED and nudge.snoozed_until is not None
        if snoozed and timedelta(0) <= at - (nudge.snoozed_until or at) < CATCH_UP:
            period = f"{nudge.period}@{nudge.snoozed_until:%Y%m%d%H%M}"
            due.append(
                DueNudge(
                    SNOOZE,
                    nudge.workspace_id,
                    nudge.team_id,
                    nudge.user_id,
                    period,
                    key[4],
                    nudge.id,
                )
            )
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


@dataclass(frozen=True)
class NudgeContent:
    """What one nudge's DM shows, gathered in bulk for all the nudges of a tick."""

    team: TeamView
    locale: str
    objectives: tuple[ObjectiveView, ...]


# Objectives loaded per statement when gathering contents (keeps IN lists well under the
# bound-parameter limits of SQLite and PostgreSQL).
CONTENT_CHUNK = 500


async def nudge_contents(
    *, db: Database, due: Sequence[DueNudge], now: datetime
) -> dict[DueNudge, NudgeContent]:
    """The DM content of every due nudge, reminder and snoozed nudge, in a fixed number of
    statements per 500 objectives (not per nudge): the Friday tick may DM thousands."""
    wanted = [d for d in due if d.kind != STALE]
    if not wanted:
        return {}
    async with db.transaction() as session:
        teams = await store.all_teams(session)
        members = await store.members_of(session, {d.workspace_id for d in wanted})
        kr_ids = {kr for d in wanted for kr in d.key_result_ids}
        objective_ids = await store.objective_ids_of(session, kr_ids)
        views: list[ObjectiveView] = []
        for workspace_id in {d.workspace_id for d in wanted}:
            for start in range(0, len(objective_ids), CONTENT_CHUNK):
                chunk = objective_ids[start : start + CONTENT_CHUNK]
                views += await load_objective_views(
                    session, ObjectiveFilter(workspace_id, objective_ids=chunk), now=now
                )
    by_kr = {kr.id: view for view in views for kr in view.key_results}
    contents: dict[DueNudge, NudgeContent] = {}
    for item in wanted:
        team, member = teams[item.team_id], members.get((item.workspace_id, item.user_id))
        listed = set(item.key_result_ids)
        objectives: dict[int, ObjectiveView] = {}
        for kr_id in item.key_result_ids:
            if kr_id in by_kr:
                objectives.setdefault(by_kr[kr_id].id, by_kr[kr_id])
        contents[item] = NudgeContent(
            team=team_view(team),
            locale=(member.locale if member and member.locale else None) or team.locale,
            objectives=tuple(
                replace(o, key_results=tuple(k for k in o.key_results if k.id in listed))
                for o in objectives.values()
            ),
        )
    return contents


@dataclass(frozen=True)
class NudgeSlot:
    """The nudge row a send works on; `dm_ts` is set when its DM already went out."""

    id: int
    dm_channel: str | None
    dm_ts: str | None


async def open_week_nudges(
    *, db: Database, due: Sequence[DueNudge], now: datetime
) -> dict[DueNudge, NudgeSlot]:
    """The nudge row of every due DM, created in bulk for new nudges. A send retried after a
    crash finds the row of the first attempt, with `dm_ts` set if the DM was in fact posted.
    Rows are made before the ledger claims (several instances may make the same row: the
    unique key keeps one); a row without `dm_ts` means "not posted yet"."""
    wanted = [d for d in due if d.kind != STALE]
    if not wanted:
        return {}
    rows = [
        {
            "workspace_id": d.workspace_id,
            "team_id": d.team_id,
            "user_id": d.user_id,
            "period": d.period,
            "key_result_ids": list(d.key_result_ids),
            "check_in_ids": [],
            "sent_at": now,
        }
        for d in wanted
        if d.nudge_id is None
    ]
    async with db.transaction() as session:
        by_key = await store.open_nudges(session, rows) if rows else {}
        known = {
            n.id: n
            for n in await store.nudges_by_id(session, [d.nudge_id for d in wanted if d.nudge_id])
        }
    slots: dict[DueNudge, NudgeSlot] = {}
    for d in wanted:
        nudge = (
            known.get(d.nudge_id)
            if d.nudge_id is not None
            else by_key.get((d.workspace_id, d.team_id, d.user_id, d.period))
        )
        if nudge is not None and nudge.id is not None:
            slots[d] = NudgeSlot(nudge.id, nudge.dm_channel, nudge.dm_ts)
    return slots


def nudge_view_of(slot: NudgeSlot, due: DueNudge, content: NudgeContent) -> NudgeView:
    """The view of a nudge about to be sent (nothing answered yet)."""
    return NudgeView(
        id=slot.id,
        workspace_id=due.workspace_id,
        team=content.team,
        user_id=due.user_id,
        period=due.period,
        locale=content.locale,
        objectives=content.objectives,
        answer=None,
        answered_at=None,
        snoozed_until=None,
        dm_channel=slot.dm_channel,
        dm_ts=slot.dm_ts,
        undo_until=None,
    )


async def _nudge_view(session: AsyncSession, nudge: Nudge, now: datetime) -> NudgeView:
    team = await okrs.team_by_id(session, nudge.workspace_id, nudge.team_id)
    assert team is not None and nudge.id is not None
    member = await session.get(Member, (nudge.workspace_id, nudge.user_id))
    listed = set(nudge.key_result_ids)
    objective_ids = await store.objective_ids_of(session, listed)
    views = await load_objective_views(
        session, ObjectiveFilter(nudge.workspace_id, objective_ids=objective_ids), now=now
    )
    objectives = tuple(
        replace(v, key_results=tuple(k for k in v.key_results if k.id in listed)) for v in views
    )
    return NudgeView(
        id=nudge.id,
        workspace_id=nudge.workspace_id,
        team=team_view(team),
        user_id=nudge.user_id,
        period=nudge.period,
        locale=(member.locale if member and member.locale else None) or team.locale,
        objectives=tuple(o for o in objectives if o.key_results),
        answer=nudge.answer,
        answered_at=nudge.answered_at,
        snoozed_until=nudge.snoozed_until,
        dm_channel=nudge.dm_channel,
        dm_ts=nudge.dm_ts,
        undo_until=nudge.answered_at + UNDO_WINDOW if nudge.answered_at else None,
    )


async def record_nudge_sent(
    *,
    db: Database,
    nudge_id: int,
    channel: str,
    ts: str,
    now: datetime,
    kind: str = NUDGE,
) -> None:
    """Remember where the latest DM is (answers update it in place). A reminder is never sent
    twice; a snoozed nudge coming back asks afresh (and brings no reminder after it)."""
    async with db.transaction() as session:
        await store.mark_posted(
            session,
            nudge_id,
            channel=channel,
            ts=ts,
            reminded_at=now if kind in (REMINDER, SNOOZE) else None,
            ask_afresh=kind == SNOOZE,
        )


async def _answerable(
    session: AsyncSession, workspace_id: str, nudge_id: int, actor: Actor
) -> Nudge:
    nudge = await store.get_nudge(session, workspace_id, nudge_id)
    if nudge is None:
        raise NotFound(N_("This check-in reminder no longer exists."))
    if nudge.user_id != actor.user_id:
        raise PermissionDenied(N_("This check-in belongs to someone else."))
    return nudge


async def answer_no_change(
    *, db: Database, workspace_id: str, nudge_id: int, actor: Actor, now: datetime
) -> NudgeView:
    """Record, for every listed KR, a check-in with its latest value and confidence (the start
    value for a KR never checked in). A second click records nothing more."""
    async with db.transaction() as session:
        nudge = await _answerable(session, workspace_id, nudge_id, actor)
        view = await _nudge_view(session, nudge, now)
    cmds = [
        RecordCheckIn(
            workspace_id=workspace_id,
            key_result_ref=kr.ref,
            value=kr.current if kr.current is not None else kr.start,
            confidence=kr.confidence,
            note="",
            actor=actor,
            source="nudge",
            idempotency_key=f"nudge:{nudge_id}:{kr.id}",
        )
        for objective in view.objectives
        for kr in objective.key_results
    ]
    results = await record_check_ins(db=db, cmds=cmds, now=now)
    ids = [r.check_in_id for r in results if r.check_in_id is not None]
    return await _set_answer(
        db, workspace_id, nudge_id, actor, NudgeAnswer.NO_CHANGE, now, check_in_ids=ids
    )


async def answer_updated(
    *, db: Database, workspace_id: str, nudge_id: int, actor: Actor, now: datetime
) -> NudgeView:
    return await _set_answer(db, workspace_id, nudge_id, actor, NudgeAnswer.UPDATED, now)


async def answer_skip(
    *, db: Database, workspace_id: str, nudge_id: int, actor: Actor, now: datetime
) -> NudgeView:
    return await _set_answer(db, workspace_id, nudge_id, actor, NudgeAnswer.SKIPPED, now)


async def answer_snooze(
    *, db: Database, workspace_id: str, nudge_id: int, actor: Actor, days: int, now: datetime
) -> NudgeView:
    """Ask again in `days` days (1 or 3), at the same time of day."""
    if days not in (1, 3):
        raise UserError(N_("Snooze for one or three days."))
    return await _set_answer(
        db,
        workspace_id,
        nudge_id,
        actor,
        NudgeAnswer.SNOOZED,
        now,
        snoozed_until=now + timedelta(days=days),
    )


async def _set_answer(
    db: Database,
    workspace_id: str,
    nudge_id: int,
    actor: Actor,
    answer: NudgeAnswer,
    now: datetime,
    *,
    check_in_ids: list[int] | None = None,
    snoozed_until: datetime | None = None,
) -> NudgeView:
    async with db.transaction() as session:
        nudge = await _answerable(session, workspace_id, nudge_id, actor)
        if nudge.answer is None or answer is NudgeAnswer.UPDATED:
            nudge.answer, nudge.answered_at = answer.value, now
            nudge.check_in_ids = check_in_ids or []
            nudge.snoozed_until = snoozed_until
            session.add(nudge)
            await session.flush()
        return await _nudge_view(session, nudge, now)


async def undo_answer(
    *, db: Database, workspace_id: str, nudge_id: int, actor: Actor, now: datetime
) -> NudgeView:
    """Take back an answer within a few minutes: its "no change" check-ins are removed and the
    nudge waits for an answer again. Raises UserError once the window has passed."""
    async with db.transaction() as session:
        nudge = await _answerable(session, workspace_id, nudge_id, actor)
        if nudge.answered_at is None or now > nudge.answered_at + UNDO_WINDOW:
            raise UserError(N_("It is too late to undo this answer."))
        await store.delete_check_ins(session, nudge.check_in_ids)
        nudge.answer = nudge.answered_at = nudge.snoozed_until = None
        nudge.check_in_ids = []
        session.add(nudge)
        await session.flush()
        return await _nudge_view(session, nudge, now)


async def nudge_for(
    *, db: Database, workspace_id: str, nudge_id: int, actor: Actor, now: datetime
) -> NudgeView:
    async with db.transaction() as session:
        nudge = await _answerable(session, workspace_id, nudge_id, actor)
        return await _nudge_view(session, nudge, now)


async def stale_key_result(
    *, db: Database, workspace_id: str, key_result_id: int, now: datetime
) -> ObjectiveView | None:
    """The objective of a KR ignored for three weeks, restricted to that KR (None if closed)."""
    async with db.transaction() as session:
        objective_ids = await store.objective_ids_of(session, {key_result_id})
        views = await load_objective_views(
            session, ObjectiveFilter(workspace_id, objective_ids=objective_ids), now=now
        )
    for view in views:
        krs = tuple(k for k in view.key_results if k.id == key_result_id)
        if krs and view.state == "open":
            return replace(view, key_results=krs)
    return None


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
    cut = now - RECENT_CHECK_IN

    def is_due(kr: KeyResultView) -> bool:
        return kr.owner_user_id == user_id and (
            kr.last_check_in_at is None or kr.last_check_in_at < cut
        )

    due = [replace(v, key_results=tuple(k for k in v.key_results if is_due(k))) for v in views]
    return [v for v in due if v.key_results]


async def objectives_of_refs(
    *, db: Database, workspace_id: str, refs: Sequence[int], now: datetime
) -> list[ObjectiveView]:
    """The objectives of these KR refs, each restricted to those KRs (the modal's next page)."""
    wanted = set(refs)
    async with db.transaction() as session:
        ids = await store.key_result_ids_of_refs(session, workspace_id, wanted)
        objective_ids = await store.objective_ids_of(session, ids)
        views = await load_objective_views(
            session, ObjectiveFilter(workspace_id, objective_ids=objective_ids), now=now
        )
    restricted = [
        replace(v, key_results=tuple(k for k in v.key_results if k.ref in wanted)) for v in views
    ]
    return [v for v in restricted if v.key_results]


async def pause_nudges(
    *, db: Database, workspace_id: str, user_id: str, until: date, today: date, now: datetime
) -> date:
    """No nudges until `until` (inclusive). Raises UserError for a past date or one more than a
    year away."""
    if until < today:
        raise UserError(
            N_("Pick a date from today on, e.g. `/okr pause until {example}`."),
            example=(today + timedelta(days=14)).isoformat(),
        )
    if until > today + timedelta(days=366):
        raise UserError(N_("Pause for a year at most."))
    async with db.transaction() as session:
        await store.set_pause(
            session, workspace_id=workspace_id, user_id=user_id, until=until, now=now
        )
    return until


async def resume_nudges(*, db: Database, workspace_id: str, user_id: str, now: datetime) -> None:
    async with db.transaction() as session:
        await store.set_pause(
            session, workspace_id=workspace_id, user_id=user_id, until=None, now=now
        )


__all__ = ["CATCH_UP", "NUDGE", "REMINDER", "SNOOZE", "STALE", "UNDO_WINDOW", "week_key"]
