"""What a check-in nudge's DM shows, and where it went: the content of every due DM gathered
in bulk, the nudge rows the sends work on, and the view of one nudge."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.nudges import NUDGE, REMINDER, SNOOZE, STALE, DueNudge
from bot.services.objective_views import objective_views_by_id, restricted
from bot.services.read_models import KeyResultView, NudgeView, ObjectiveView, TeamView
from bot.services.teams import team_view
from storage import nudges as store
from storage import okrs
from storage.database import Database
from storage.models import Member, Nudge, NudgeAnswer, Team

# An answer can be taken back for this long after it was given.
UNDO_WINDOW = timedelta(minutes=5)
# Objectives loaded per statement when gathering contents (keeps IN lists well under the
# bound-parameter limits of SQLite and PostgreSQL).
CONTENT_CHUNK = 500


@dataclass(frozen=True)
class NudgeContent:
    """What one nudge's DM shows, gathered in bulk for all the nudges of a tick."""

    team: TeamView
    locale: str
    objectives: tuple[ObjectiveView, ...]
    timezone: str | None = None


@dataclass(frozen=True)
class NudgeSlot:
    """The nudge row a send works on; `dm_ts` is set when its DM already went out."""

    id: int
    dm_channel: str | None
    dm_ts: str | None


def _listed_only(view: ObjectiveView, key_result_ids: Collection[int]) -> ObjectiveView:
    return restricted(view, lambda kr: kr.id in key_result_ids)


def _locale(member: Member | None, team: Team) -> str:
    return (member.locale if member and member.locale else None) or team.locale


def _zone(member: Member | None, team: Team) -> str:
    return (member.timezone if member and member.timezone else None) or team.timezone


# --- Sending -----------------------------------------------------------------------------------


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
                views += await objective_views_by_id(session, workspace_id, chunk, now=now)
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
            locale=_locale(member, team),
            objectives=tuple(_listed_only(o, listed) for o in objectives.values()),
            timezone=_zone(member, team),
        )
    return contents


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
    return _view(slot, due.workspace_id, due.user_id, due.period, content)


def nudge_sent(
    *, nudge_id: int, channel: str, ts: str, now: datetime, kind: str = NUDGE
) -> Callable[[AsyncSession], Awaitable[None]]:
    """Where the latest DM is (answers update it in place), to store with the ledger's outcome.
    A reminder is never sent twice; a snoozed nudge coming back asks afresh (and brings no
    reminder after it)."""

    async def store_it(session: AsyncSession) -> None:
        await store.mark_posted(
            session,
            nudge_id,
            channel=channel,
            ts=ts,
            reminded_at=now if kind in (REMINDER, SNOOZE) else None,
            ask_afresh=kind == SNOOZE,
        )

    return store_it


async def stale_key_result(
    *, db: Database, workspace_id: str, key_result_id: int, now: datetime
) -> ObjectiveView | None:
    """The objective of a KR ignored for three weeks, restricted to that KR (None if closed)."""
    async with db.transaction() as session:
        objective_ids = await store.objective_ids_of(session, {key_result_id})
        views = await objective_views_by_id(session, workspace_id, objective_ids, now=now)
    for view in views:
        only = restricted(view, lambda kr: kr.id == key_result_id)
        if only.key_results and view.state == "open":
            return only
    return None


# --- One nudge ---------------------------------------------------------------------------------


async def nudge_view(session: AsyncSession, nudge: Nudge, now: datetime) -> NudgeView:
    """The nudge as it stands: its answer, and its objectives restricted to the listed KRs
    (objectives left with none are left out)."""
    team = await okrs.team_by_id(session, nudge.workspace_id, nudge.team_id)
    assert team is not None and nudge.id is not None
    member = await session.get(Member, (nudge.workspace_id, nudge.user_id))
    listed = set(nudge.key_result_ids)
    objective_ids = await store.objective_ids_of(session, listed)
    views = await objective_views_by_id(session, nudge.workspace_id, objective_ids, now=now)
    objectives = [_listed_only(v, listed) for v in views]
    updated: tuple[KeyResultView, ...] = ()
    if nudge.answer in (None, NudgeAnswer.UPDATED.value):
        # A partial check-in: what was checked in since the DM was sent, and what is still due.
        sent_at = nudge.sent_at

        def done(kr: KeyResultView) -> bool:
            return kr.last_check_in_at is not None and kr.last_check_in_at >= sent_at

        updated = tuple(kr for o in objectives for kr in o.key_results if done(kr))
        objectives = [restricted(o, lambda kr: not done(kr)) for o in objectives]
    elif nudge.answer == NudgeAnswer.NO_CHANGE.value and nudge.check_in_ids:
        recorded = await store.key_results_of_check_ins(session, nudge.check_in_ids)
        objectives = [restricted(o, lambda kr: kr.id in recorded) for o in objectives]
    content = NudgeContent(
        team=team_view(team),
        locale=_locale(member, team),
        objectives=tuple(o for o in objectives if o.key_results),
        timezone=_zone(member, team),
    )
    slot = NudgeSlot(nudge.id, nudge.dm_channel, nudge.dm_ts)
    view = _view(slot, nudge.workspace_id, nudge.user_id, nudge.period, content, nudge)
    return replace(view, updated=updated)


def _view(
    slot: NudgeSlot,
    workspace_id: str,
    user_id: str,
    period: str,
    content: NudgeContent,
    answered: Nudge | None = None,
) -> NudgeView:
    answered_at = answered.answered_at if answered else None
    return NudgeView(
        id=slot.id,
        workspace_id=workspace_id,
        team=content.team,
        user_id=user_id,
        period=period,
        locale=content.locale,
        objectives=content.objectives,
        answer=answered.answer if answered else None,
        answered_at=answered_at,
        snoozed_until=answered.snoozed_until if answered else None,
        dm_channel=slot.dm_channel,
        dm_ts=slot.dm_ts,
        undo_until=answered_at + UNDO_WINDOW if answered_at else None,
        timezone=content.timezone,
    )
