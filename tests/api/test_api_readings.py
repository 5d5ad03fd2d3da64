"""POST /api/v1/metrics/readings over real HTTP: bearer tokens, idempotency, limits."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.domain.permissions import Actor
from bot.services.tokens import create_api_token, revoke_api_token
from handlers.api import MAX_BODY_BYTES, RATE_BURST, RateLimiter
from storage.database import Database
from storage.models import ApiToken, Reading
from tests.conftest import PolarisServer
from tests.northstar_factories import NOW, WORKSPACE, define, make_team, product_draft

URL = "/api/v1/metrics/readings"


async def post(
    polaris: PolarisServer, body: Any, token: str | None, **headers: str
) -> httpx.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return await polaris.http.post(URL, json=body, headers=headers)


async def readings(db: Database) -> list[Reading]:
    async with db.transaction() as session:
        return list((await session.scalars(select(Reading))).all())


async def test_a_reading_is_recorded_with_a_token(
    polaris: PolarisServer, db: Database, token: str
) -> None:
    response = await post(
        polaris, {"metric": "north_star", "value": 1234.5, "date": "2026-11-16"}, token
    )
    assert response.status_code == 201, response.text
    assert response.json()["period_start"] == "2026-11-16"
    assert response.json()["replaced_value"] is None
    [reading] = await readings(db)
    assert reading.source == "api" and reading.recorded_by.startswith("api:polaris_")
    again = await post(polaris, {"metric": "nsm", "value": 1300, "date": "2026-11-17"}, token)
    assert again.status_code == 200 and again.json()["replaced_value"] == 1234.5


async def test_input_metrics_by_name(polaris: PolarisServer, db: Database, token: str) -> None:
    response = await post(
        polaris, {"metric": "Share of sessions rated", "value": 12, "date": "2026-11-16"}, token
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "input_metric"


@pytest.mark.parametrize("bad", [None, "polaris_wrong", "Basic abc"])
async def test_a_missing_or_wrong_token_is_401_and_writes_nothing(
    polaris: PolarisServer, db: Database, token: str, bad: str | None
) -> None:
    headers = {"Authorization": bad} if bad == "Basic abc" else {}
    response = await post(
        polaris, {"metric": "nsm", "value": 1}, None if bad == "Basic abc" else bad, **headers
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthorized"
    assert await readings(db) == []


async def test_a_revoked_token_is_401_and_writes_nothing(
    polaris: PolarisServer, db: Database, token: str
) -> None:
    revoked = await revoke_api_token(
        db=db,
        workspace_id=WORKSPACE,
        channel_id="C1",
        prefix=token[:12],
        actor=Actor("U1"),
        now=NOW,
    )
    assert revoked == [token[:14]]
    response = await post(polaris, {"metric": "nsm", "value": 1}, token)
    assert response.status_code == 401
    assert await readings(db) == []
    async with db.transaction() as session:
        [stored] = (await session.scalars(select(ApiToken))).all()
    assert stored.last_used_at is None and stored.token_hash != token


async def test_the_same_idempotency_key_records_once(
    polaris: PolarisServer, db: Database, token: str
) -> None:
    body = {"metric": "nsm", "value": 42, "date": "2026-11-16"}
    first = await post(polaris, body, token, **{"Idempotency-Key": "job-1"})
    second = await post(polaris, body, token, **{"Idempotency-Key": "job-1"})
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    [reading] = await readings(db)
    assert reading.value == 42


async def test_a_reused_key_with_another_body_is_a_conflict(
    polaris: PolarisServer, db: Database, token: str
) -> None:
    await post(polaris, {"metric": "nsm", "value": 42, "idempotency_key": "k"}, token)
    response = await post(polaris, {"metric": "nsm", "value": 43, "idempotency_key": "k"}, token)
    assert response.status_code == 409
    assert response.json()["error"]["field"] == "idempotency_key"
    assert [r.value for r in await readings(db)] == [42]


async def test_a_refused_request_does_not_burn_its_key(
    polaris: PolarisServer, db: Database, token: str
) -> None:
    bad = await post(polaris, {"metric": "nsm", "value": -5, "idempotency_key": "k2"}, token)
    assert bad.status_code == 422
    good = await post(polaris, {"metric": "nsm", "value": 5, "idempotency_key": "k2"}, token)
    assert good.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"metric": "Vibes", "value": 1}, "metric"),
        ({"metric": "nsm", "value": -1}, "value"),
        ({"metric": "nsm", "value": "12"}, "value"),
        ({"metric": "nsm", "value": True}, "value"),
        ({"metric": "nsm"}, "value"),
        ({"metric": "nsm", "value": 1, "date": "2027-01-01"}, "date"),
        ({"metric": "nsm", "value": 1, "date": "2020-01-01"}, "date"),
        ({"metric": "nsm", "value": 1, "date": "23/11/2026"}, "date"),
        ({"metric": "nsm", "value": 1, "colour": "blue"}, "colour"),
        ({"metric": "nsm", "value": 1, "idempotency_key": "job 42"}, "idempotency_key"),
        ({"metric": "nsm", "value": 1, "idempotency_key": "k" * 129}, "idempotency_key"),
    ],
)
async def test_bad_bodies_name_the_field(
    polaris: PolarisServer, db: Database, token: str, body: dict[str, Any], field: str
) -> None:
    response = await post(polaris, body, token)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field and field in error["message"]
    assert await readings(db) == []


async def test_not_json_and_too_large(polaris: PolarisServer, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    response = await polaris.http.post(URL, content=b"{nope", headers=headers)
    assert response.status_code == 400
    huge = b'{"metric": "nsm", "value": 1, "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = await polaris.http.post(URL, content=huge, headers=headers)
    assert response.status_code == 413


async def test_requests_are_rate_limited_per_token(polaris: PolarisServer, token: str) -> None:
    # Sent at once: the bucket refills one request a second on the real clock, so requests
    # sent one after the other on a busy host could be refilled faster than they arrive.
    responses = await asyncio.gather(
        *(
            post(polaris, {"metric": "nsm", "value": i, "date": "2026-11-16"}, token)
            for i in range(RATE_BURST + 10)  # ten past the burst: few writes, for a loaded host
        )
    )
    statuses = [r.status_code for r in responses]
    assert statuses.count(429) >= 1
    assert len([s for s in statuses if s != 429]) >= RATE_BURST  # the burst always goes through
    assert set(statuses) <= {200, 201, 429}


def test_rate_limiter_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(burst=2, per_second=1.0, clock=lambda: now[0])
    assert limiter.take("a") == 0 and limiter.take("a") == 0
    assert limiter.take("a") == pytest.approx(1.0)
    assert limiter.take("b") == 0  # per key
    now[0] = 1.0
    assert limiter.take("a") == 0


async def test_last_weeks_history_right_after_defining_the_north_star(
    polaris: PolarisServer, db: Database
) -> None:
    """ "Measured since" left empty: an analytics job backfills the past weeks at once."""
    await define(db, await make_team(db), product_draft(measured_since=None), now=NOW)
    created = await create_api_token(
        db=db, workspace_id=WORKSPACE, channel_id="C1", actor=Actor("U1"), now=NOW
    )
    for day in ("2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16"):
        response = await post(polaris, {"metric": "nsm", "value": 1000, "date": day}, created.token)
        assert response.status_code == 201, response.text
    assert len(await readings(db)) == 4


async def test_a_reading_before_an_explicit_measured_since_is_422_with_the_date(
    polaris: PolarisServer, db: Database
) -> None:
    await define(db, await make_team(db), product_draft(measured_since=date(2026, 11, 9)), now=NOW)
    created = await create_api_token(
        db=db, workspace_id=WORKSPACE, channel_id="C1", actor=Actor("U1"), now=NOW
    )
    response = await post(
        polaris, {"metric": "nsm", "value": 1000, "date": "2026-11-01"}, created.token
    )
    assert response.status_code == 422
    assert "November 1, 2026 is before the North Star was measured (since November 9, 2026)" in (
        response.text
    )
    assert await readings(db) == []
