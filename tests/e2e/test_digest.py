"""The weekly digest end to end: the real app over HTTP, the real DigestJob driven by
`Ticker.tick(at)` as `polaris tick --at` does, a recording fake of Slack."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.scheduler import Ticker
from bot.services.digest import DIGEST_KIND, MANUAL_DIGEST_KIND, MISSED
from bot.services.ledger import LedgerKey, claim_post
from handlers.jobs.digest import DigestJob
from handlers.slack_io import marker_metadata
from storage.models import LedgerEntry, Team
from tests.conftest import PolarisServer, ack_json
from tests.digest_factories import DIGEST_AT, DROP_NOTE, seed_week, set_digest_time
from tests.factories import WORKSPACE, kr_draft, seed_objective, seed_team
from tests.slack_fake import Call, FakeSlack


def digest_job(polaris: PolarisServer) -> DigestJob:
    [job] = [j for j in polaris.runtime.ticker.jobs if isinstance(j, DigestJob)]
    return job


def ticker(polaris: PolarisServer) -> Ticker:
    """A ticker running only the real DigestJob of the runtime (the check-in nudges, another
    job of the same ticker, are tested on their own)."""
    return Ticker(services=polaris.runtime.services, jobs=[digest_job(polaris)])


async def tick(
    polaris: PolarisServer, clock: list[datetime], at: datetime, one: Ticker | None = None
):
    clock[0] = at
    return await (one or ticker(polaris)).tick(at)


def posts(fake: FakeSlack, channel: str = "C1") -> list[Call]:
    """Top-level messages posted in `channel` (thread replies left out)."""
    return [
        c
        for c in fake.calls_to("chat.postMessage")
        if c.args.get("channel") == channel and not c.args.get("thread_ts")
    ]


async def ledger(polaris: PolarisServer, kind: str = DIGEST_KIND) -> list[LedgerEntry]:
    async with polaris.runtime.services.db.transaction() as session:
        rows = await session.scalars(
            select(LedgerEntry).where(LedgerEntry.kind == kind).order_by(LedgerEntry.id)
        )
        return list(rows.all())


def stored_messages(fake: FakeSlack, channel: str = "C1") -> list[dict[str, Any]]:
    return [m for (ch, _), m in fake._messages.items() if ch == channel and not m.get("thread_ts")]


@pytest.fixture
async def week(polaris_on_clock: PolarisServer, clock: list[datetime]) -> PolarisServer:
    await seed_week(polaris_on_clock.runtime.services, clock)
    polaris_on_clock.fake.clear()
    return polaris_on_clock


async def test_the_runtime_ticks_the_digest_job(polaris: PolarisServer) -> None:
    assert any(isinstance(j, DigestJob) for j in polaris.runtime.ticker.jobs)


async def test_monday_0930_in_paris_posts_one_digest_with_the_weeks_numbers(
    week: PolarisServer, clock: list[datetime]
) -> None:
    before = await tick(week, clock, DIGEST_AT - timedelta(minutes=1))
    await week.settled()
    assert posts(week.fake) == [] and before.skipped == 1  # last week's, missed: recorded
    report = await tick(week, clock, DIGEST_AT)
    assert (report.due, report.sent) == (1, 1)
    [post] = posts(week.fake)
    text = str(post.args["blocks"])
    assert "Growth · weekly digest" in text
    assert "`KR-1` Weekly active teams: 40% → 100% (+60 pts)" in text
    assert "confidence 8 → 3" in text and DROP_NOTE in text
    assert "*2/3* key results checked in · *1/2* owners complete" in text
    assert "`KR-3` Digest shipped" in text
    assert "Posted late" not in text
    assert "Linked to nothing" in text
    [entry] = [e for e in await ledger(week) if e.period == "2026-W48"]
    assert (entry.status, entry.slack_channel) == ("sent", "C1")
    assert entry.slack_ts == stored_messages(week.fake)[0]["ts"]
    # Ticking the same instant again, later, or from another instance: nothing new.
    again = await tick(week, clock, DIGEST_AT)
    other = Ticker(services=week.runtime.services, jobs=[digest_job(week)])
    third = await tick(week, clock, DIGEST_AT + timedelta(minutes=1), other)
    await week.settled()
    assert (again.sent, third.sent, again.due, third.due) == (0, 0, 0, 0)
    assert len(posts(week.fake)) == 1
    assert week.fake.validation_errors == []


async def test_a_new_teams_first_digest_is_a_kick_off_in_its_language(
    polaris_on_clock: PolarisServer, clock: list[datetime]
) -> None:
    """A lead declared the OKRs; nobody checked in yet, no digest was ever posted."""
    await seed_week(
        polaris_on_clock.runtime.services, clock, with_check_ins=False, earlier_digest=False
    )
    async with polaris_on_clock.runtime.services.db.transaction() as session:
        team = (await session.scalars(select(Team))).one()
        team.locale = "fr"
        session.add(team)
    polaris_on_clock.fake.clear()
    report = await tick(polaris_on_clock, clock, DIGEST_AT)
    await polaris_on_clock.settled()
    assert report.sent == 1
    [post] = posts(polaris_on_clock.fake)
    text = json.dumps(post.args["blocks"], ensure_ascii=False)
    assert "Growth · lancement" in text and "calme" not in text
    assert "2 objectifs et 3 résultats clés" in text
    # The team checks in on Mondays at 09:00 and digests at 09:30, Paris time.
    assert "lundi 30 nov. à 9\u00a0h." in text and "lundi 30 nov. à 9\u00a0h\u00a030," in text
    assert "O-1" in text and "O-2" in text
    # The week after, it is a weekly digest (a quiet one), no more a kick-off.
    await tick(polaris_on_clock, clock, DIGEST_AT + timedelta(days=7))
    await polaris_on_clock.settled()
    second = str(posts(polaris_on_clock.fake)[-1].args["blocks"])
    assert "lancement" not in second and "Semaine calme" in second and "O-1" in second


async def test_two_instances_ticking_together_post_once(
    week: PolarisServer, clock: list[datetime]
) -> None:
    import asyncio

    clock[0] = DIGEST_AT
    one, other = ticker(week), ticker(week)
    await asyncio.gather(one.tick(DIGEST_AT), other.tick(DIGEST_AT))
    await week.settled()
    assert len(posts(week.fake)) == 1


async def claimed_by_a_dead_process(week: PolarisServer) -> tuple[LedgerKey, timedelta]:
    """This week's digest claimed by a process that died: its key, and the claim lease."""
    services = week.runtime.services
    lease = timedelta(seconds=services.settings.polaris_claim_lease_seconds)
    key = LedgerKey(WORKSPACE, DIGEST_KIND, "team:1", "2026-W48")
    assert await claim_post(db=services.db, key=key, claimed_by="dead", now=DIGEST_AT, lease=lease)
    return key, lease


