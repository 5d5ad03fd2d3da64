"""`polaris tick` killed with SIGKILL in the middle of a Friday's check-in DMs, at several
points, then run again after the claim lease: every owner has exactly one DM in Slack (no
duplicate, no loss), and the ledger says so. The real process and database, the fake Slack.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.services.nudges import NUDGE
from bot.services.runtime import Services
from storage.models import LedgerEntry, Nudge
from tests.conftest import BOT_TOKEN
from tests.e2e.test_cli import clean_env
from tests.factories import seed_friday_owners
from tests.slack_fake import FakeSlack

OWNERS = 60  # twelve objectives of five key results, one owner each
UNSEEN = 5  # owners Polaris never heard of: learned from Slack by the tick itself
FRIDAY_TEN_PARIS = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def owner(i: int) -> str:
    return f"UOWN{i:03d}"


async def seed_friday(services: Services, fake: FakeSlack) -> None:
    owners = [owner(i) for i in range(OWNERS)]
    # Fresh profiles, so that the tick asks Slack nothing about them; UNSEEN never seen.
    await seed_friday_owners(
        services, fake, owners, known=OWNERS - UNSEEN, now=FRIDAY_TEN_PARIS - timedelta(hours=1)
    )


async def run_tick(
    fake: FakeSlack, env: dict[str, str], at: datetime, *, kill_after_dms: int | None
) -> int | None:
    """`polaris tick --at at`; with `kill_after_dms`, SIGKILLed once Slack got that many more
    DMs. Returns the exit code (None when killed)."""
    before = len(fake.calls_to("chat.postMessage"))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "tick", "--at", at.isoformat(),
        env=env, cwd=env["HOME"],
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    if kill_after_dms is None:
        return await asyncio.wait_for(process.wait(), timeout=120)
    async with asyncio.timeout(120):
        while len(fake.calls_to("chat.postMessage")) - before < kill_after_dms:
            if process.returncode is not None:
                return process.returncode
            await asyncio.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    await process.wait()
    return None


async def test_a_tick_killed_at_random_points_sends_every_dm_exactly_once(
    services: Services, fake_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    await seed_friday(services, fake_slack)
    fake_slack.latency = 0.02  # DMs in flight when the kill comes
    seed = random.randrange(1_000_000)
    kills = sorted(random.Random(seed).sample(range(1, OWNERS // 3), 3))
    env = clean_env(
        HOME=str(tmp_path),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=fake_slack.base_url,
        DATABASE_URL=database_url,
        POLARIS_CLAIM_LEASE_SECONDS=str(int(LEASE.total_seconds())),
        POLARIS_LOG_LEVEL="warning",
    )
    at = FRIDAY_TEN_PARIS
    for minute, kill_after in enumerate(kills):
        at = FRIDAY_TEN_PARIS + timedelta(minutes=minute)
        await run_tick(fake_slack, env, at, kill_after_dms=kill_after)
    for later in (1, 2):  # the claims of the killed processes are taken over after the lease
        code = await run_tick(
            fake_slack, env, at + LEASE + timedelta(minutes=later), kill_after_dms=None
        )
        assert code == 0, f"seed {seed}"

    dms = {owner(i): 0 for i in range(OWNERS)}
    for (channel, _), message in fake_slack._messages.items():
        if channel.startswith("D") and message.get("metadata"):
            dms[channel[1:]] += 1
    assert sorted(set(dms.values())) == [1], f"seed {seed}, kills {kills}: {dms}"
    async with services.db.transaction() as session:
        statuses = await session.execute(
            select(LedgerEntry.status, func.count())
            .where(LedgerEntry.kind == NUDGE)
            .group_by(LedgerEntry.status)
        )
        recorded = await session.scalar(
            select(func.count()).select_from(Nudge).where(Nudge.dm_ts.is_not(None))
        )
    # A process killed between recording the DM on its nudge and closing its ledger entry
    # leaves the entry "claimed": the nudge row is what says the DM is out (and its buttons
    # work), so no tick plans it again.
    assert set(dict(statuses.all())) <= {"sent", "claimed"}, f"seed {seed}"
    assert recorded == OWNERS, f"seed {seed}"
