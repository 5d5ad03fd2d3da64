"""Answering a check-in nudge: no change, updated, skip this week, snooze, undo; and pausing
nudges (holidays)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import N_, NotFound, PermissionDenied, UserError
from bot.domain.permissions import Actor
from bot.domain.schedule import snooze_until
from bot.services.check_ins import record_check_ins
from bot.services.commands import RecordCheckIn
from bot.services.nudge_messages import UNDO_WINDOW, nudge_view
from bot.services.nudges import due_key_results
from bot.services.read_models import KeyResultView, NudgeView
from storage import nudges as store
from storage import okrs
from storage.database import Database
from storage.models import Member, Nudge, NudgeAnswer


async def _answerable(
    session: AsyncSession, workspace_id: str, nudge_id: int, actor: Actor
) -> Nudge:
    nudge = await store.get_nudge(session, workspace_id, nudge_id)
    if nudge is None:
        raise NotFound(N_("This check-in reminder no longer exists."))
    if nudge.user_id != actor.user_id:
        raise PermissionDenied(N_("This check-in belongs to someone else."))
    return nudge


def _no_change(
    kr: KeyResultView, workspace_id: str, actor: Actor, *, source: str, key: str
) -> RecordCheckIn:
    """A "no change" check-in: the KR's latest value and confidence again (its start value if
    it was never checked in), recorded once per `key`."""
    return RecordCheckIn(
        workspace_id=workspace_id,
        key_result_ref=kr.ref,
        value=kr.current if kr.current is not None else kr.start,
        confidence=kr.confidence,
        note="",
        actor=actor,
        source=source,
        idempotency_key=key,
    )


async def answer_no_change(
    *, db: Database, workspace_id: str, nudge_id: int, actor: Actor, now: datetime
) -> NudgeView:
    """Record, for every listed KR, a check-in with its latest value and confidence (the start
    value for a KR never checked in). A second click records nothing more."""
    async with db.transaction() as session:
        nudge = await _answerable(session, workspace_id, nudge_id, actor)
        view = await nudge_view(session, nudge, now)
    cmds = [
        _no_change(kr, workspace_id, actor, source="nudge", key=f"nudge:{nudge_id}:{kr.id}")
        for objective in view.objectives
        for kr in objective.key_results
    ]
    results = await record_check_ins(db=db, cmds=cmds, now=now)
    ids = [r.check_in_id for r in results if r.check_in_id is not None]
    return await _set_answer(
        db, workspace_id, nudge_id, actor, NudgeAnswer.NO_CHANGE, now, check_in_ids=ids
    )


async def no_change_for_due(*, db: Database, workspace_id: str, actor: Actor, now: datetime) -> int:
    """ "No change for all" (Home tab): for each of my KRs due, a check-in with its latest
    value and confidence, as the DM's No change records. Returns how many were recorded; a
    second click records nothing more (they are not due any more, and the idempotency key
    names the check-in they repeat)."""
    due = await due_key_results(db=db, workspace_id=workspace_id, user_id=actor.user_id, now=now)
    cmds = [
        _no_change(
            kr,
            workspace_id,
            actor,
            source="no_change",
            # The check-in it repeats names it: a second click is the same check-in.
            key=f"no_change:{kr.id}:"
            + (kr.last_check_in_at.isoformat() if kr.last_check_in_at else "never"),
        )
        for objective in due
        for kr in objective.key_results
    ]
    results = await record_check_ins(db=db, cmds=cmds, now=now)
    return sum(1 for r in results if not r.duplicate)


async def answer_updated(
    *,
    db: Database,
    workspace_id: str,
    nudge_id: int,
    actor: Actor,
    now: datetime,
    check_in_ids: Sequence[int] = (),
    key_result_ids: Collection[int] = (),
) -> NudgeView:
    """The DM's modal saved these check-ins (on `key_result_ids`). Every listed KR checked in
    since the DM was sent: answered "updated". Some still due: no answer yet (the buttons,
    and the reminder, stay for the rest). Either way Undo removes these check-ins."""
    async with db.transaction() as session:
        nudge = await _answerable(session, workspace_id, nudge_id, actor)
        view = await nudge_view(session, nudge, now)
        still_due = [
            kr for o in view.objectives for kr in o.key_results if kr.id not in key_result_ids
        ]
        nudge.answer = None if still_due else NudgeAnswer.UPDATED.value
        nudge.answered_at, nudge.snoozed_until = now, None
        nudge.check_in_ids = list(check_in_ids)
        session.add(nudge)
        await session.flush()
        return await nudge_view(session, nudge, now)


async def answer_skip(
    *, db: Database, workspace_id: str, nudge_id: int, actor: Actor, now: datetime
) -> NudgeView:
    return await _set_answer(db, workspace_id, nudge_id, actor, NudgeAnswer.SKIPPED, now)


async def answer_snooze(
    *, db: Database, workspace_id: str, nudge_id: int, actor: Actor, days: int, now: datetime
) -> NudgeView:
    """Ask again `days` days later (1: "tomorrow", or 3), at the team's check-in hour in the
    owner's zone, on a working day (a Friday "tomorrow" is Monday)."""
    if days not in (1, 3):
        raise UserError(N_("Snooze for one or three days."))
    async with db.transaction() as session:
        nudge = await _answerable(session, workspace_id, nudge_id, actor)
        team = await okrs.team_by_id(session, workspace_id, nudge.team_id)
        member = await session.get(Member, (workspace_id, nudge.user_id))
    assert team is not None
    zone = (member.timezone if member and member.timezone else None) or team.timezone
    return await _set_answer(
        db,
        workspace_id,
        nudge_id,
        actor,
        NudgeAnswer.SNOOZED,
        now,
        snoozed_until=snooze_until(now, days=days, timezone=zone, at_time=team.checkin_time),
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
        return await nudge_view(session, nudge, now)


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
        return await nudge_view(session, nudge, now)


async def nudge_for(
    *, db: Database, workspace_id: str, nudge_id: int, actor: Actor, now: datetime
) -> NudgeView:
    async with db.transaction() as session:
        nudge = await _answerable(session, workspace_id, nudge_id, actor)
        return await nudge_view(session, nudge, now)


async def pause_nudges(
    *, db: Database, workspace_id: str, user_id: str, until: date, today: date, now: datetime
) -> date:
    """No nudges until `until` (inclusive). Raises UserError for a past date or one more than a
    year away."""
    if until < today:
        raise UserError(
            N_("Pick a date from today on, e.g. `/okr pause until {example}`."),
            example=today + timedelta(days=14),  # a date: the reader's locale writes it
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
