"""Buttons and modals of an older Polaris (ids this version no longer has), over signed HTTP:
a short "out of date" in the reader's language with the way to do it now, never Bolt's 404."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from slack_sdk.models.views import View

from handlers.ids import NorthStarAction
from tests.conftest import PolarisServer, ack_json
from tests.slack_forms import block_action, view_submission

OUT_OF_DATE = {"U1": "This button is out of date", "UFR": "Ce bouton n’est plus à jour"}


def old_modal(callback_id: str = "okr_wizard_v0") -> dict[str, Any]:
    return {
        "id": "V9",
        "hash": "h",
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": "",
        "blocks": [
            {
                "type": "input",
                "block_id": "title",
                "label": {"type": "plain_text", "text": "Title"},
                "element": {"type": "plain_text_input", "action_id": "title"},
            }
        ],
    }


def interaction(kind: str, user_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "team": {"id": "T0001", "domain": "acme"},
        "user": {"id": user_id, "team_id": "T0001"},
        "api_app_id": "A0001",
        "token": "verification",
        "trigger_id": "1337.42.x",
        **fields,
    }


@pytest.fixture
def no_unhandled(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.WARNING)
    return caplog


def assert_handled(caplog: pytest.LogCaptureFixture) -> None:
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [m for m in said if "nhandled" in m], said


@pytest.mark.parametrize("user", ["U1", "UFR"])
async def test_an_unknown_button_on_a_message_says_it_is_out_of_date(
    polaris: PolarisServer, no_unhandled: pytest.LogCaptureFixture, user: str
) -> None:
    button = {"action_id": "okr_celebrate_v0", "block_id": "b", "type": "button", "value": "7"}
    payload = block_action(
        button,
        user_id=user,
        channel_id="C1",
        message={"ts": "1700000000.000100"},
        response_url=polaris.fake.response_url(user),
    )
    assert ack_json(await polaris.interaction(payload)) == {}
    [said] = await polaris.fake.wait_for(f"response_url:{user}")
    assert OUT_OF_DATE[user] in said.args["text"]
    assert "`/okr help`" in said.args["text"]
    assert_handled(no_unhandled)


async def test_an_unknown_button_in_a_modal_is_told_in_a_dm(polaris: PolarisServer) -> None:
    button = {"action_id": "okr_wizard_next", "block_id": "b", "type": "button", "value": "2"}
    assert ack_json(await polaris.interaction(block_action(button, view=old_modal()))) == {}
    [said] = await polaris.fake.wait_for("chat.postMessage")
    assert said.args["channel"] == "U1"
    assert OUT_OF_DATE["U1"] in said.args["text"]


async def test_a_known_field_without_a_listener_is_only_acked(polaris: PolarisServer) -> None:
    field = {"action_id": NorthStarAction.INPUT.value, "block_id": "ns_name", "type": "x"}
    assert ack_json(await polaris.interaction(block_action(field, view=old_modal()))) == {}
    await polaris.settled()
    assert [c.method for c in polaris.fake.calls if c.method != "users.info"] == ["auth.test"]


@pytest.mark.parametrize(
    ("user", "expected"),
    [("U1", "This form is out of date"), ("UFR", "Ce formulaire n’est plus à jour")],
)
async def test_an_unknown_modal_submitted_is_replaced_by_one_that_says_so(
    polaris: PolarisServer, no_unhandled: pytest.LogCaptureFixture, user: str, expected: str
) -> None:
    answer = ack_json(await polaris.interaction(view_submission(old_modal(), {}, user_id=user)))
    assert answer["response_action"] == "update"
    View(**answer["view"]).to_dict()  # valid for Slack
    assert expected in str(answer["view"]["blocks"])
    assert "submit" not in answer["view"]
    assert_handled(no_unhandled)


async def test_other_old_interactions_get_a_plain_answer(
    polaris: PolarisServer, no_unhandled: pytest.LogCaptureFixture
) -> None:
    closed = interaction("view_closed", "U1", view=old_modal(), is_cleared=False)
    assert (await polaris.interaction(closed)).status_code == 200
    options = interaction(
        "block_suggestion", "U1", action_id="okr_pick_v0", block_id="b", value="ab",
        view=old_modal(),
    )  # fmt: skip
    assert ack_json(await polaris.interaction(options)) == {"options": []}
    shortcut = interaction("shortcut", "U1", callback_id="okr_quick_update_v0")
    assert (await polaris.interaction(shortcut)).status_code == 200
    [said] = await polaris.fake.wait_for("chat.postMessage")
    assert OUT_OF_DATE["U1"] in said.args["text"]
    assert_handled(no_unhandled)
