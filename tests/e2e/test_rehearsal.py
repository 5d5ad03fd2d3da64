"""`polaris tick --at` rehearses a week exactly as the real minutes would: the app's wall clock
stays where it is while the ticks are run "as of" Friday and Monday."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select, update

from storage.models import LedgerEntry, Nudge, Team
from tests.conftest import PolarisServer
from tests.e2e.test_nudges import NEW_YORK_TEN, PARIS_TEN, click, dms, week  # noqa: F401

# The wall clock of the machine rehearsing: a week before the rehearsed one.
WALL = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
MONDAY_DIGEST = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)  # 09:30 Paris
MONDAY_TEN = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 10:00 Paris: the reminder
MONDAY_TEN_NEW_YORK = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


async def test_a_week_rehearsed_with_tick_at_only_sends_the_reminders_and_the_digest(
    week: PolarisServer,  # noqa: F811
    clock: list[datetime],
) -> None:
    services = week.runtime.services
    async with services.db.transaction() as session:
        await session.execute(update(Team).values(digest_weekday=0, digest_time=time(9, 30)))
    ticker = week.runtime.ticker
    clock[0] = WALL
    # Friday: every owner gets the DM at 10:00 in their zone.
    await ticker.tick(PARIS_TEN)
    await ticker.tick(NEW_YORK_TEN)
    await week.settled()
    assert [len(dms(week, u)) for u in ("U1", "U2", "U3")] == [1, 1, 1]
    # U1 answers "No change" at 11:00 on the rehearsed Friday.
    [dm] = dms(week, "U1")
    clock[0] = PARIS_TEN + timedelta(hours=1)
    await click(week, dm, "nudge_no_change", user_id="U1")
    await week.fake.wait_for("chat.update")
    clock[0] = WALL
    # Monday: the digest at 09:30, the reminders at 10:00 in each owner's zone.
    for at in (MONDAY_DIGEST, MONDAY_TEN, MONDAY_TEN + timedelta(hours=1), MONDAY_TEN_NEW_YORK):
        await ticker.tick(at)
    await week.settled()
    assert [len(dms(week, u)) for u in ("U1", "U2", "U3")] == [1, 2, 2]
    assert "still waiting" in json.dumps(dms(week, "U3")[1].args["blocks"])
    [digest] = [
        c
        for c in week.fake.calls_to("chat.postMessage")
        if c.args.get("channel") == "C1" and not c.args.get("thread_ts")
    ]
    assert "`KR-3` Onboarding v2" in json.dumps(digest.args["blocks"], ensure_ascii=False)
    async with services.db.transaction() as session:
        nudges = {n.user_id: n for n in await session.scalars(select(Nudge))}
        ledger = (await session.scalars(select(LedgerEntry))).all()
    assert nudges["U1"].sent_at == PARIS_TEN and nudges["U1"].reminded_at is None
    assert nudges["U3"].sent_at == PARIS_TEN and nudges["U3"].reminded_at == MONDAY_TEN
    assert nudges["U2"].sent_at == NEW_YORK_TEN
    assert nudges["U2"].reminded_at == MONDAY_TEN_NEW_YORK
    # Every ledger row is stamped with the instant of the pass that wrote it.
    passes = {PARIS_TEN, NEW_YORK_TEN, MONDAY_DIGEST, MONDAY_TEN, MONDAY_TEN_NEW_YORK}
    assert {e.claimed_at for e in ledger} <= passes
    assert {e.sent_at for e in ledger if e.sent_at} <= passes
    assert WALL not in {e.claimed_at for e in ledger}
