"""Tried as a new team would: a lead in Paris declares objectives whose KR owners never typed
/okr (New York, Tokyo, Paris, and one on vacation), then two weeks are rehearsed with ticks
"as of" chosen instants only, across the end of summer time in Paris (25 October 2026) and in
New York (1 November 2026)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from storage.models import Member, Nudge
from tests.conftest import PolarisServer, ack_json
from tests.e2e.test_nudges import click
from tests.slack_forms import block_action, view_submission

LEAD = "ULEAD"
# Owner → (zone, Slack locale): none of them ever typed /okr.
OWNERS = {
    "UNY": ("America/New_York", "en-US"),
    "UTKY": ("Asia/Tokyo", "ja-JP"),  # Polaris has no Japanese: English
    "UPAR": ("Europe/Paris", "fr-FR"),
    "UVAC": ("Europe/Paris", "fr-FR"),  # on vacation
}
# The days (UTC) rehearsed, every hour: two check-in Fridays, the Saturdays after (a
# snooze or a reminder must never land there), and the Mondays and Tuesdays of the reminders.
DAYS = {
    1: [date(2026, 10, 23), date(2026, 10, 24), date(2026, 10, 26), date(2026, 10, 27)],
    2: [date(2026, 10, 30), date(2026, 10, 31), date(2026, 11, 2), date(2026, 11, 3)],
}
INTRO = {"en": "Time for your weekly check-in", "fr": "Il est temps de faire le point"}


def _instants(days: list[date]) -> list[datetime]:
    return [
        datetime.combine(day, time(0, 0), tzinfo=UTC) + timedelta(hours=i)
        for day in days
        for i in range(24)
    ]


async def _declare(polaris: PolarisServer) -> None:
    """The lead creates the team (Paris, French, Fridays 10:00) and declares one objective
    whose four KRs are owned by people Polaris has never seen."""
    fake = polaris.fake
    await polaris.command("team", user_id=LEAD)
    await fake.wait_for("views.open", where=lambda c: c.args["view"]["callback_id"] == "team_modal")
    view = fake.last_view("team_modal")
    answer = await polaris.interaction(
        view_submission(view, {"team.name": "Growth", "archetype": "product"}, user_id=LEAD)
    )
    assert ack_json(answer) == {}
    await polaris.command("new", user_id=LEAD)
    await fake.wait_for(
        "views.open", where=lambda c: c.args["view"]["callback_id"] == "objective_new_modal"
    )
    for slots in range(2, len(OWNERS) + 1):
        view = fake.last_view("objective_new_modal")
        button = {"type": "button", "action_id": "objective_add_kr_slot", "value": str(slots)}
        await polaris.interaction(
            block_action({**button, "block_id": "x"}, user_id=LEAD, view=view)
        )
        await fake.wait_for("views.update", count=slots - 1)
    values: dict[str, str | None] = {"title": "Delight new teams"}
    for slot, owner in enumerate(OWNERS, start=1):
        values |= {
            f"kr{slot}.title": f"Result of {owner}",
            f"kr{slot}.kind": "increase_to",
            f"kr{slot}.start": "0",
            f"kr{slot}.target": "10",
            f"kr{slot}.owner": owner,
        }
    view = fake.last_view("objective_new_modal")
    assert ack_json(await polaris.interaction(view_submission(view, values, user_id=LEAD))) == {}
    await polaris.settled()


async def _rehearse(
    polaris: PolarisServer, clock: list[datetime], instants: list[datetime]
) -> list[tuple[datetime, Any]]:
    """Tick at each instant (as `polaris tick --at` does); the DMs to owners each one sent."""
    sent: list[tuple[datetime, Any]] = []
    for at in instants:
        before = len(polaris.fake.calls)
        clock[0] = at
        await polaris.runtime.ticker.tick(at)
        sent += [
            (at, c)
            for c in polaris.fake.calls[before:]
            if c.method == "chat.postMessage" and c.args.get("channel") in OWNERS
        ]
    return sent


async def _answer(polaris: PolarisServer, dm: Any, action_id: str, user: str) -> None:
    await click(polaris, dm, action_id, user_id=user)
    await polaris.settled()


def _local(at: datetime, owner: str) -> datetime:
    return at.astimezone(ZoneInfo(OWNERS[owner][0]))


def _utc(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


async def test_two_weeks_of_a_new_team_across_the_end_of_summer_time(
    polaris_on_clock: PolarisServer, clock: list[datetime]
) -> None:
    polaris, fake = polaris_on_clock, polaris_on_clock.fake
    fake.add_user(LEAD, tz="Europe/Paris", locale="fr-FR")
    for owner, (zone, locale) in OWNERS.items():
        fake.add_user(owner, tz=zone, locale=locale)
    fake.add_user(
        "UVAC", tz="Europe/Paris", locale="fr-FR", status_emoji=":palm_tree:", status_text="Congés"
    )
    clock[0] = datetime(2026, 10, 19, 9, 0, tzinfo=UTC)  # the Monday before
    await _declare(polaris)
    # Learned as soon as the lead named them, before any nudge was planned.
    async with polaris.runtime.services.db.transaction() as session:
        members = {m.user_id: m for m in await session.scalars(select(Member))}
    assert {u: members[u].timezone for u in OWNERS} == {u: z for u, (z, _) in OWNERS.items()}
    fake.clear()

    # Week 1: Paris answers "no change", Tokyo skips, New York stays silent.
    fridays = await _rehearse(polaris, clock, _instants(DAYS[1][:2]))
    by_owner = {c.args["channel"]: (at, c) for at, c in fridays}
    assert sorted(c.args["channel"] for _, c in fridays) == ["UNY", "UPAR", "UTKY"]
    assert {o: at for o, (at, _) in by_owner.items()} == {
        "UTKY": _utc(2026, 10, 23, 1),  # 10:00 JST
        "UPAR": _utc(2026, 10, 23, 8),  # 10:00 CEST
        "UNY": _utc(2026, 10, 23, 14),  # 10:00 EDT
    }
    for owner, (at, dm) in by_owner.items():
        assert _local(at, owner).time() == time(10, 0)
        language = "fr" if owner == "UPAR" else "en"
        assert INTRO[language] in json.dumps(dm.args["blocks"], ensure_ascii=False), owner
    await _answer(polaris, by_owner["UPAR"][1], "nudge_no_change", "UPAR")
    await _answer(polaris, by_owner["UTKY"][1], "nudge_skip", "UTKY")
    mondays = await _rehearse(polaris, clock, _instants(DAYS[1][2:]))
    # Only New York did not answer: one reminder, Monday 10:00 in New York (still EDT).
    assert [(at, c.args["channel"]) for at, c in mondays] == [(_utc(2026, 10, 26, 14), "UNY")]
    assert "A gentle reminder" in json.dumps(mondays[0][1].args["blocks"])

    # Week 2, after Paris left summer time (25 October), New York not yet (1 November).
    fridays = await _rehearse(polaris, clock, _instants(DAYS[2][:2]))
    by_owner = {c.args["channel"]: (at, c) for at, c in fridays}
    assert sorted(c.args["channel"] for _, c in fridays) == ["UNY", "UPAR", "UTKY"]
    assert {o: at for o, (at, _) in by_owner.items()} == {
        "UTKY": _utc(2026, 10, 30, 1),  # 10:00 JST
        "UPAR": _utc(2026, 10, 30, 9),  # 10:00 CET: an hour later in UTC than last week
        "UNY": _utc(2026, 10, 30, 14),  # 10:00 EDT
    }
    await _answer(polaris, by_owner["UTKY"][1], "nudge_no_change", "UTKY")
    mondays = await _rehearse(polaris, clock, _instants(DAYS[2][2:]))
    # Paris and New York stayed silent: one reminder each at 10:00 their time, New York's
    # now in EST (an hour later in UTC than the Friday before).
    assert [(at, c.args["channel"]) for at, c in mondays] == [
        (_utc(2026, 11, 2, 9), "UPAR"),
        (_utc(2026, 11, 2, 15), "UNY"),
    ]
    for at, dm in mondays:
        assert _local(at, dm.args["channel"]).time() == time(10, 0)

    # The vacation owner was never nudged; their weeks are recorded as away.
    assert all(c.args.get("channel") != "UVAC" for c in fake.calls_to("chat.postMessage"))
    async with polaris.runtime.services.db.transaction() as session:
        away = [n.period for n in await session.scalars(select(Nudge)) if n.user_id == "UVAC"]
        answers = {n.answer for n in await session.scalars(select(Nudge)) if n.user_id == "UVAC"}
    assert sorted(away) == ["2026-W43", "2026-W44"] and answers == {"away"}
    # The Monday digests do not list the vacation owner as waiting.
    digests = [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == "C1"]
    assert digests and all("UVAC" not in json.dumps(d.args) for d in digests[-2:])
    assert "UNY" in json.dumps(digests[-1].args), "a silent owner is still waited for"
    # Nothing was sent twice: ticking the whole fortnight again sends nothing.
    again = await _rehearse(polaris, clock, _instants(DAYS[1] + DAYS[2])[::3])
    assert again == []


async def test_paused_notifications_keep_the_dm_away_until_they_resume(
    polaris_on_clock: PolarisServer, clock: list[datetime]
) -> None:
    """Paris is in do not disturb until Friday noon of week 1: no DM that week, and the week
    is recorded as away; week 2's DM comes as usual."""
    polaris, fake = polaris_on_clock, polaris_on_clock.fake
    fake.add_user(LEAD, tz="Europe/Paris", locale="fr-FR")
    for owner, (zone, locale) in OWNERS.items():
        fake.add_user(owner, tz=zone, locale=locale)
    # Do not disturb from Thursday evening to Friday noon in Paris, as Slack shows it a bot.
    window = (_utc(2026, 10, 22, 18), _utc(2026, 10, 23, 10))
    fake.add_user(
        "UPAR",
        tz="Europe/Paris",
        locale="fr-FR",
        dnd_window=(int(window[0].timestamp()), int(window[1].timestamp())),
    )
    clock[0] = datetime(2026, 10, 19, 9, 0, tzinfo=UTC)
    await _declare(polaris)
    fake.clear()

    week1 = await _rehearse(polaris, clock, _instants(DAYS[1][:2]))
    assert sorted(c.args["channel"] for _, c in week1) == ["UNY", "UTKY", "UVAC"]
    week2 = await _rehearse(polaris, clock, _instants(DAYS[2][:2]))
    assert sorted(c.args["channel"] for _, c in week2) == ["UNY", "UPAR", "UTKY", "UVAC"]
    async with polaris.runtime.services.db.transaction() as session:
        paris = {
            n.period: n.answer for n in await session.scalars(select(Nudge)) if n.user_id == "UPAR"
        }
    assert paris["2026-W43"] == "away" and paris["2026-W44"] != "away"
    assert fake.calls_to("dnd.info"), "Slack was asked"