async def test_a_claim_left_by_a_crash_is_posted_once_after_the_lease(
    week: PolarisServer, clock: list[datetime]
) -> None:
    # Another process claimed the digest and died before posting.
    _, lease = await claimed_by_a_dead_process(week)
    report = await tick(week, clock, DIGEST_AT + timedelta(minutes=1))
    await week.settled()
    assert report.already_claimed == 1 and posts(week.fake) == []
    retaken = await tick(week, clock, DIGEST_AT + lease + timedelta(minutes=1))
    assert retaken.sent == 1
    await tick(week, clock, DIGEST_AT + lease + timedelta(minutes=2))
    await week.settled()
    assert len(posts(week.fake)) == 1
    [entry] = [e for e in await ledger(week) if e.period == "2026-W48"]
    assert (entry.status, entry.attempts) == ("sent", 2)


async def test_an_hour_late_is_posted_with_the_late_note(
    week: PolarisServer, clock: list[datetime]
) -> None:
    await tick(week, clock, DIGEST_AT + timedelta(hours=1))
    [post] = posts(week.fake)
    assert "Posted late: this digest was due Monday, Nov 23 at 9:30\u202fAM," in json.dumps(
        post.args["blocks"], ensure_ascii=False
    )


async def test_two_days_late_is_skipped_and_recorded(
    week: PolarisServer, clock: list[datetime]
) -> None:
    report = await tick(week, clock, DIGEST_AT + timedelta(days=2))
    assert (report.due, report.skipped) == (1, 1)
    await week.settled()
    assert posts(week.fake) == []
    [entry] = [e for e in await ledger(week) if e.period == "2026-W48"]
    assert (entry.status, entry.error) == ("skipped", MISSED)
    later = await tick(week, clock, DIGEST_AT + timedelta(days=2, minutes=1))
    await week.settled()
    assert later.due == 0 and posts(week.fake) == []


