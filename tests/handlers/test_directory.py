"""Asking Slack about many people: paced for users.info's Tier 4 limit, bounded concurrency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient

from handlers.directory import Pacer, look_up, person_of
from tests.slack_fake import FakeSlack


def test_the_pacer_allows_a_burst_then_the_rate() -> None:
    now = [0.0]
    pacer = Pacer(per_minute=60, burst=3, clock=lambda: now[0])
    assert [pacer.reserve("T1") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert [round(pacer.reserve("T1"), 6) for _ in range(3)] == [1.0, 2.0, 3.0]
    assert pacer.reserve("T2") == 0.0, "each workspace has its own limit"
    now[0] = 10.0  # the bucket refilled (to its burst, not beyond)
    assert [pacer.reserve("T1") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert pacer.reserve("T1") > 0


def test_ten_thousand_owners_take_under_two_hours_of_slots() -> None:
    now = [0.0]
    pacer = Pacer(clock=lambda: now[0])
    last = max(pacer.reserve("T1") for _ in range(10_000))
    assert 60 * 100 < last < 2 * 3600  # never faster than Tier 4's 100 a minute


def test_a_person_from_users_info() -> None:
    person = person_of(
        {
            "id": "U1",
            "tz": "Asia/Tokyo",
            "locale": "ja-JP",
            "profile": {
                "status_emoji": ":palm_tree:",
                "status_text": "Vacances",
                "status_expiration": 1_800_000_000,
            },
        }
    )
    assert (person.timezone, person.locale, person.status_emoji) == (
        "Asia/Tokyo",
        "ja-JP",
        ":palm_tree:",
    )
    assert person.status_expires_at == datetime.fromtimestamp(1_800_000_000, UTC)
    assert person_of({"id": "U2", "profile": {"status_expiration": 0}}).status_expires_at is None


async def test_look_up_reports_people_slack_does_not_know(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("UTKY", tz="Asia/Tokyo", locale="ja-JP")
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.base_url)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    pacer = Pacer(per_minute=60, burst=1, sleep=sleep)
    people = {
        p.user_id: p
        for p in await look_up(client, "T0001", ["UTKY", "UGONE"], now=NOW, pacer=pacer)
    }
    assert people["UTKY"].timezone == "Asia/Tokyo" and people["UTKY"].found
    assert not people["UGONE"].found
    # users.info then dnd.info for UTKY, users.info for UGONE: each after the first waited.
    assert len(slept) == 2, "every call after the burst waited for its slot"
    assert all(c.args.get("include_locale") for c in fake_slack.calls_to("users.info"))


NOW = datetime(2026, 10, 30, 7, 0, tzinfo=UTC)


async def test_look_up_learns_a_running_do_not_disturb(fake_slack: FakeSlack) -> None:
    until = datetime(2026, 10, 30, 18, 0, tzinfo=UTC)
    running = (int((NOW - timedelta(hours=1)).timestamp()), int(until.timestamp()))
    later = (
        int((NOW + timedelta(hours=12)).timestamp()),
        int((NOW + timedelta(hours=20)).timestamp()),
    )
    fake_slack.add_user("UDND", tz="Europe/Paris", dnd_window=running)
    fake_slack.add_user("UNIGHT", tz="Europe/Paris", dnd_window=later)  # tonight: not now
    fake_slack.add_user("UFREE", tz="Europe/Paris")
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.base_url)
    pacer = Pacer(per_minute=6000, burst=100)
    users = ["UDND", "UNIGHT", "UFREE"]
    people = {p.user_id: p for p in await look_up(client, "T0001", users, now=NOW, pacer=pacer)}
    assert people["UDND"].dnd_until == until
    assert people["UNIGHT"].dnd_until is None
    assert people["UFREE"].dnd_until is None


async def test_an_install_without_dnd_read_goes_by_the_status_alone(
    fake_slack: FakeSlack,
) -> None:
    window = (int(NOW.timestamp()) - 60, int(NOW.timestamp()) + 3600)
    fake_slack.add_user("UDND", tz="Europe/Paris", dnd_window=window)
    fake_slack.fail("dnd.info", error="missing_scope")
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.base_url)
    pacer = Pacer(per_minute=6000, burst=100)
    [person] = await look_up(client, "T0001", ["UDND"], now=NOW, pacer=pacer)
    assert person.found and person.timezone == "Europe/Paris"
    assert person.dnd_until is None
