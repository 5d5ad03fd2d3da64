"""Slack gets its answer at the ack; what the listener does after goes on in the background."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from handlers.context import Answer, after
from tests.conftest import PolarisServer, replace_okr_list


async def test_slack_gets_its_answer_while_the_listener_goes_on(
    polaris: PolarisServer, monkeypatch
) -> None:
    release = asyncio.Event()
    finished = asyncio.Event()

    async def slow_after_ack(req: Any) -> Any:
        async def finish() -> None:
            await release.wait()
            await req.respond(text="Done", response_type="ephemeral")
            finished.set()

        return Answer({"text": "On it"}).then(finish)

    replace_okr_list(monkeypatch, slow_after_ack)
    response = await polaris.command("list")
    assert response.status_code == 200
    assert response.text == "On it"  # Bolt acks a bare text as text/plain
    assert not finished.is_set()
    assert polaris.runtime.services.background.pending == 1
    release.set()
    # C1 has no team yet, so /okr also offers to create one there: a second response_url
    # post that may or may not have arrived by now.
    replies = await polaris.fake.wait_for("response_url:U1")
    assert replies[0].args["text"] == "Done"
    await asyncio.wait_for(finished.wait(), 5)


async def test_an_error_after_the_ack_is_reported_to_the_user(
    polaris: PolarisServer, monkeypatch
) -> None:
    async def breaks_after_ack(req: Any) -> Any:
        async def breaks() -> None:
            raise RuntimeError("disk full")

        return after(breaks)

    replace_okr_list(monkeypatch, breaks_after_ack)
    response = await polaris.command("list")
    assert response.status_code == 200
    [answer] = await polaris.fake.wait_for("response_url:U1")
    assert "Sorry, something went wrong on our side (reference " in answer.args["text"]
    assert "disk full" not in answer.args["text"]


async def test_an_error_before_the_ack_gets_a_short_answer_with_a_reference(
    polaris: PolarisServer, monkeypatch
) -> None:
    async def broken(req: Any) -> None:
        raise RuntimeError("database on fire")

    replace_okr_list(monkeypatch, broken)
    response = await polaris.command("list")
    assert "database on fire" not in response.text
    [answer] = await polaris.fake.wait_for("response_url:U1")
    assert answer.args["response_type"] == "ephemeral"
    assert "Sorry, something went wrong on our side (reference " in answer.args["text"]
    assert "database on fire" not in answer.args["text"]
    assert polaris.runtime.services.background.pending == 0


async def test_an_event_is_answered_before_its_listener_talks_to_slack(
    polaris: PolarisServer,
) -> None:
    event = {"type": "app_home_opened", "user": "U1", "tab": "home", "channel": "D1"}
    await polaris.event(event, event_id="EvWARM")  # caches U1's profile (users.info)
    await polaris.fake.wait_for("views.publish")
    polaris.fake.latency = 1.0  # every Slack call now takes a second
    started = time.monotonic()
    response = await polaris.event(event, event_id="EvSLOW")
    assert response.status_code == 200
    assert time.monotonic() - started < 0.8, "the ack waited for views.publish"
    await polaris.fake.wait_for("views.publish", count=2, timeout=5)