async def seed_dst_team(
    polaris: PolarisServer, clock: list[datetime], *, channel: str, zone: str, cycle: str
) -> None:
    services = polaris.runtime.services
    team = await seed_team(services, channel_id=channel, name=f"Team {channel}", timezone=zone)
    await set_digest_time(services.db, team.id, weekday=0, at=time(9, 30))
    await seed_objective(services, team, cycle_key=cycle, key_results=[kr_draft()])


MARCH_SPANS = (
    # US clocks spring forward on Sunday 8 March 2026, European ones on Sunday 29 March.
    (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 10, 12, tzinfo=UTC)),
    (datetime(2026, 3, 22, tzinfo=UTC), datetime(2026, 3, 31, 12, tzinfo=UTC)),
)
OCTOBER_SPANS = (
    # European clocks fall back on Sunday 25 October 2026, American ones on Sunday 1 November.
    (datetime(2026, 10, 18, tzinfo=UTC), datetime(2026, 11, 3, 12, tzinfo=UTC)),
)


@pytest.mark.parametrize(
    ("spans", "cycle", "mondays", "missed"),
    [
        (MARCH_SPANS, "2026-Q1", [2, 9, 23, 30], ["2026-W12"]),
        (OCTOBER_SPANS, "2026-Q4", [19, 26, 2], []),
    ],
    ids=["march", "october"],
)
async def test_one_digest_a_week_at_0930_local_across_dst_changes(
    polaris_on_clock: PolarisServer,
    clock: list[datetime],
    spans: tuple[tuple[datetime, datetime], ...],
    cycle: str,
    mondays: list[int],
    missed: list[str],
) -> None:
    """A tick every 15 minutes of simulated time over the weeks around each change (the
    weeks in between are left out: their digest is then a day late, recorded as missed)."""
    polaris = polaris_on_clock
    clock[0] = spans[0][0] - timedelta(days=1)
    zones = {"CPARIS": "Europe/Paris", "CNY": "America/New_York"}
    for channel, zone in zones.items():
        await seed_dst_team(polaris, clock, channel=channel, zone=zone, cycle=cycle)
    one = ticker(polaris)
    posted_at: dict[str, list[datetime]] = {channel: [] for channel in zones}
    for start, end in spans:
        at = start
        while at <= end:
            seen = {channel: len(posts(polaris.fake, channel)) for channel in zones}
            await tick(polaris, clock, at, one)
            for channel in zones:
                if len(posts(polaris.fake, channel)) > seen[channel]:
                    posted_at[channel].append(at)
            at += timedelta(minutes=15)
    for channel, zone in zones.items():
        local = [a.astimezone(ZoneInfo(zone)) for a in posted_at[channel]]
        assert [(d.day, d.weekday(), d.time()) for d in local] == [
            (day, 0, time(9, 30)) for day in mondays
        ], (channel, local)
        assert len(posts(polaris.fake, channel)) == len(mondays)
    entries = await ledger(polaris)
    assert sorted(e.period for e in entries if e.status == "skipped") == sorted(missed * 2)
    assert sum(e.status == "sent" for e in entries) == 2 * len(mondays)
    assert polaris.fake.validation_errors == []


async def test_a_deleted_channel_is_skipped_and_not_retried(
    polaris_on_clock: PolarisServer, clock: list[datetime]
) -> None:
    await seed_week(polaris_on_clock.runtime.services, clock, channel_id="CMISSING1")
    report = await tick(polaris_on_clock, clock, DIGEST_AT)
    assert (report.due, report.skipped) == (1, 1)
    [entry] = [e for e in await ledger(polaris_on_clock) if e.period == "2026-W48"]
    assert (entry.status, entry.error) == ("skipped", "channel_not_found")
    again = await tick(polaris_on_clock, clock, DIGEST_AT + timedelta(minutes=1))
    await polaris_on_clock.settled()
    assert again.due == 0
    assert len(posts(polaris_on_clock.fake, "CMISSING1")) == 1


