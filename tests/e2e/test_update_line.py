"""`/okr update` in one line reads numbers and quotes as `northstar record` does (issue 9)."""

from __future__ import annotations

from storage.models import CheckIn
from tests.conftest import PolarisServer
from tests.e2e.test_okr_journey import count, create_team, opened, submit


async def test_a_french_number_in_quotes_and_an_apostrophe_in_the_note(
    polaris: PolarisServer,
) -> None:
    polaris.fake.add_channel("C2", name="croissance")
    await create_team(polaris, user_id="UFR", channel_id="C2", name="Croissance")
    await polaris.command("new", user_id="UFR", channel_id="C2")
    view = await opened(polaris, "objective_new_modal")
    fields = {"title": "Ravir", "kr1.title": "Équipes", "kr1.target": "2 500"}
    assert await submit(polaris, view, fields, user_id="UFR") == {}
    await polaris.settled()  # the objective's post exists before the line that threads on it
    await polaris.command('update KR-1 "1 234,5" 8 c’est bon', user_id="UFR", channel_id="C2")
    [saved] = await polaris.fake.wait_for(
        "response_url:UFR", where=lambda c: "KR-1" in c.args.get("text", "")
    )
    assert "mis à jour\u202f:" in saved.args["text"]
    assert "1\u202f234,5" in saved.args["text"]
    [line] = await polaris.fake.wait_for(
        "chat.postMessage", where=lambda c: c.args.get("thread_ts") is not None
    )
    assert "c’est bon" in line.args["text"]
    assert await count(polaris, CheckIn) == 1
