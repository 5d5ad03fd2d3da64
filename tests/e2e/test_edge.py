"""What an unsigned request to /slack/events meets before Bolt reads it (issue 11, items 2-3):
a capped body, the signature checked first, one bounded log line and never the body."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.conftest import PolarisServer
from tests.signing import FORM_CONTENT_TYPE, JSON_CONTENT_TYPE

FORGED = {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=" + "0" * 64}


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log line, from before the app is built (Bolt's loggers copy the root's level when
    they are made): ask for it before `polaris`."""
    caplog.set_level(logging.DEBUG)
    return caplog


async def post(polaris: PolarisServer, body: bytes, **headers: str) -> httpx.Response:
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
    ],
    ids=["json", "payload", "utf-8", "timestamp", "no-headers"],
)
async def test_malformed_unsigned_requests_are_401_not_500(
    logs: pytest.LogCaptureFixture, polaris: PolarisServer, body: bytes, headers: dict[str, str]
) -> None:
    response = await post(polaris, body, **headers)
    assert response.status_code == 401
    assert_one_bounded_line(logs)