async def test_a_private_channel_without_the_bot_tells_the_lead_once(
    polaris_on_clock: PolarisServer, clock: list[datetime]
) -> None:
    polaris_on_clock.fake.add_channel("CPRIV", name="secret", is_private=True, is_member=False)
    await seed_week(polaris_on_clock.runtime.services, clock, channel_id="CPRIV")
    await tick(polaris_on_clock, clock, DIGEST_AT)
    await tick(polaris_on_clock, clock, DIGEST_AT + timedelta(minutes=1))
    await tick(polaris_on_clock, clock, DIGEST_AT + timedelta(hours=2))
    await polaris_on_clock.settled()
    [dm] = posts(polaris_on_clock.fake, "U1")
    assert "`/invite @Polaris`" in dm.args["text"] and "<#CPRIV>" in dm.args["text"]
    assert polaris_on_clock.fake.calls_to("conversations.join") == []


async def test_a_public_channel_without_the_bot_is_joined(
    polaris_on_clock: PolarisServer, clock: list[datetime]
) -> None:
    polaris_on_clock.fake.add_channel("CPUB", name="growth", is_member=False)
    await seed_week(polaris_on_clock.runtime.services, clock, channel_id="CPUB")
    report = await tick(polaris_on_clock, clock, DIGEST_AT)
    assert report.sent == 1
    assert [c.args["channel"] for c in polaris_on_clock.fake.calls_to("conversations.join")] == [
        "CPUB"
    ]
    assert len(stored_messages(polaris_on_clock.fake, "CPUB")) == 1


async def test_a_rate_limit_is_waited_out_and_posted_in_the_same_tick(
    week: PolarisServer, clock: list[datetime]
) -> None:
    week.fake.fail("chat.postMessage", status=429, retry_after=1)
    report = await tick(week, clock, DIGEST_AT)
    assert report.sent == 1
    first, second = posts(week.fake)
    assert second.at - first.at >= 0.9  # Retry-After honoured
    assert len(stored_messages(week.fake)) == 1


async def test_a_server_error_fails_the_tick_and_the_next_one_posts(
    week: PolarisServer, clock: list[datetime]
) -> None:
    # A post is not retried by the client (Slack may have posted before the 500): it fails.
    week.fake.fail("chat.postMessage", status=500)
    report = await tick(week, clock, DIGEST_AT)
    assert (report.sent, report.failed) == (0, 1)
    [entry] = [e for e in await ledger(week) if e.period == "2026-W48"]
    assert entry.status == "failed"
    retry = await tick(week, clock, DIGEST_AT + timedelta(minutes=1))
    assert retry.sent == 1  # Slack had not posted it: the retry looked, then posted
    assert week.fake.calls_to("conversations.history")
    assert len(stored_messages(week.fake)) == 1


async def define_with_a_reading(week: PolarisServer, clock: list[datetime]) -> None:
    """The week's team (id 1) defines its North Star and records 1,100 sessions now."""
    from bot.services.commands import RecordReading
    from bot.services.readings import record_reading
    from tests.northstar_factories import define

    services = week.runtime.services
    await define(services.db, 1, now=clock[0])
    await record_reading(
        db=services.db, cmd=RecordReading(WORKSPACE, "C1", None, 1100, None, "U1"), now=clock[0]
    )


async def test_a_chart_failure_does_not_fail_the_digest(
    week: PolarisServer, clock: list[datetime]
) -> None:
    await define_with_a_reading(week, clock)
    week.fake.fail("files.getUploadURLExternal", status=200, error="internal_error", times=5)
    report = await tick(week, clock, DIGEST_AT)
    assert report.sent == 1
    assert "1,100 sessions" in str(posts(week.fake)[0].args["blocks"])


async def test_the_north_star_chart_goes_into_the_thread(
    week: PolarisServer, clock: list[datetime]
) -> None:
    await define_with_a_reading(week, clock)
    await tick(week, clock, DIGEST_AT)
    # The first chart starts a worker process that imports matplotlib: seconds on a busy host.
    [complete] = await week.fake.wait_for("files.completeUploadExternal", timeout=30)
    [message] = stored_messages(week.fake)
    assert complete.args.get("thread_ts") == message["ts"]
    assert complete.args.get("channel_id") == "C1"


