"""Build signed Slack HTTP requests (slash commands, events, interactions) for Bolt tests.

Slack signs every request it sends to an app: ``X-Slack-Signature`` is
``"v0=" + hex(HMAC-SHA256(signing_secret, f"v0:{timestamp}:{raw body}"))`` and
``X-Slack-Request-Timestamp`` is the Unix time the request was sent. Bolt (through
`slack_sdk.signature.SignatureVerifier`) rejects requests whose signature does not match the raw
body byte for byte, or whose timestamp is more than five minutes away from now.

The body builders return raw bytes exactly as Slack would send them; sign those same bytes and
send them with the matching content type (`FORM_CONTENT_TYPE` for slash commands and
interactions, `JSON_CONTENT_TYPE` for events). Defaults match `tests.slack_fake.FakeSlack`
(team ``T0001``, app ``A0001``, bot user ``UBOT``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"

API_APP_ID = "A0001"
BOT_USER_ID = "UBOT"
VERIFICATION_TOKEN = "verification"  # the legacy token field Slack still puts in payloads


def _compact_json(value: Any) -> str:
    # Slack sends compact JSON; any encoding works as long as the signed bytes are the sent bytes.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def slack_signature_headers(
    signing_secret: str, body: bytes, *, timestamp: int | None = None
) -> dict[str, str]:
    """The two headers Slack adds to a request carrying `body`.

    Args:
        signing_secret: the app's signing secret (what Bolt's ``signing_secret`` is set to).
        body: the exact raw request body that will be sent.
        timestamp: Unix seconds to sign with; defaults to now. Use an old value to test that
            stale requests are rejected.

    Returns:
        ``{"X-Slack-Request-Timestamp": "<ts>", "X-Slack-Signature": "v0=<hex>"}``.
    """
    ts = int(time.time()) if timestamp is None else timestamp
    base = b"v0:" + str(ts).encode() + b":" + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


def slash_command_body(
    *,
    command: str = "/okr",
    text: str = "",
    user_id: str = "U1",
    team_id: str = "T0001",
    channel_id: str = "C1",
    response_url: str,
    trigger_id: str = "1337.42.abcd",
) -> bytes:
    """Form-encoded slash command payload, with the fields (and order) Slack sends."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": "acme",
        "channel_id": channel_id,
        "channel_name": "general" if channel_id.startswith("C") else "directmessage",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    return urlencode(fields).encode()


def event_body(
    event: dict[str, Any],
    *,
    event_id: str,
    team_id: str = "T0001",
    event_time: int | None = None,
) -> bytes:
    """JSON ``event_callback`` envelope around `event`, as the Events API delivers it.

    `event_id` identifies the delivery (Slack retries reuse it, so dedup tests pass the same
    one twice). `event_time` defaults to now. The single authorization names the bot user
    ``UBOT`` so Bolt's self-event filtering matches `FakeSlack.bot_user_id`.
    """
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{event_id}",
    }
    return _compact_json(envelope).encode()


def interaction_body(payload: dict[str, Any]) -> bytes:
    """Form-encoded interaction request: a single ``payload`` field holding the JSON payload."""
    return urlencode({"payload": _compact_json(payload)}).encode()
