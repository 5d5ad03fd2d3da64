"""The REST API under /api/v1, for analytics jobs: `POST /api/v1/metrics/readings`. A
transport beside Slack's: it maps HTTP to the readings service and its results and errors back
to HTTP; `bot/app.py` mounts its routes.

Bodies limited in size, then authenticated by a team's bearer token (`/okr northstar token`),
rate limited per token, and only then parsed (JSON nesting bounded). Answers are JSON; errors are
`{"error": {"code": "...", "field": "...", "message": "..."}}` with messages in English.
See docs/north-star.md for the contract.
"""

from __future__ import annotations

import math
import re
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
from bot.services.tokens import ApiAuthError, check_api_token, hash_token
from handlers.edge import BadJson, TooLarge, log_refused, parse_json, read_body

#: A reading is a few dozen bytes; anything near this is not one.
MAX_BODY_BYTES = 16 * 1024
#: Requests a token may make in a burst, and per second after that (one a second sustained).
RATE_BURST = 60
RATE_PER_SECOND = 1.0
#: Failed authentications allowed per client address in a burst (slows token guessing).
FAILED_AUTH_BURST = 20
#: A reading is one flat object; JSON nested deeper is not one (and is refused before parsing).
MAX_JSON_DEPTH = 8
#: An idempotency key, in the header or the body: as long as the stored key may be, visible
#: ASCII without spaces (what a job name and a date make; safe in a header and in a log).
IDEMPOTENCY_KEY = re.compile(r"^[!-~]{1,128}$")


class ReadingBody(BaseModel):
    """`{"metric": "north_star" | "<input name>", "value": 1234.5, "date": "2026-11-23",
    "idempotency_key": "job-42-2026-11-23"}`; `date` defaults to today in the team's time zone."""

    model_config = ConfigDict(extra="forbid")

    metric: str = Field(min_length=1, max_length=150)
    value: StrictFloat | StrictInt
    date: str | None = Field(default=None, max_length=10)
    idempotency_key: str | None = Field(default=None, pattern=IDEMPOTENCY_KEY.pattern)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets per key, in this process (each instance of a deployment has its own).

    At most `max_keys` buckets: when full, those that have refilled are forgotten (a full
    bucket is what a new one would be); if none has, a new key waits rather than push out
    a bucket still counting, which would hand its client a fresh burst."""

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
        self._next_sweep = -math.inf

    def take(self, key: str) -> float:
        """0 if the request may go on (one unit taken), else the seconds to wait."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._forget_refilled(now)
            if len(self._buckets) >= self._max_keys:
                return 1 / self.per_second
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.per_second)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.per_second

    def _forget_refilled(self, now: float) -> None:
        # A sweep reads every bucket: at most one a second, however many keys arrive.
        if now < self._next_sweep:
            return
        self._next_sweep = now + 1
        refill = self.burst / self.per_second
        for key in [k for k, b in self._buckets.items() if now - b.updated >= refill]:
            del self._buckets[key]


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
        "string_pattern_mismatch": "must be 1 to 128 visible ASCII characters, no spaces",
    }
    return error(
        422, "invalid_field", f"{field}: {messages.get(first['type'], first['msg'])}.", field=field
    )


def _parse(body: bytes, idempotency_key: str | None) -> ApiReading | Response:
    """The reading a body and an Idempotency-Key header ask for, or the 400/422 saying why not."""
    if idempotency_key is not None and not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        return error(
            400,
            "invalid_header",
            "Idempotency-Key: 1 to 128 visible ASCII characters, no spaces.",
            field="Idempotency-Key",
        )
    try:
        parsed = ReadingBody.model_validate(parse_json(body or b"null", max_depth=MAX_JSON_DEPTH))
        on = date.fromisoformat(parsed.date) if parsed.date else None
    except BadJson as problem:
        return error(400, "invalid_json", str(problem))
    except ValidationError as problem:
        return _validation_error(problem)
    except ValueError:
        return error(422, "invalid_field", "date: use YYYY-MM-DD, e.g. 2026-11-23.", field="date")
    return ApiReading(
        metric=parsed.metric,
        value=float(parsed.value),
        on=on,
        idempotency_key=idempotency_key or parsed.idempotency_key,
    )


def _invalid_fields(english: Translator, invalid: InvalidFields) -> Response:
    """422 naming the wrong field(s), in English: one message per field, each after its field's
    name (developers read this; the messages themselves never name a field, for Slack)."""
    message = " ".join(
        f"{field}: {english(text, **values)}" for field, (text, values) in invalid.fields.items()
    )
    return error(422, "invalid_field", message, field=",".join(invalid.fields))


def api_routes(services: Services) -> list[Route]:
    """The /api/v1 routes, bound to the process's services."""
    # Buckets per token are only made for tokens that authenticated, so junk tokens can neither
    # grow the table nor push a real client's bucket out; failures are counted per address.
    limiter = RateLimiter(burst=RATE_BURST, per_second=RATE_PER_SECOND)
    failures = RateLimiter(burst=FAILED_AUTH_BURST, per_second=RATE_PER_SECOND / 10)
    english = translator("en")

    async def admit(request: Request) -> tuple[str, bytes] | Response:
        """The token and body of a request that may go on, or the refusal: size, then
        authentication, then rate, all before anything reads the body."""
        try:
            body = await read_body(request, MAX_BODY_BYTES)
        except TooLarge as too_large:
            log_refused(request, size=too_large.size, reason="body too large")
            return error(413, "too_large", f"The body is over {MAX_BODY_BYTES} bytes.")
        token = _bearer(request)
        try:
            if token is None:
                raise ApiAuthError
            await check_api_token(db=services.db, token=token)
        except ApiAuthError:
            client = request.client.host if request.client else "unknown"
            if failures.take(client):
                log_refused(request, size=len(body), reason="too many failed authentications")
                return error(
                    429, "rate_limited", "Too many failed authentications.", **{"Retry-After": "60"}
                )
            log_refused(request, size=len(body), reason="missing, unknown or revoked token")
            return _unauthorized()
        wait = limiter.take(hash_token(token))
        if wait:
            log_refused(request, size=len(body), reason="over the token's rate limit")
            return error(
                429,
                "rate_limited",
                "Too many requests for this token; slow down.",
                **{"Retry-After": str(math.ceil(wait))},
            )
        return token, body

    async def post_reading(request: Request) -> Response:
        admitted = await admit(request)
        if isinstance(admitted, Response):
            return admitted
        token, body = admitted
        reading = _parse(body, request.headers.get("idempotency-key"))
        if isinstance(reading, Response):
            return reading
        try:
            submitted = await submit_api_reading(
                db=services.db, token=token, reading=reading, now=services.clock()
            )
        except ApiAuthError:  # revoked since `admit`
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
