"""Tests for the Slack Web API fake and the request-signing helpers.

The fake is always driven through the real `AsyncWebClient` (and Bolt where it matters), so these
tests also pin down that the fake speaks the wire format slack_sdk expects.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.signing import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    event_body,
    interaction_body,
    slack_signature_headers,
    slash_command_body,
)
from tests.slack_fake import FakeSlack

SIGNING_SECRET = "test-signing-secret"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as slack:
        yield slack


def make_client(fake: FakeSlack, *handlers: AsyncRetryHandler) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=fake.base_url, retry_handlers=list(handlers))


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    return make_client(fake)


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(text: str, action_id: str = "act", **extra: Any) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        **extra,
    }


def rich_modal(title: str = "New objective") -> dict[str, Any]:
    """A modal using every block shape Polaris relies on; it must pass validation."""
    options = [
        {"text": {"type": "plain_text", "text": f"Q{n}"}, "value": f"q{n}"} for n in (1, 2, 3, 4)
    ]
    return {
        "type": "modal",
        "callback_id": "objective_create",
        "external_id": "objective-modal-1",
        "private_metadata": json.dumps({"team": "T0001"}),
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Create"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "North Star Metric"}},
            section("Weekly active teams", accessory=button("Edit", "nsm_edit", value="nsm")),
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "Quarter"},
                "accessory": {
                    "type": "static_select",
                    "action_id": "quarter",
                    "placeholder": {"type": "plain_text", "text": "Pick one"},
                    "options": options,
                    "initial_option": options[0],
                },
            },
            {"type": "divider"},
            {
                "type": "input",
                "block_id": "objective",
                "label": {"type": "plain_text", "text": "Objective"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": 200,
                },
            },
            {
                "type": "input",
                "block_id": "owner",
                "optional": True,
                "label": {"type": "plain_text", "text": "Owner"},
                "element": {"type": "users_select", "action_id": "value"},
            },
            {
                "type": "input",
                "block_id": "due",
                "label": {"type": "plain_text", "text": "Due"},
                "element": {
                    "type": "datepicker",
                    "action_id": "value",
                    "initial_date": "2025-03-31",
                },
            },
            {
                "type": "actions",
                "elements": [
                    button("Add key result", "kr_add", style="primary"),
                    {
                        "type": "static_select",
                        "action_id": "confidence",
                        "placeholder": {"type": "plain_text", "text": "Confidence"},
                        "options": options,
                    },
                ],
            },
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": "Owned by <@U1>"},
                    {"type": "image", "image_url": "https://example.com/a.png", "alt_text": "a"},
                ],
            },
        ],
    }


# --------------------------------------------------------------------------- recording


async def test_records_calls_with_token_args_and_time(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    before = time.monotonic()
    blocks = [section("hello")]
    first = await client.chat_postMessage(channel="C1", text="hi", blocks=blocks)
    second = await client.chat_postMessage(channel="C1", text="again")
    after = time.monotonic()

    [call, _] = fake.calls_to("chat.postMessage")
    assert call.method == "chat.postMessage"
    assert call.args == {"channel": "C1", "text": "hi", "blocks": blocks}
    assert call.token == "xoxb-test"
    assert before <= call.at <= after
    assert first["channel"] == "C1"
    assert first["message"]["blocks"] == blocks
    assert first["message"]["user"] == fake.bot_user_id
    # ts strings look like Slack's and increase strictly.
    assert first["ts"].count(".") == 1 and len(first["ts"].split(".")[1]) == 6
    assert float(second["ts"]) > float(first["ts"])
    assert fake.validation_errors == []


async def test_form_and_query_arguments_are_merged_and_json_decoded(fake: FakeSlack) -> None:
    blocks = [section("from a form")]
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{fake.base_url}chat.postMessage?unfurl_links=false",
            data={"token": "xoxb-form", "channel": "C9", "blocks": json.dumps(blocks)},
        ) as response,
    ):
        body = await response.json()
    assert body["ok"] is True
    [call] = fake.calls_to("chat.postMessage")
    assert call.token == "xoxb-form"
    assert "token" not in call.args
    assert call.args["blocks"] == blocks  # decoded from the JSON string
    assert call.args["unfurl_links"] == "false"  # from the query string


async def test_calls_without_token_are_not_authed(fake: FakeSlack) -> None:
    anonymous = AsyncWebClient(base_url=fake.base_url)
    with pytest.raises(SlackApiError) as caught:
        await anonymous.auth_test()
    assert caught.value.response["error"] == "not_authed"
    assert fake.calls_to("auth.test")[0].token is None


async def test_unknown_method(fake: FakeSlack, client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.api_call("okr.explode")
    assert caught.value.response["error"] == "unknown_method"


async def test_auth_test_identifies_the_bot(fake: FakeSlack, client: AsyncWebClient) -> None:
    response = await client.auth_test()
    assert response["team_id"] == "T0001"
    assert response["team"] == "Acme"
    assert response["user_id"] == fake.bot_user_id == "UBOT"
    assert response["bot_id"] == fake.bot_id == "BBOT"
    assert response["url"].startswith("https://")


async def test_wait_for_waits_and_reports_methods_seen(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    async def post_later() -> None:
        await asyncio.sleep(0.05)
        await client.chat_postMessage(channel="C1", text="late")

    task = asyncio.create_task(post_later())
    calls = await fake.wait_for("chat.postMessage", where=lambda c: c.args["text"] == "late")
    await task
    assert [c.args["text"] for c in calls] == ["late"]

    with pytest.raises(AssertionError, match=r"chat\.update.*chat\.postMessage"):
        await fake.wait_for("chat.update", timeout=0.05)

    fake.clear()
    assert fake.calls == []
    assert fake.calls_to("chat.postMessage") == []


async def test_latency_delays_every_answer() -> None:
    async with FakeSlack(latency=0.2) as slow:
        started = time.monotonic()
        await make_client(slow).auth_test()
        assert time.monotonic() - started >= 0.2
        assert slow.calls[0].at - started < 0.2  # recorded on arrival, before the wait


# --------------------------------------------------------------------------- users


async def test_users_info_returns_locale_only_when_asked(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.add_user("U1", locale="fr-FR", tz="Europe/Paris", real_name="Ada L.", is_admin=True)

    plain = (await client.users_info(user="U1"))["user"]
    assert "locale" not in plain
    assert plain["tz"] == "Europe/Paris"
    paris_now = datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris"))
    assert plain["tz_offset"] == paris_now.utcoffset().total_seconds()  # CET or CEST today
    assert plain["is_admin"] is True and plain["is_owner"] is False
    assert plain["deleted"] is False
    assert plain["profile"]["real_name"] == "Ada L."

    with_locale = (await client.users_info(user="U1", include_locale=True))["user"]
    assert with_locale["locale"] == "fr-FR"
    assert fake.calls_to("users.info")[-1].args["include_locale"] == "1"  # sent as a query param

    with pytest.raises(SlackApiError) as caught:
        await client.users_info(user="U404")
    assert caught.value.response["error"] == "user_not_found"


async def test_users_list_paginates(fake: FakeSlack, client: AsyncWebClient) -> None:
    for n in range(5):
        fake.add_user(f"U{n}", tz_offset=0, deleted=n == 4)
    first = await client.users_list(limit=3)
    assert [m["id"] for m in first["members"]] == ["U0", "U1", "U2"]
    cursor = first["response_metadata"]["next_cursor"]
    assert cursor
    rest = await client.users_list(limit=3, cursor=cursor)
    assert [m["id"] for m in rest["members"]] == ["U3", "U4"]
    assert rest["members"][1]["deleted"] is True
    assert rest["response_metadata"]["next_cursor"] == ""


# --------------------------------------------------------------------------- failures


async def test_429_with_retry_after_is_retried_by_the_sdk_handler(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", status=429, retry_after=0)
    client = make_client(fake, AsyncRateLimitErrorRetryHandler(max_retry_count=1))

    response = await client.chat_postMessage(channel="C1", text="eventually")

    assert response["ok"] is True
    assert len(fake.calls_to("chat.postMessage")) == 2  # the 429 and the retry


async def test_429_without_retry_handler_surfaces_retry_after(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.fail("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C1", text="x")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "7"
    assert caught.value.response["error"] == "ratelimited"


async def test_5xx_is_retried_by_the_server_error_handler(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", status=503)
    handler = AsyncServerErrorRetryHandler(
        max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
    )
    response = await make_client(fake, handler).chat_postMessage(channel="C1", text="x")
    assert response["ok"] is True
    assert len(fake.calls_to("chat.postMessage")) == 2


async def test_5xx_beyond_retries_raises(fake: FakeSlack) -> None:
    fake.fail("users.info", status=500, times=2)
    handler = AsyncServerErrorRetryHandler(
        max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
    )
    with pytest.raises(SlackApiError) as caught:
        await make_client(fake, handler).users_info(user="U1")
    assert caught.value.response.status_code == 500
    assert len(fake.calls_to("users.info")) == 2


async def test_injected_slack_error_code_is_consumed_once(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.fail("chat.postMessage", error="is_archived")
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C1", text="x")
    assert caught.value.response.status_code == 200
    assert caught.value.response["error"] == "is_archived"
    assert (await client.chat_postMessage(channel="C1", text="x"))["ok"] is True


def test_fail_rejects_http_200_without_error_code() -> None:
    with pytest.raises(ValueError):
        FakeSlack().fail("chat.postMessage")


@pytest.mark.parametrize(
    ("setup", "channel", "error"),
    [
        ({}, "CMISSING1", "channel_not_found"),
        ({"name": "okrs", "is_member": False}, "C2", "not_in_channel"),
        ({"name": "secret", "is_member": False, "is_private": True}, "C2", "channel_not_found"),
    ],
)
async def test_channel_errors(
    fake: FakeSlack, client: AsyncWebClient, setup: dict[str, Any], channel: str, error: str
) -> None:
    if setup:
        fake.add_channel(channel, **setup)
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel=channel, text="x")
    assert caught.value.response["error"] == error


async def test_channel_pacing_rate_limits_fast_posts_per_channel() -> None:
    async with FakeSlack(channel_post_interval=0.3) as paced:
        client = make_client(paced)
        await client.chat_postMessage(channel="C1", text="one")
        with pytest.raises(SlackApiError) as caught:
            await client.chat_postMessage(channel="C1", text="two")
        assert caught.value.response.status_code == 429
        assert caught.value.response.headers["Retry-After"] == "1"  # ceil(<= 0.3 s)
        assert caught.value.response["error"] == "ratelimited"

        await client.chat_postMessage(channel="C2", text="other channel is fine")
        await asyncio.sleep(0.35)
        assert (await client.chat_postMessage(channel="C1", text="three"))["ok"] is True
        assert len(paced.calls_to("chat.postMessage")) == 4


# --------------------------------------------------------------------------- messages


async def test_update_delete_and_permalink(fake: FakeSlack, client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="C1", text="draft")
    updated = await client.chat_update(
        channel="C1", ts=posted["ts"], text="final", blocks=[section("final")]
    )
    assert updated["ts"] == posted["ts"]
    assert updated["message"]["text"] == "final"

    with pytest.raises(SlackApiError) as caught:
        await client.chat_update(channel="C1", ts="1.000000", text="nope")
    assert caught.value.response["error"] == "message_not_found"

    link = await client.chat_getPermalink(channel="C1", message_ts=posted["ts"])
    assert link["permalink"].endswith(f"/archives/C1/p{posted['ts'].replace('.', '')}")

    await client.chat_delete(channel="C1", ts=posted["ts"])
    with pytest.raises(SlackApiError):
        await client.chat_delete(channel="C1", ts=posted["ts"])


async def test_ephemeral_messages(fake: FakeSlack, client: AsyncWebClient) -> None:
    response = await client.chat_postEphemeral(channel="C1", user="U1", text="psst")
    assert float(response["message_ts"]) > 0
    assert fake.calls_to("chat.postEphemeral")[0].args["user"] == "U1"


async def test_message_block_limit(fake: FakeSlack, client: AsyncWebClient) -> None:
    fifty = [section(f"kr {n}") for n in range(50)]
    assert (await client.chat_postMessage(channel="C1", text="ok", blocks=fifty))["ok"]
    assert fake.validation_errors == []

    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C1", text="too many", blocks=[*fifty, section("x")])
    assert caught.value.response["error"] == "invalid_blocks"
    assert any("no more than 50 items" in e for e in caught.value.response["errors"])
    assert fake.validation_errors == [
        "chat.postMessage: no more than 50 items allowed [json-pointer:/blocks]"
    ]


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (section("x", accessory=button("b" * 76)), "text attribute cannot exceed 75 characters"),
        ({"type": "actions", "elements": [button("b" * 80)]}, "cannot exceed 75 characters"),
        ({"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}, "150"),
        ({"type": "section", "text": {"type": "mrkdwn", "text": "t" * 3001}}, "3000"),
        ({"type": "tablet"}, "unsupported block type"),
        ({"type": "actions", "elements": [{"type": "laser"}]}, "unsupported or malformed"),
        ({"type": "context"}, "TypeError"),  # missing required `elements`
        ({"text": "no type"}, "missing `type`"),
    ],
)
async def test_invalid_message_blocks_are_rejected_and_recorded(
    fake: FakeSlack, client: AsyncWebClient, block: dict[str, Any], expected: str
) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C1", text="x", blocks=[section("ok"), block])
    assert caught.value.response["error"] == "invalid_blocks"
    [error] = fake.validation_errors
    assert error.startswith("chat.postMessage: ")
    assert expected in error
    assert "[json-pointer:/blocks/1" in error


async def test_message_without_content_is_rejected(fake: FakeSlack, client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as caught:  # api_call: chat_postMessage would warn
        await client.api_call("chat.postMessage", json={"channel": "C1"})
    assert caught.value.response["error"] == "no_text"
    assert fake.validation_errors == ["chat.postMessage: no text, blocks or attachments"]


async def test_chat_update_blocks_are_validated(fake: FakeSlack, client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="C1", text="x")
    with pytest.raises(SlackApiError):
        await client.chat_update(
            channel="C1", ts=posted["ts"], text="x", blocks=[section("y" * 3001)]
        )
    assert fake.validation_errors[0].startswith("chat.update: ")


# --------------------------------------------------------------------------- views


async def test_valid_view_round_trip(fake: FakeSlack, client: AsyncWebClient) -> None:
    opened = await client.views_open(trigger_id="1337.42.abcd", view=rich_modal())
    view = opened["view"]
    assert view["id"].startswith("V")
    assert view["hash"]
    assert view["callback_id"] == "objective_create"
    assert fake.validation_errors == []

    updated = await client.views_update(
        external_id="objective-modal-1", view=rich_modal("Edit objective"), hash=view["hash"]
    )
    assert updated["view"]["id"] == view["id"]
    assert updated["view"]["hash"] != view["hash"]

    with pytest.raises(SlackApiError) as caught:  # the stale hash from before the update
        await client.views_update(view_id=view["id"], view=rich_modal(), hash=view["hash"])
    assert caught.value.response["error"] == "hash_conflict"

    pushed = await client.views_push(trigger_id="1337.42.abcd", view=rich_modal("Step 2"))
    assert pushed["view"]["id"] != view["id"]

    home = {"type": "home", "blocks": [section("Your OKRs")]}
    first = await client.views_publish(user_id="U1", view=home)
    again = await client.views_publish(user_id="U1", view=home)
    assert first["view"]["id"] == again["view"]["id"]
    assert fake.validation_errors == []


async def test_modal_title_over_24_chars_is_rejected_and_recorded(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.views_open(trigger_id="t", view=rich_modal("T" * 25))
    assert caught.value.response["error"] == "invalid_arguments"
    assert fake.validation_errors == [
        "views.open: SlackObjectFormationError: title must be between 1 and 24 characters"
        " [json-pointer:/view]"
    ]
    assert fake.calls_to("views.open")  # still recorded


@pytest.mark.parametrize(
    ("method", "view", "expected"),
    [
        ("views.open", {**rich_modal(), "title": None}, "a modal requires a title"),
        ("views.open", {"type": "home", "blocks": [section("x")]}, "only accepts modal"),
        ("views.publish", rich_modal(), "only accepts home"),
        ("views.publish", {"type": "home", "blocks": [section("x")] * 101}, "no more than 100"),
        ("views.open", {**rich_modal(), "submit": "S" * 25}, "submit cannot exceed 24"),
        (
            "views.open",
            {**rich_modal(), "blocks": [{"type": "actions", "elements": [button("b" * 80)]}]},
            "cannot exceed 75 characters [json-pointer:/view/blocks/0]",
        ),
        ("views.open", {**rich_modal(), "private_metadata": "m" * 3001}, "private_metadata"),
        ("views.open", {"type": "modal", "title": "No blocks"}, "missing required field: blocks"),
        ("views.open", {**rich_modal(), "blocks": []}, "between 1 and 100 blocks"),
    ],
)
async def test_invalid_views_are_rejected_and_recorded(
    fake: FakeSlack, client: AsyncWebClient, method: str, view: dict[str, Any], expected: str
) -> None:
    args: dict[str, Any] = {"view": view}
    args.update({"user_id": "U1"} if method == "views.publish" else {"trigger_id": "t"})
    with pytest.raises(SlackApiError) as caught:
        await client.api_call(method, json=args)
    assert caught.value.response["error"] == "invalid_arguments"
    assert any(expected in e for e in fake.validation_errors), fake.validation_errors
    assert all(e.startswith(f"{method}: ") for e in fake.validation_errors)


async def test_views_update_unknown_view(fake: FakeSlack, client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.views_update(view_id="VNOPE", view=rich_modal())
    assert caught.value.response["error"] == "not_found"


# --------------------------------------------------------------------------- conversations


async def test_conversations(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.add_channel("C1", name="okrs", is_member=False, members=["U1", "U2"])
    fake.add_channel("G1", name="leads", is_private=True, is_member=True)
    fake.add_channel("G2", name="hidden", is_private=True, is_member=False)

    info = (await client.conversations_info(channel="C1", include_num_members=True))["channel"]
    assert (info["name"], info["is_member"], info["num_members"]) == ("okrs", False, 2)

    joined = await client.conversations_join(channel="C1")
    assert joined["channel"]["is_member"] is True
    assert (await client.chat_postMessage(channel="C1", text="now allowed"))["ok"]
    members = (await client.conversations_members(channel="C1"))["members"]
    assert set(members) == {"U1", "U2", fake.bot_user_id}

    with pytest.raises(SlackApiError) as caught:
        await client.conversations_join(channel="G1")
    assert caught.value.response["error"] == "method_not_supported_for_channel_type"

    listed = await client.conversations_list(types="public_channel,private_channel")
    assert [c["id"] for c in listed["channels"]] == ["C1", "G1"]  # G2 is invisible to the bot

    opened = await client.conversations_open(users="U7")
    assert opened["channel"]["id"] == "DU7"
    assert (await client.chat_postMessage(channel="DU7", text="dm"))["channel"] == "DU7"


# --------------------------------------------------------------------------- files


async def test_files_upload_v2_round_trip(fake: FakeSlack, client: AsyncWebClient) -> None:
    response = await client.files_upload_v2(
        channel="C1", content="hello", filename="report.csv", title="Q1 report"
    )

    [get_url] = fake.calls_to("files.getUploadURLExternal")
    [upload] = fake.calls_to("upload")
    [complete] = fake.calls_to("files.completeUploadExternal")
    file_id = upload.args["file_id"]
    assert get_url.args["filename"] == "report.csv"
    assert upload.args["size"] == len(b"hello")
    assert complete.args["files"] == [{"id": file_id, "title": "Q1 report"}]
    assert complete.args["channel_id"] == "C1"
    assert response["file"]["id"] == file_id
    assert response["file"]["title"] == "Q1 report"
    assert response["file"]["size"] == len(b"hello")


async def test_complete_upload_without_bytes_fails(fake: FakeSlack, client: AsyncWebClient) -> None:
    url = await client.files_getUploadURLExternal(filename="a.txt", length=3)
    with pytest.raises(SlackApiError) as caught:
        await client.files_completeUploadExternal(files=[{"id": url["file_id"], "title": "a"}])
    assert caught.value.response["error"] == "file_not_found"


# --------------------------------------------------------------------------- response_url


async def test_response_url_posts_are_recorded(fake: FakeSlack) -> None:
    respond = AsyncRespond(response_url=fake.response_url("cmd"))  # what Bolt's respond() is
    result = await respond(text="Saved", response_type="ephemeral", blocks=[section("Saved")])
    assert result.status_code == 200

    [call] = await fake.wait_for("response_url:cmd")
    assert call.args["text"] == "Saved"
    assert call.args["response_type"] == "ephemeral"
    assert call.args["blocks"] == [section("Saved")]
    assert call.token is None
    assert fake.response_url("cmd").endswith("/response/cmd")


async def test_response_url_validates_blocks(fake: FakeSlack) -> None:
    webhook = AsyncWebhookClient(fake.response_url())
    result = await webhook.send(text="x", blocks=[section("y" * 3001)])
    assert result.status_code == 400
    assert result.body == "invalid_blocks"
    assert fake.validation_errors[0].startswith("response_url:default: ")


async def test_validate_later_accepts_now_and_reports_after() -> None:
    async with FakeSlack(validate_later=True) as fake:
        fake.add_channel("C1", name="general")
        client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
        posted = await client.chat_postMessage(channel="C1", text="x", blocks=[section("y" * 3001)])
        modal = {"type": "modal", "blocks": []}  # no title: refused by Slack
        opened = await client.views_open(trigger_id="1.2.3", view=modal)
        assert posted["ok"] and opened["ok"]
        assert fake.validation_errors == []
        fake.validate_recorded()
        assert {e.split(":")[0] for e in fake.validation_errors} == {
            "chat.postMessage",
            "views.open",
        }


# --------------------------------------------------------------------------- signing


# Slack's worked example from "Verifying requests from Slack".
DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DOC_TIMESTAMP = 1531420618
DOC_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&"
    b"channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&"
    b"command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F"
    b"commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
    b"trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_signature_matches_slacks_documented_example() -> None:
    headers = slack_signature_headers(DOC_SECRET, DOC_BODY, timestamp=DOC_TIMESTAMP)
    assert headers == {
        "X-Slack-Request-Timestamp": str(DOC_TIMESTAMP),
        "X-Slack-Signature": DOC_SIGNATURE,
    }


def test_signature_is_accepted_by_slack_sdk_verifier() -> None:
    verifier = SignatureVerifier(SIGNING_SECRET)
    body = slash_command_body(text="help", response_url="http://127.0.0.1/response/x")
    headers = slack_signature_headers(SIGNING_SECRET, body)
    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + b"&x=1", headers)  # tampered body
    assert not SignatureVerifier("other-secret").is_valid_request(body, headers)
    stale = slack_signature_headers(SIGNING_SECRET, body, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(body, stale)


def test_body_builders_produce_slack_shaped_payloads() -> None:
    form = parse_qs(
        slash_command_body(command="/okr", text="list q1", response_url="http://r").decode()
    )
    assert {k: v[0] for k, v in form.items() if k != "text"} == {
        "token": "verification",
        "team_id": "T0001",
        "team_domain": "acme",
        "channel_id": "C1",
        "channel_name": "general",
        "user_id": "U1",
        "user_name": "u1",
        "command": "/okr",
        "api_app_id": "A0001",
        "is_enterprise_install": "false",
        "response_url": "http://r",
        "trigger_id": "1337.42.abcd",
    }
    assert form["text"] == ["list q1"]

    envelope = json.loads(event_body({"type": "app_mention"}, event_id="Ev1", event_time=5))
    assert envelope["type"] == "event_callback"
    assert (envelope["event_id"], envelope["event_time"]) == ("Ev1", 5)
    assert envelope["api_app_id"] == "A0001"
    assert envelope["authorizations"][0]["user_id"] == "UBOT"

    payload = {"type": "block_actions", "actions": [{"action_id": "kr_add"}]}
    decoded = parse_qs(interaction_body(payload).decode())
    assert json.loads(decoded["payload"][0]) == payload


async def test_bolt_accepts_signed_requests_and_talks_to_the_fake(fake: FakeSlack) -> None:
    """End to end: signed bodies dispatched through Bolt reach listeners using the fake."""
    app = AsyncApp(client=make_client(fake), signing_secret=SIGNING_SECRET)

    @app.command("/okr")
    async def okr(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        await ack()
        await respond(f"echo {command['text']}")

    @app.event("app_mention")
    async def mention(event: dict[str, Any], say: Any) -> None:
        await say(f"hi <@{event['user']}>")

    @app.action("kr_add")
    async def kr_add(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=rich_modal())

    async def dispatch(body: bytes, content_type: str, secret: str = SIGNING_SECRET) -> int:
        headers: dict[str, str | Sequence[str]] = {
            "Content-Type": content_type,
            **slack_signature_headers(secret, body),
        }
        response = await app.async_dispatch(AsyncBoltRequest(body=body.decode(), headers=headers))
        return response.status

    command = slash_command_body(text="q1", response_url=fake.response_url("cmd"))
    assert await dispatch(command, FORM_CONTENT_TYPE) == 200
    [reply] = await fake.wait_for("response_url:cmd")
    assert reply.args["text"] == "echo q1"

    mention_event = {"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT>"}
    event = event_body(mention_event, event_id="Ev1")
    assert await dispatch(event, JSON_CONTENT_TYPE) == 200
    [said] = await fake.wait_for("chat.postMessage")
    assert (said.args["channel"], said.args["text"]) == ("C1", "hi <@U1>")

    action = interaction_body(
        {
            "type": "block_actions",
            "team": {"id": "T0001", "domain": "acme"},
            "user": {"id": "U1", "team_id": "T0001"},
            "api_app_id": "A0001",
            "trigger_id": "1337.42.abcd",
            "channel": {"id": "C1"},
            "actions": [{"type": "button", "action_id": "kr_add", "block_id": "b", "value": "v"}],
        }
    )
    assert await dispatch(action, FORM_CONTENT_TYPE) == 200
    await fake.wait_for("views.open")

    assert await dispatch(command, FORM_CONTENT_TYPE, secret="wrong") == 401
    assert fake.validation_errors == []
