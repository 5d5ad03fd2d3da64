"""The REST API under /api/v1, for analytics jobs: `POST /api/v1/metrics/readings`. A
transport beside Slack's: it maps HTTP to the readings service and its results and errors back
to HTTP; `bot/app.py` mounts its routes.

Authenticated by a team's bearer token (`/okr northstar token`), rate limited per token,
bodies limited in size. Answers are JSON; errors are
`{"error": {"code": "...", "field": "...", "message": "..."}}` with messages in English.
See docs/north-star.md for the contract.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.domain.errors import InvalidFields, UserError
from bot.i18n import Translator, translator
from bot.services.commands import ApiReading
from bot.services.readings import IdempotencyConflict, submit_api_reading
from bot.services.runtime import Services
from bot.services.tokens import ApiAuthError

#: A reading is a few dozen bytes; anything near this is not one.
MAX_BODY_BYTES = 16 * 1024
#: Requests a token may make in a burst, and per second after that (one a second sustained).
RATE_BURST = 60
RATE_PER_SECOND = 1.0
#: Failed authentications allowed per client address in a burst (slows token guessing).
FAILED_AUTH_BURST = 20


class ReadingBody(BaseModel):
    """`{"metric": "north_star" | "<input name>", "value": 1234.5, "date": "2026-11-23",
    "idempotency_key": "job-42-2026-11-23"}`; `date` defaults to today in the team's time zone."""

    model_config = ConfigDict(extra="forbid")

    metric: str = Field(min_length=1, max_length=150)
    value: StrictFloat | StrictInt
    date: str | None = Field(default=None, max_length=10)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=128)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets per key, in this process (each instance of a deployment has its own)."""

    def __init__(
        self,
        *,
        burst: int,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.burst = burst
        self.per_second = per_second
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """0 if the request may go on (one unit taken), else the seconds to wait."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._buckets.clear()  # crude but bounded: never grow without limit
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.per_second)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.per_second


def error(
    status: int, code: str, message: str, *, field: str | None = None, **headers: str
) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return JSONResponse({"error": body}, status_code=status, headers=headers or None)


def _bearer(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


async def _read_body(request: Request) -> bytes | None:
    """The body, or None once it exceeds MAX_BODY_BYTES (read no further)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return body


def _unauthorized() -> Response:
    return error(
        401,
        "unauthorized",
        "Missing, unknown or revoked token: send `Authorization: Bearer <token>` with a token "
        "from `/okr northstar token`.",
        **{"WWW-Authenticate": "Bearer"},
    )


def _validation_error(problem: ValidationError) -> Response:
    first = problem.errors()[0]
    # A union (float | int) adds its member to the location: the field is the first part.
    field = str(first["loc"][0]) if first["loc"] else "body"
    messages = {
        "missing": "is required",
        "extra_forbidden": "is not a known field",
        "float_type": "must be a JSON number",
        "int_type": "must be a JSON number",
    }
    return error(
        422, "invalid_field", f"{field}: {messages.get(first['type'], first['msg'])}.", field=field
    )


def _invalid_fields(english: Translator, invalid: InvalidFields) -> Response:
    """422 naming the wrong field(s), in English: one message per field."""
    message = " ".join(english(text, **values) for text, values in invalid.fields.values())
    return error(422, "invalid_field", message, field=",".join(invalid.fields))


def api_routes(services: Services) -> list[Route]:
    """The /api/v1 routes, bound to the process's services."""
    limiter = RateLimiter(burst=RATE_BURST, per_second=RATE_PER_SECOND)
    failures = RateLimiter(burst=FAILED_AUTH_BURST, per_second=RATE_PER_SECOND / 10)
    english = translator("en")

    async def post_reading(request: Request) -> Response:
        token = _bearer(request)
        client = request.client.host if request.client else "unknown"
        if token is None:
            return _unauthorized()
        wait = limiter.take(hashlib.sha256(token.encode()).hexdigest())
        if wait:
            return error(
                429,
                "rate_limited",
                "Too many requests for this token; slow down.",
                **{"Retry-After": str(math.ceil(wait))},
            )
        body = await _read_body(request)
        if body is None:
            return error(413, "too_large", f"The body is over {MAX_BODY_BYTES} bytes.")
        try:
            parsed = ReadingBody.model_validate(json.loads(body or b"null"))
            on = date.fromisoformat(parsed.date) if parsed.date else None
        except json.JSONDecodeError:
            return error(400, "invalid_json", "The body is not valid JSON.")
        except ValidationError as problem:
            return _validation_error(problem)
        except ValueError:
            return error(
                422, "invalid_field", "date: use YYYY-MM-DD, e.g. 2026-11-23.", field="date"
            )
        reading = ApiReading(
            metric=parsed.metric,
            value=float(parsed.value),
            on=on,
            idempotency_key=request.headers.get("idempotency-key") or parsed.idempotency_key,
        )
        try:
            submitted = await submit_api_reading(
                db=services.db, token=token, reading=reading, now=services.clock()
            )
        except ApiAuthError:
            if failures.take(client):
                return error(
                    429, "rate_limited", "Too many failed authentications.", **{"Retry-After": "60"}
                )
            return _unauthorized()
        except InvalidFields as invalid:
            return _invalid_fields(english, invalid)
        except IdempotencyConflict as problem:
            return error(
                409,
                "idempotency_conflict",
                english(problem.message, **problem.values),
                field="idempotency_key",
            )
        except UserError as problem:
            return error(409, "rejected", english(problem.message, **problem.values))
        recorded = submitted.reading
        return JSONResponse(
            {"team": recorded.team.name, **recorded.as_record()},
            # 200 when the reading replaced the period's former one, 201 when it is new.
            status_code=200 if recorded.replaced is not None else 201,
            headers={"Idempotent-Replayed": "true"} if submitted.replayed else None,
        )

    return [Route("/api/v1/metrics/readings", post_reading, methods=["POST"])]
