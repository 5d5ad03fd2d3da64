"""The readings API authenticates before it parses, parses with limits, and keeps real clients'
rate limits whatever junk arrives (issue 11, items 2-3). Over real HTTP."""

from __future__ import annotations

import json
import logging
from functools import partial

import httpx
import pytest

from handlers import api
from storage.database import Database
from tests.api.test_api_readings import URL, post, readings
from tests.conftest import PolarisServer

READING = {"metric": "nsm", "value": 1, "date": "2026-11-16"}


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def server_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]


async def send(polaris: PolarisServer, content: bytes, token: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return await polaris.http.post(URL, content=content, headers=headers)


@pytest.mark.parametrize(
    "content",
    [b"{nope", b"[" * 5000 + b"]" * 5000, json.dumps({"metric": "nsm"}).encode(), b"\xff\xfe"],
    ids=["not-json", "nested", "invalid-field", "not-utf-8"],
)
async def test_a_wrong_token_is_401_whatever_the_body(
    polaris: PolarisServer, db: Database, token: str, content: bytes
) -> None:
    response = await send(polaris, content, "polaris_wrong")
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthorized"
    assert await readings(db) == []


async def test_deeply_nested_json_with_a_good_token_is_400(
    polaris: PolarisServer, token: str
) -> None:
    nested = b'{"metric": "nsm", "value": 1, "x": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = await send(polaris, nested, token)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_json" and "nested" in error["message"]


async def test_a_refused_request_is_one_bounded_log_line_without_its_body(
    logs: pytest.LogCaptureFixture, polaris: PolarisServer
) -> None:
    body = b'{"metric": "nsm\nERROR polaris: planted", "value": 1}'
    assert (await send(polaris, body, "polaris_wrong")).status_code == 401
    huge = b'{"pad": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    assert (await send(polaris, huge, None)).status_code == 413
    lines = [line for line in server_lines(logs) if URL in line]
    assert len(lines) == 2, lines
    assert all("\n" not in line and len(line) < 300 for line in lines)
    assert "planted" not in logs.text and "xxxx" not in logs.text
    assert "401" in lines[0] or "token" in lines[0]
    assert str(len(huge)) in lines[1]


@pytest.mark.parametrize("key", ["k" * 129, "has space", "tab\tinside", "clé", ""], ids=repr)
async def test_a_bad_idempotency_key_header_is_400(
    polaris: PolarisServer, db: Database, token: str, key: str
) -> None:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key.encode()}
    response = await polaris.http.post(URL, json=READING, headers=headers)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_header" and error["field"] == "Idempotency-Key"
    assert await readings(db) == []


async def test_a_long_printable_idempotency_key_is_accepted(
    polaris: PolarisServer, token: str
) -> None:
    key = "job-42:2026-11-23/warehouse_" + "x" * 100
    response = await post(polaris, READING, token, **{"Idempotency-Key": key})
    assert response.status_code == 201, response.text


@pytest.fixture
def tight_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small limits, set before the app is built: a burst of 3, no refill while the test
    runs, and room for 8 keys, so a flood of a few dozen junk tokens would fill any table."""
    monkeypatch.setattr(api, "RATE_BURST", 3)
    monkeypatch.setattr(api, "RATE_PER_SECOND", 0.0001)
    monkeypatch.setattr(api, "RateLimiter", partial(api.RateLimiter, max_keys=8))


@pytest.mark.usefixtures("tight_limits")
async def test_a_junk_token_flood_does_not_reset_a_real_clients_limit(
    polaris: PolarisServer, token: str
) -> None:
    statuses = [(await post(polaris, READING, token)).status_code for _ in range(4)]
    assert statuses[-1] == 429, statuses
    flood = [(await post(polaris, READING, f"polaris_junk{i}")).status_code for i in range(40)]
    assert set(flood) <= {401, 429}
    assert (await post(polaris, READING, token)).status_code == 429


def test_a_full_rate_limiter_forgets_only_refilled_buckets() -> None:
    now = [0.0]
    limiter = api.RateLimiter(burst=2, per_second=1.0, clock=lambda: now[0], max_keys=2)
    assert limiter.take("real") == limiter.take("real") == 0
    assert limiter.take("junk-1") == 0
    assert limiter.take("junk-2") > 0  # full of counting buckets: the newcomer waits
    assert limiter.take("real") > 0  # and the real client's limit holds
    now[0] = 3.0  # both buckets have refilled: forgetting them loses nothing
    assert limiter.take("junk-3") == 0
    assert limiter.take("real") == 0
