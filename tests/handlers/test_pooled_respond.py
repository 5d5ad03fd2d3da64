"""The response_url reply goes over the app's pooled HTTP session, as Bolt's would, minus
a new connection per reply."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_bolt.context.respond.async_respond import AsyncRespond

from handlers.slack_io import PooledRespond
from tests.slack_fake import FakeSlack


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as slack:
        yield slack


async def test_replies_over_the_given_session_as_bolt_would(
    fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with aiohttp.ClientSession() as session:
        opened: list[Any] = []
        real_init = aiohttp.ClientSession.__init__

        def counting_init(self: aiohttp.ClientSession, *args: Any, **kwargs: Any) -> None:
            opened.append(self)
            real_init(self, *args, **kwargs)

        monkeypatch.setattr(aiohttp.ClientSession, "__init__", counting_init)
        respond = PooledRespond(AsyncRespond(response_url=fake.response_url("cmd")), session)
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Saved"}}]
        for _ in range(2):
            result = await respond(
                text="Saved", response_type="ephemeral", replace_original=False, blocks=blocks
            )
            assert result.status_code == 200

        assert opened == []  # Bolt's respond opens (and closes) a session per reply
        calls = await fake.wait_for("response_url:cmd", count=2)
        assert [c.args["text"] for c in calls] == ["Saved", "Saved"]
        assert calls[0].args["response_type"] == "ephemeral"
        assert calls[0].args["replace_original"] is False
        assert calls[0].args["blocks"] == blocks


async def test_without_a_session_it_is_bolts_respond(fake: FakeSlack) -> None:
    respond = PooledRespond(AsyncRespond(response_url=fake.response_url("cmd")), None)
    assert (await respond(text="Saved")).status_code == 200
    [call] = await fake.wait_for("response_url:cmd")
    assert call.args["text"] == "Saved"