# --- /okr digest ------------------------------------------------------------------------------


async def test_okr_digest_shows_a_private_preview(
    week: PolarisServer, clock: list[datetime]
) -> None:
    clock[0] = DIGEST_AT - timedelta(hours=1)
    ack_json(await week.command("digest"))
    [answer] = await week.fake.wait_for("response_url:U1")
    assert answer.args["response_type"] == "ephemeral"
    text = json.dumps(answer.args["blocks"], ensure_ascii=False)
    assert "*Preview*, only you can see it" in text and "Monday, Nov 23 at 9:30\u202fAM" in text
    assert "`KR-1` Weekly active teams" in text
    await week.settled()
    assert posts(week.fake) == []


async def test_okr_digest_post_is_for_leads_and_posts_once(
    week: PolarisServer, clock: list[datetime]
) -> None:
    week.fake.add_user("U2", locale="en-US")
    clock[0] = DIGEST_AT - timedelta(hours=1)
    ack_json(await week.command("digest post", user_id="U2"))
    [refusal] = await week.fake.wait_for("response_url:U2")
    assert "Only the team lead or a workspace admin" in refusal.args["text"]
    ack_json(await week.command("digest post"))
    ack_json(await week.command("digest post"))
    answers = await week.fake.wait_for("response_url:U1", 2)
    texts = sorted(a.args.get("text", "") for a in answers)
    assert texts == [
        "Posted this week's digest in <#C1>.",
        "This week's digest was already posted in <#C1>.",
    ]
    await week.settled()
    assert len(posts(week.fake)) == 1
    [entry] = await ledger(week, MANUAL_DIGEST_KIND)
    assert (entry.status, entry.subject, entry.period) == ("sent", "team:1", "2026-W48")


def marked(fake: FakeSlack, channel: str = "C1") -> list[dict[str, Any]]:
    """Messages in `channel` that carry a scheduled post's marker (what Slack holds)."""
    return [m for m in stored_messages(fake, channel) if m.get("metadata")]


@pytest.mark.parametrize("status", [500, 503])
async def test_a_digest_slack_posted_before_an_error_is_found_not_posted_again(
    week: PolarisServer, clock: list[datetime], status: int
) -> None:
    await define_with_a_reading(week, clock)  # so that the digest has a thread: its chart
    # Slack posts, then the answer is lost (a 5xx, as from a proxy): the client must not retry.
    week.fake.fail("chat.postMessage", status=status, after_serving=True)
    first = await tick(week, clock, DIGEST_AT)
    await week.settled()
    assert first.failed == 1 and len(marked(week.fake)) == 1
    again = await tick(week, clock, DIGEST_AT + timedelta(minutes=1))
    [chart] = await week.fake.wait_for("files.completeUploadExternal", timeout=30)
    [post] = marked(week.fake)
    assert again.sent == 1 and chart.args["thread_ts"] == post["ts"]  # the retry finished it
    [entry] = [e for e in await ledger(week) if e.period == "2026-W48"]
    assert (entry.status, entry.attempts, entry.slack_ts) == ("sent", 2, post["ts"])
    assert len(week.fake.calls_to("conversations.history")) == 1  # only the retry looked


async def test_a_digest_a_crashed_tick_left_in_slack_is_not_posted_again(
    week: PolarisServer, clock: list[datetime]
) -> None:
    # A process claimed the digest, posted it and was killed before recording it.
    key, lease = await claimed_by_a_dead_process(week)
    client = AsyncWebClient(token="xoxb-test", base_url=week.fake.base_url)
    await client.chat_postMessage(channel="C1", text="digest", metadata=marker_metadata(key))
    retaken = await tick(week, clock, DIGEST_AT + lease + timedelta(minutes=1))
    await week.settled()
    [post] = marked(week.fake)
    assert retaken.sent == 1 and post["text"] == "digest"
    [entry] = [e for e in await ledger(week) if e.period == "2026-W48"]
    assert (entry.status, entry.slack_ts) == ("sent", post["ts"])
