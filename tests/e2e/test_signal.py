"""Fewer pings, more signal: one thread reply per check-in session, the archived post's
Reopen, the team's announcement, the digest's and the Home tab's buttons."""

from __future__ import annotations

import pytest

from tests.conftest import PolarisServer, ack_json
from tests.e2e.test_okr_journey import declare_objective, team  # noqa: F401
from tests.slack_forms import view_submission


@pytest.mark.usefixtures("team")
async def test_a_check_in_of_several_key_results_is_one_thread_reply(
    polaris: PolarisServer,
) -> None:
    await declare_objective(polaris, krs=3)
    polaris.fake.clear()
    await polaris.command("checkin")
    await polaris.fake.wait_for("views.open")
    view = polaris.fake.last_view("check_in_modal")
    values = {"1.value": "20", "1.confidence": "7", "2.value": "6", "3.value": "1"}
    assert ack_json(await polaris.interaction(view_submission(view, values))) == {}
    await polaris.fake.wait_for("chat.update")
    await polaris.settled()
    [reply] = [c for c in polaris.fake.calls_to("chat.postMessage") if c.args.get("thread_ts")]
    text = reply.args["text"]
    assert text.startswith("<@U1> checked in 3 key results:")
    assert "• `KR-1` Weekly active teams: — → 20 teams · confidence 7/10" in text
    assert "`KR-2`" in text and "`KR-3`" in text
