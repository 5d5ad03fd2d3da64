"""A Friday of 1,000 owners while Slack misbehaves in every way it does: rate limits, 5xx
before and after posting, timeouts before and after posting, and final refusals. Then the
next ticks. Counted from what Slack holds: no DM twice, none lost but those Slack refuses
for good, and the ledger agrees."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.services.nudges import NUDGE
from storage.models import LedgerEntry
from tests.conftest import PolarisServer
from tests.factories import seed_friday_owners

OWNERS = 1000
FRIDAY_TEN_PARIS = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TIMEOUT = 0.5


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A short Slack timeout, so that a call held back by the fake times out quickly."""
    return settings.model_copy(update={"polaris_slack_timeout_seconds": TIMEOUT})


def owner(i: int) -> str:
    return f"UOWN{i:04d}"


@pytest.fixture
async def friday(polaris_on_clock: PolarisServer, clock: list[datetime]) -> PolarisServer:
    polaris, services = polaris_on_clock, polaris_on_clock.runtime.services
    clock[0] = FRIDAY_TEN_PARIS - timedelta(hours=1)
    owners = [owner(i) for i in range(OWNERS)]
    await seed_friday_owners(services, polaris.fake, owners, known=OWNERS, now=clock[0])
    polaris.fake.clear()
    return polaris


FINAL = 6  # DMs Slack refuses for good: recorded as skipped, never sent


def misbehave(polaris: PolarisServer) -> None:
    """Queue one of each fault Slack serves, in the order DMs go out."""
    fail = polaris.fake.fail
    fail("chat.postMessage", status=429, retry_after=1, times=3)  # waited out, then posted
    fail("chat.postMessage", status=500, times=4)  # refused before posting
    fail("chat.postMessage", status=503, after_serving=True, times=4)  # posted, answer lost
    fail("chat.postMessage", status=500, delay=TIMEOUT * 3, times=2)  # timeout, not posted
    fail("chat.postMessage", status=500, delay=TIMEOUT * 3, after_serving=True, times=3)
    for code in ("account_inactive", "channel_not_found", "is_archived", "user_not_found"):
        fail("chat.postMessage", error=code)
    fail("chat.postMessage", error="cannot_dm_bot", times=2)


async def test_a_thousand_dms_through_every_fault_each_sent_once(
    friday: PolarisServer, clock: list[datetime]
) -> None:
    misbehave(friday)
    ticker = friday.runtime.ticker
    first = await ticker.tick(FRIDAY_TEN_PARIS)
    for minute in (1, 2):
        clock[0] = FRIDAY_TEN_PARIS + timedelta(minutes=minute)
        await ticker.tick(clock[0])
    await friday.settled()

    in_slack = Counter(
        channel[1:] for (channel, _), m in friday.fake._messages.items() if channel[0] == "D"
    )
    async with friday.runtime.services.db.transaction() as session:
        entries = (
            await session.execute(
                select(LedgerEntry.subject, LedgerEntry.status).where(LedgerEntry.kind == NUDGE)
            )
        ).all()
    status_of = {subject.split(":", 1)[1]: status for subject, status in entries}
    assert Counter(status_of.values()) == {"sent": OWNERS - FINAL, "skipped": FINAL}
    assert first.failed == 4 + 4 + 2 + 3  # what the client did not retry, and why
    for i in range(OWNERS):
        expected = 1 if status_of[owner(i)] == "sent" else 0
        assert in_slack[owner(i)] == expected, owner(i)
