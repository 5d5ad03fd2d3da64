"""The weekly digest service: what a seeded week says, what is due when, bounded SQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bot.domain.errors import PermissionDenied, UserError
from bot.domain.permissions import Actor
from bot.domain.progress import KrKind
from bot.domain.status import Status
from bot.services.commands import RecordReading
from bot.services.digest import (
    DIGEST_KIND,
    MANUAL_DIGEST_KIND,
    due_digests,
    preview_digest,
    start_manual_digest,
    team_subject,
    weekly_digest,
)
from bot.services.ledger import LedgerKey, Outcome, claim_post, record_post_outcome
from bot.services.nudge_answers import pause_nudges
from bot.services.readings import record_reading
from bot.services.runtime import Services
from storage.database import Database
from storage.models import CheckIn, LedgerStatus, Nudge
from tests.digest_factories import (
    DIGEST_AT,
    DROP_NOTE,
    DURING_THE_WEEK,
    seed_week,
    set_digest_time,
)
from tests.factories import WORKSPACE, kr_draft, seed_check_in, seed_objective, seed_team
from tests.northstar_factories import define

LEASE = timedelta(minutes=5)


async def test_a_seeded_week_says_what_moved_dropped_won_and_waits(
    services: Services, clock: list[datetime]
) -> None:
    seeded = await seed_week(services, clock)
    digest = await weekly_digest(
        db=services.db, workspace_id=WORKSPACE, team_id=seeded.team.id, now=DIGEST_AT
    )
    week = digest.week
    assert digest.period == "2026-W48"
    assert digest.cycle_key == "2026-Q4"
    assert [o.label for o in digest.objectives] == ["O-1", "O-2"]
    assert [
        (w.key, round(w.progress_before, 2), round(w.progress_now, 2)) for w in week.movers
    ] == [
        ("KR-1", 0.4, 1.0),
        ("KR-2", 0.5, 0.6),
    ]
    [drop] = week.confidence_drops
    assert (drop.key, drop.confidence_before, drop.confidence_now, drop.note) == (
        "KR-2",
        8,
        3,
        DROP_NOTE,
    )
    assert [(w.key, w.status_now) for w in week.at_risk] == [("KR-2", Status.OFF_TRACK)]
    assert [w.key for w in week.wins] == ["KR-1"]
    assert (week.owners_done, week.owners_total) == (1, 2)
    assert [(w.key, w.owner_user_id) for w in week.waiting] == [("KR-3", "U2")]
    assert [o.label for o in digest.unlinked] == ["O-1", "O-2"]
    assert digest.key_results["KR-3"].title == "Digest shipped"
    assert (digest.check_ins, digest.readings, digest.empty) == (2, 0, False)
    assert digest.north_star is None and digest.has_content


async def test_a_week_without_check_ins_or_readings_is_empty(
    services: Services, clock: list[datetime]
) -> None:
    seeded = await seed_week(services, clock, with_check_ins=False)
    digest = await weekly_digest(
        db=services.db, workspace_id=WORKSPACE, team_id=seeded.team.id, now=DIGEST_AT
    )
    assert digest.empty and digest.has_content
    assert len(digest.week.waiting) == 3


async def test_a_reading_this_week_is_news_and_the_north_star_is_summarised(
    services: Services, clock: list[datetime]
) -> None:
    seeded = await seed_week(services, clock, with_check_ins=False)
    await define(services.db, seeded.team.id, now=DURING_THE_WEEK)
    for day, value in [(date(2026, 11, 9), 1000), (date(2026, 11, 16), 1100)]:
        await record_reading(
            db=services.db,
            cmd=RecordReading(WORKSPACE, "C1", None, value, day, "U1"),
            now=DURING_THE_WEEK,
        )
    digest = await weekly_digest(
        db=services.db, workspace_id=WORKSPACE, team_id=seeded.team.id, now=DIGEST_AT
    )
    assert digest.readings == 2 and not digest.empty
    assert digest.north_star is not None
    assert digest.north_star.metric.trend.current == 1100
    assert digest.north_star.metric.trend.last_period.absolute == 100


async def test_a_new_teams_first_digest_is_its_kick_off(
    services: Services, clock: list[datetime]
) -> None:
    seeded = await seed_week(services, clock, with_check_ins=False, earlier_digest=False)
    digest = await weekly_digest(
        db=services.db, workspace_id=WORKSPACE, team_id=seeded.team.id, now=DIGEST_AT
    )
    assert digest.first and digest.empty
    # The team checks in on Mondays at 09:00 and digests at 09:30 (Paris, UTC+1 in November).
    assert digest.next_check_in_at == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert digest.next_digest_at == datetime(2026, 11, 30, 8, 30, tzinfo=UTC)
    key = LedgerKey(WORKSPACE, DIGEST_KIND, team_subject(seeded.team.id), digest.period)
    entry = await claim_post(db=services.db, key=key, claimed_by="t", now=DIGEST_AT, lease=LEASE)
    assert entry is not None
    # Claimed is not posted: still the kick-off (a retry after a failure says the same).
    again = await weekly_digest(
        db=services.db, workspace_id=WORKSPACE, team_id=seeded.team.id, now=DIGEST_AT
    )
    assert again.first
    await record_post_outcome(
        db=services.db, entry_id=entry, outcome=Outcome(LedgerStatus.SENT), now=DIGEST_AT
    )
    later = await weekly_digest(
        db=services.db,
        workspace_id=WORKSPACE,
        team_id=seeded.team.id,
        now=DIGEST_AT + timedelta(days=7),
    )
    assert not later.first


async def _nudge(
    db: Database, team_id: int, user_id: str, kr_ids: list[int], *, answer: str | None
) -> None:
    async with db.transaction() as session:
        session.add(
            Nudge(
                workspace_id=WORKSPACE,
                team_id=team_id,
                user_id=user_id,
                period="2026-W47",
                key_result_ids=kr_ids,
                dm_channel="D1",
                dm_ts="1.1",
                sent_at=DURING_THE_WEEK - timedelta(hours=1),
                answer=answer,
            )
        )


async def test_participation_counts_due_krs_and_never_names_who_skipped(
    services: Services, clock: list[datetime]
) -> None:
    seeded = await seed_week(services, clock)
    kr2, kr3 = seeded.objectives[0].key_results[1], seeded.objectives[1].key_results[0]
    await _nudge(services.db, seeded.team.id, "U2", [kr2.id, kr3.id], answer="skipped")
    digest = await weekly_digest(
        db=services.db, workspace_id=WORKSPACE, team_id=seeded.team.id, now=DIGEST_AT
    )
    week = digest.week
    assert (week.krs_checked_in, week.krs_total) == (2, 3)
    assert (week.owners_done, week.owners_total, week.owners_skipped) == (1, 2, 1)
    assert week.waiting == (), "U2 chose to skip: not named as waiting"


async def test_a_kr_the_dm_did_not_list_does_not_keep_its_owner_incomplete(
    services: Services, clock: list[datetime]
) -> None:
    seeded = await seed_week(services, clock)
    kr2 = seeded.objectives[0].key_results[1]
    # KR-3 was not due this week (say it was checked in just before): U2's DM listed KR-2
    # only, answered by the check-in of DURING_THE_WEEK.
    await _nudge(services.db, seeded.team.id, "U2", [kr2.id], answer="updated")
    digest = await weekly_digest(
        db=services.db, workspace_id=WORKSPACE, team_id=seeded.team.id, now=DIGEST_AT
    )
    week = digest.week
    assert (week.krs_checked_in, week.krs_total) == (2, 3)
    assert (week.owners_done, week.owners_total) == (2, 2)
    assert week.waiting == ()


async def test_an_owner_who_paused_their_nudges_is_away(
    services: Services, clock: list[datetime]
) -> None:
    seeded = await seed_week(services, clock)
    await pause_nudges(
        db=services.db,
        workspace_id=WORKSPACE,
        user_id="U2",
        until=date(2026, 11, 27),
        today=date(2026, 11, 18),
        now=DURING_THE_WEEK,
    )
    digest = await weekly_digest(
        db=services.db, workspace_id=WORKSPACE, team_id=seeded.team.id, now=DIGEST_AT
    )
    assert (digest.week.owners_away, digest.week.waiting) == (1, ())


async def test_a_guardrail_checked_in_for_the_first_time_is_held_not_a_win(
    services: Services, clock: list[datetime]
) -> None:
    seeded = await seed_week(services, clock)
    guarded = await seed_objective(
        services,
        seeded.team,
        title="Keep customers",
        key_results=[kr_draft("Monthly churn", kind=KrKind.STAY_BELOW, start=0, target=5)],
    )
    await seed_check_in(services, guarded.key_results[0].ref, 3, confidence=8)
    digest = await weekly_digest(
        db=services.db, workspace_id=WORKSPACE, team_id=seeded.team.id, now=DIGEST_AT
    )
    label = guarded.key_results[0].label
    assert label not in [w.key for w in digest.week.movers]
    assert label not in [w.key for w in digest.week.wins]
    assert [(w.key, w.held) for w in digest.week.guardrails] == [(label, True)]


async def test_a_team_with_nothing_has_no_content(
    services: Services, clock: list[datetime]
) -> None:
    clock[0] = datetime(2026, 11, 9, tzinfo=UTC)
    team = await seed_team(services)
    digest = await weekly_digest(
        db=services.db, workspace_id=WORKSPACE, team_id=team.id, now=DIGEST_AT
    )
    assert not digest.has_content and digest.empty


@contextmanager
def counted_statements(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)


async def seed_many_krs(
    services: Services, clock: list[datetime], *, krs: int, channel: str
) -> int:
    """A team with `krs` KRs (5 per objective), each checked in before and during the week."""
    clock[0] = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)
    team = await seed_team(services, channel_id=channel, name=f"Team {channel}")
    await set_digest_time(services.db, team.id)
    ids: list[int] = []
    for index in range(0, krs, 5):
        objective = await seed_objective(
            services,
            team,
            title=f"Objective {index}",
            key_results=[
                kr_draft(f"KR {index + n}", owner_user_id=f"U{(index + n) % 7}")
                for n in range(min(5, krs - index))
            ],
        )
        ids += [kr.id for kr in objective.key_results]
    async with services.db.transaction() as session:
        for kr_id in ids:
            for when, value, confidence in [
                (datetime(2026, 11, 10, tzinfo=UTC), 10.0, 8),
                (datetime(2026, 11, 19, tzinfo=UTC), 30.0, 5),
            ]:
                session.add(
                    CheckIn(
                        workspace_id=WORKSPACE,
                        key_result_id=kr_id,
                        value=value,
                        confidence=confidence,
                        note="n",
                        author_user_id="U1",
                        created_at=when,
                    )
                )
    return team.id


async def test_sql_statements_per_digest_do_not_grow_with_the_number_of_krs(
    services: Services, clock: list[datetime]
) -> None:
    small = await seed_many_krs(services, clock, krs=5, channel="CSMALL")
    large = await seed_many_krs(services, clock, krs=200, channel="CLARGE")
    counts = []
    for team_id in (small, large):
        with counted_statements(services.db) as statements:
            digest = await weekly_digest(
                db=services.db, workspace_id=WORKSPACE, team_id=team_id, now=DIGEST_AT
            )
        counts.append(len(statements))
        assert digest.check_ins == len(digest.key_results)
    assert len(digest.key_results) == 200 and len(digest.week.confidence_drops) == 200
    assert counts[0] == counts[1], counts
    assert counts[0] <= 15


# --- Due --------------------------------------------------------------------------------------


async def test_due_on_time_late_and_missed(services: Services, clock: list[datetime]) -> None:
    seeded = await seed_week(services, clock)
    db = services.db
    [previous] = await due_digests(db=db, at=DIGEST_AT - timedelta(minutes=1))
    assert (previous.period, previous.missed) == ("2026-W47", True)  # the team was there
    [on_time] = await due_digests(db=db, at=DIGEST_AT)
    assert (on_time.team_id, on_time.period, on_time.occurrence_at) == (
        seeded.team.id,
        "2026-W48",
        DIGEST_AT,
    )
    assert not on_time.late and not on_time.missed
    assert on_time.key == LedgerKey(
        WORKSPACE, DIGEST_KIND, team_subject(seeded.team.id), "2026-W48"
    )
    [late] = await due_digests(db=db, at=DIGEST_AT + timedelta(hours=1))
    assert late.late and not late.missed
    [missed] = await due_digests(db=db, at=DIGEST_AT + timedelta(days=1))
    assert missed.late and missed.missed


async def test_settled_digests_are_no_longer_due(services: Services, clock: list[datetime]) -> None:
    await seed_week(services, clock)
    [due] = await due_digests(db=services.db, at=DIGEST_AT)
    entry = await claim_post(
        db=services.db, key=due.key, claimed_by="t", now=DIGEST_AT, lease=LEASE
    )
    assert entry is not None
    # Claimed but not settled (a crash, a failure): still due, the ledger decides.
    assert len(await due_digests(db=services.db, at=DIGEST_AT)) == 1
    await record_post_outcome(
        db=services.db, entry_id=entry, outcome=Outcome(LedgerStatus.SKIPPED), now=DIGEST_AT
    )
    assert await due_digests(db=services.db, at=DIGEST_AT + timedelta(days=2)) == []
    # Next week is another period.
    [next_week] = await due_digests(db=services.db, at=DIGEST_AT + timedelta(days=7))
    assert next_week.period == "2026-W49"


async def test_an_occurrence_before_the_team_existed_is_not_due(
    services: Services, clock: list[datetime]
) -> None:
    clock[0] = DIGEST_AT + timedelta(minutes=5)
    team = await seed_team(services)
    await set_digest_time(services.db, team.id)
    assert await due_digests(db=services.db, at=DIGEST_AT + timedelta(hours=1)) == []


@pytest.mark.parametrize(
    ("zone", "at_utc"),
    [
        ("America/New_York", datetime(2026, 11, 23, 14, 30, tzinfo=UTC)),
        ("Asia/Tokyo", datetime(2026, 11, 23, 0, 30, tzinfo=UTC)),
    ],
)
async def test_due_at_the_teams_local_time(
    services: Services, clock: list[datetime], zone: str, at_utc: datetime
) -> None:
    clock[0] = datetime(2026, 11, 1, tzinfo=UTC)
    team = await seed_team(services, timezone=zone)
    await set_digest_time(services.db, team.id, weekday=0, at=time(9, 30))
    before = await due_digests(db=services.db, at=at_utc - timedelta(seconds=1))
    assert [d.period for d in before] == ["2026-W47"]  # last week's, missed
    [due] = await due_digests(db=services.db, at=at_utc)
    assert (due.period, due.occurrence_at, due.late) == ("2026-W48", at_utc, False)


# --- Preview and manual post ------------------------------------------------------------------


async def test_preview_says_when_the_next_digest_is_due(
    services: Services, clock: list[datetime]
) -> None:
    await seed_week(services, clock)
    preview = await preview_digest(
        db=services.db, workspace_id=WORKSPACE, channel_id="C1", now=DURING_THE_WEEK
    )
    assert preview.next_at == DIGEST_AT
    assert preview.digest.week.owners_total == 2
    with pytest.raises(UserError):
        await preview_digest(
            db=services.db, workspace_id=WORKSPACE, channel_id="CNONE", now=DURING_THE_WEEK
        )


async def test_manual_post_is_for_leads_and_claimed_once_a_week(
    services: Services, clock: list[datetime]
) -> None:
    await seed_week(services, clock)
    where: dict[str, Any] = {
        "db": services.db,
        "workspace_id": WORKSPACE,
        "channel_id": "C1",
        "claimed_by": "test",
        "now": DIGEST_AT,
        "lease": LEASE,
    }
    with pytest.raises(PermissionDenied):
        await start_manual_digest(actor=Actor("U2"), **where)
    first = await start_manual_digest(actor=Actor("U1"), **where)
    assert first.entry_id is not None
    assert first.key == LedgerKey(WORKSPACE, MANUAL_DIGEST_KIND, first.key.subject, "2026-W48")
    assert (await start_manual_digest(actor=Actor("U9", is_admin=True), **where)).entry_id is None
