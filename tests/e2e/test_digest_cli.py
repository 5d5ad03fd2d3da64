"""`polaris tick --at …` as an operator runs it: a real process posts the Monday digest of a
team seeded in its SQLite file, once however many times it runs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings
from bot.services.runtime import Services
from storage.database import Database, create_engine
from storage.migrate import upgrade
from tests.conftest import BOT_TOKEN
from tests.digest_factories import seed_week
from tests.e2e.test_cli import POLARIS, clean_env
from tests.factories import seed_check_in
from tests.slack_fake import FakeSlack

MONDAY = "2026-11-30T09:30:00+01:00"


async def seed(url: str) -> None:
    upgrade(url)
    clock = [datetime(2026, 11, 9, tzinfo=UTC)]
    services = Services(
        settings=Settings(_env_file=None, database_url=url),  # type: ignore[call-arg]
        db=Database(create_engine(url)),
        instance_id="seed",
        clock=lambda: clock[0],
    )
    try:
        await seed_week(services, clock)
        clock[0] = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
        await seed_check_in(services, 1, 45, confidence=7, note="Two new teams onboarded")
    finally:
        await services.db.dispose()


async def run_tick(cwd: Path, env: dict[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(
        *POLARIS, "tick", "--at", MONDAY,
        cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    return stdout.decode().strip()


async def test_polaris_tick_posts_the_monday_digest_once(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    url = f"sqlite:///{tmp_path / 'polaris.db'}"
    await seed(url)
    env = clean_env(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake_slack.base_url, DATABASE_URL=url)
    first = await run_tick(tmp_path, env)
    # The check-in nudges of the same Monday may be sent by the same pass.
    assert first.startswith(f"tick {MONDAY}:") and " 0 failed" in first, first
    second = await run_tick(tmp_path, env)
    assert " 0 sent" in second, second
    digests = [
        c
        for c in fake_slack.calls_to("chat.postMessage")
        if c.args.get("channel") == "C1" and not c.args.get("thread_ts")
    ]
    assert len(digests) == 1
    text = str(digests[0].args["blocks"])
    assert "Growth · weekly digest" in text
    assert "`KR-1` Weekly active teams: 100% → 90% (−10 pts)" in text
    assert fake_slack.validation_errors == []
