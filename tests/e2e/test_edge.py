"""What an unsigned request to /slack/events meets before Bolt reads it (issue 11, items 2-3):
a capped body, the signature checked first, one bounded log line and never the body."""

from __future__ import annotations

import logging
import time

import httpx
import pytest

from storage.models import CheckIn
from tests.conftest import PolarisServer
from tests.e2e.test_okr_journey import count, key_result, team  # noqa: F401 - fixtures
from tests.signing import FORM_CONTENT_TYPE, JSON_CONTENT_TYPE

FORGED = {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=" + "0" * 64}


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log line, from before the app is built (Bolt's loggers copy the root's level when
    they are made): ask for it before `polaris`."""
    caplog.set_level(logging.DEBUG)
    return caplog


async def post(polaris: PolarisServer, body: bytes, **headers: str | bytes) -> httpx.Response:
    return await polaris.http.post("/slack/events", content=body, headers=headers)


def server_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What the server logged while the test ran (the test's HTTP client logs too)."""
    return [r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [line for line in server_lines(caplog) if "/slack/events" in line]


def assert_one_bounded_line(caplog: pytest.LogCaptureFixture) -> str:
    [line] = refusals(caplog)
    assert "\n" not in line and len(line) < 300, line
    for message in server_lines(caplog):
        assert len(message) < 1000 and "\n" not in message, message[:200]
    return line


async def test_an_oversize_unsigned_body_is_413_in_one_bounded_line(
    logs: pytest.LogCaptureFixture, polaris: PolarisServer
) -> None:
    body = b"text=" + b"x" * (5 * 1024 * 1024)
    response = await post(polaris, body, **FORGED, **{"Content-Type": FORM_CONTENT_TYPE})
    assert response.status_code == 413
    line = assert_one_bounded_line(logs)
    assert "POST" in line and str(len(body)) in line and "xxxx" not in line


async def test_an_oversize_signed_body_is_413_too(polaris: PolarisServer) -> None:
    body = b"text=" + b"x" * (2 * 1024 * 1024)
    response = await polaris.post_signed(body, content_type=FORM_CONTENT_TYPE)
    assert response.status_code == 413


async def test_a_newline_in_an_unsigned_body_never_reaches_the_logs(
    logs: pytest.LogCaptureFixture, polaris: PolarisServer
) -> None:
    body = b"command=%2Fokr&text=help\nERROR polaris: planted line&team_id=T0001&user_id=U1"
    response = await post(polaris, body, **FORGED, **{"Content-Type": FORM_CONTENT_TYPE})
    assert response.status_code == 401
    assert "planted" not in logs.text
    line = assert_one_bounded_line(logs)
    assert "signature" in line


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"{not json", {**FORGED, "Content-Type": JSON_CONTENT_TYPE}),
        (b"payload=%7Bnot+json", {**FORGED, "Content-Type": FORM_CONTENT_TYPE}),
        (b"\xff\xfe not utf-8", {**FORGED, "Content-Type": FORM_CONTENT_TYPE}),
        (
            b"command=%2Fokr&text=help",
            {**FORGED, "X-Slack-Request-Timestamp": "soon", "Content-Type": FORM_CONTENT_TYPE},
        ),
        (b"command=%2Fokr&text=help", {"Content-Type": FORM_CONTENT_TYPE}),
        (
            b"command=%2Fokr&text=help",
            {**FORGED, "X-Slack-Request-Timestamp": "9" * 5000, "Content-Type": FORM_CONTENT_TYPE},
        ),
    ],
    ids=["json", "payload", "utf-8", "timestamp", "no-headers", "huge-ts"],
)
async def test_malformed_unsigned_requests_are_401_not_500(
    logs: pytest.LogCaptureFixture,
    polaris: PolarisServer,
    body: bytes,
    headers: dict[str, str | bytes],
) -> None:
    response = await post(polaris, body, **headers)
    assert response.status_code == 401
    assert_one_bounded_line(logs)


async def test_a_fresh_request_with_a_non_ascii_signature_is_401(polaris: PolarisServer) -> None:
    headers = {
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=\u00e9t\u00e9".encode("latin-1"),  # hmac refuses to compare it
        "Content-Type": FORM_CONTENT_TYPE,
    }
    assert (await post(polaris, b"command=%2Fokr&text=help", **headers)).status_code == 401


@pytest.mark.usefixtures("key_result")
async def test_a_signed_update_replayed_stores_one_check_in(polaris: PolarisServer) -> None:
    # Anyone who saw a request (a proxy's log, a leaked capture) can send it again, byte for
    # byte: its signature holds for five minutes.
    body = polaris.command_body('update KR-1 20 7 "on track"')
    stamp = int(time.time())
    first = await polaris.post_signed(body, content_type=FORM_CONTENT_TYPE, timestamp=stamp)
    replayed = await polaris.post_signed(body, content_type=FORM_CONTENT_TYPE, timestamp=stamp)
    assert first.status_code == replayed.status_code == 200
    await polaris.fake.wait_for("response_url:U1", where=lambda c: "KR-1" in c.args["text"])
    await polaris.settled()
    assert await count(polaris, CheckIn) == 1
    said = [c for c in polaris.fake.calls_to("response_url:U1") if "KR-1" in c.args["text"]]
    assert len(said) == 1, "the replay says nothing either"
    threads = polaris.fake.calls_to("chat.postMessage")
    assert len([c for c in threads if c.args.get("thread_ts")]) == 1
