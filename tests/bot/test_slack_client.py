"""The Web API client Polaris builds: what it retries, and what it must never retry."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from slack_sdk.errors import SlackApiError

from bot.app import build_web_client
from bot.config import Settings
from tests.slack_fake import FakeSlack


async def test_a_read_is_retried_after_server_errors(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U1")
    fake_slack.fail("users.info", status=503, times=2)
    client = build_web_client(settings)
    assert (await client.users_info(user="U1"))["user"]["id"] == "U1"
    assert len(fake_slack.calls_to("users.info")) == 3


@pytest.mark.parametrize("status", [500, 503])
async def test_a_post_is_never_retried_blindly(
    settings: Settings, fake_slack: FakeSlack, status: int
) -> None:
    # Slack posted, then the answer was lost: a retry would post it twice.
    fake_slack.fail("chat.postMessage", status=status, after_serving=True)
    client = build_web_client(settings)
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="C1", text="hello")
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_a_rate_limited_post_is_retried(settings: Settings, fake_slack: FakeSlack) -> None:
    # A 429 means Slack did nothing: waiting Retry-After and posting is safe.
    fake_slack.fail("chat.postMessage", status=429, retry_after=0)
    client = build_web_client(settings)
    assert (await client.chat_postMessage(channel="C1", text="hello"))["ok"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


def test_a_slack_call_gives_up_well_before_a_claim_can_be_taken_over(settings: Settings) -> None:
    assert build_web_client(settings).timeout == settings.polaris_slack_timeout_seconds
    with pytest.raises(ValidationError, match="quarter"):
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            polaris_claim_lease_seconds=60,
            polaris_slack_timeout_seconds=20,
        )
