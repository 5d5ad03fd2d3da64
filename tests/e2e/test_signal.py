"""Fewer pings, more signal: one thread reply per check-in session, the archived post's
Reopen, the team's announcement, the digest's and the Home tab's buttons."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from storage.models import CheckIn
from tests.conftest import PolarisServer, ack_json
from tests.e2e.test_okr_journey import create_team, declare_objective, team  # noqa: F401
from tests.slack_forms import block_action, view_submission


@pytest.mark.usefixtures("team")
async def test_a_check_in_of_several_key_results_is_one_thread_reply(
    polaris: PolarisServer,
) -> None:
    await declare_objective(polaris, krs=3)
    polaris.fake.clear()
    await polaris.command("checkin")
    await polaris.fake.wait_for("views.open")
    view = polaris.fake.last_view("check_in_modal")
    values = {"1.value": "20", "1.confidence": "7", "2.value": "6", "3.done": "checked"}
    assert ack_json(await polaris.interaction(view_submission(view, values))) == {}
    await polaris.fake.wait_for("chat.update")
    await polaris.settled()
    [reply] = [c for c in polaris.fake.calls_to("chat.postMessage") if c.args.get("thread_ts")]
    text = reply.args["text"]
    assert text.startswith("<@U1> checked in 3 key results:")
    assert "• `KR-1` Weekly active teams: 20 teams (first check-in) · confidence 7/10" in text
    assert "`KR-2`" in text and "`KR-3`" in text


def blocks_text(call: Any) -> str:
    return json.dumps(call.args.get("view", call.args).get("blocks"), ensure_ascii=False)


@pytest.mark.usefixtures("team")
async def test_the_home_tab_opens_with_what_is_due_and_no_change_for_all(
    polaris: PolarisServer,
) -> None:
    await declare_objective(polaris, krs=2)
    event = {"type": "app_home_opened", "user": "U1", "tab": "home", "channel": "D1"}
    await polaris.event(event, event_id="EvHome1")
    [home] = await polaris.fake.wait_for("views.publish")
    text = blocks_text(home)
    assert "*2 key results due* this week." in text
    assert "checkin_open" in text and "checkin_no_change_all" in text
    button = {"type": "button", "action_id": "checkin_no_change_all", "block_id": "home_due"}
    view = {**home.args["view"], "id": "VHOME", "type": "home"}
    ack_json(await polaris.interaction(block_action(button, view=view)))
    await polaris.fake.wait_for("views.publish", count=2)
    ack_json(await polaris.interaction(block_action(button, view=view)))  # a double click
    republished = await polaris.fake.wait_for("views.publish", count=3)
    await polaris.settled()
    assert "key results due" not in blocks_text(republished[-1])
    async with polaris.runtime.services.db.transaction() as session:
        rows = (await session.execute(select(CheckIn.key_result_id, CheckIn.value))).all()
    assert sorted(rows) == [(1, 10), (2, 8)], "one no-change check-in each, at the start value"


@pytest.mark.usefixtures("team")
async def test_the_digest_carries_check_in_and_home_buttons(polaris: PolarisServer) -> None:
    await declare_objective(polaris, krs=2)
    await polaris.command("update KR-1 20 7")
    await polaris.settled()
    await polaris.command("digest post")
    [digest] = await polaris.fake.wait_for(
        "chat.postMessage", where=lambda c: "digest_actions" in str(c.args.get("blocks"))
    )
    text = blocks_text(digest)
    assert "checkin_open" in text and "checkin_open_home" in text
    home = {"type": "button", "action_id": "checkin_open_home", "block_id": "digest_actions"}
    respond = polaris.fake.response_url("home")
    ack_json(await polaris.interaction(block_action(home, channel_id="C1", response_url=respond)))
    [link] = await polaris.fake.wait_for("response_url:home")
    assert "slack://app?team=T0001&id=" in link.args["text"] and "&tab=home|" in link.args["text"]
    check_in = {"type": "button", "action_id": "checkin_open", "block_id": "digest_actions"}
    ack_json(await polaris.interaction(block_action(check_in, channel_id="C1")))
    await polaris.fake.wait_for(
        "views.open", where=lambda c: c.args["view"]["callback_id"] == "check_in_modal"
    )


async def test_a_new_team_is_announced_once_in_its_channel_with_its_rhythm(
    polaris: PolarisServer,
) -> None:
    await create_team(polaris)
    [announced] = await polaris.fake.wait_for(
        "chat.postMessage", where=lambda c: c.args.get("channel") == "C1"
    )
    text = announced.args["text"]
    assert "*Growth* now runs its OKRs here with Polaris, led by <@U1>." in text
    assert "Every *Friday at 10:00\u202fAM*" in text and "Every *Monday at 9:30\u202fAM*" in text
    await polaris.command("team")  # editing the team announces nothing
    await polaris.fake.wait_for("views.open", count=2)
    view = polaris.fake.last_view("team_modal")
    assert ack_json(await polaris.interaction(view_submission(view, {}))) == {}
    await polaris.settled()
    assert len(polaris.fake.calls_to("chat.postMessage")) == 1


async def test_the_announcement_is_in_the_team_language(polaris: PolarisServer) -> None:
    polaris.fake.add_channel("C2", name="croissance")
    await create_team(polaris, user_id="UFR", channel_id="C2", name="Croissance")
    [announced] = await polaris.fake.wait_for(
        "chat.postMessage", where=lambda c: c.args.get("channel") == "C2"
    )
    assert "Chaque *vendredi à 10\xa0h*" in announced.args["text"]
