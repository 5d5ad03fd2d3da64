"""Request benchmark: the real Polaris app over HTTP, timed on the server side.

Seeds a workspace (200 teams, 2,000 objectives, 8,000 KRs, 100,000 check-ins; a tenth of that
with ``--quick``), serves the app with uvicorn on a loopback port against the fake Slack Web API,
and sends signed ``/okr update KR-n …``, ``/okr list`` and update-modal submissions from
concurrent clients in an open loop (``--rate`` arrivals per second of each kind, whatever the
answers). A no-op Bolt ``AsyncApp`` (listeners that only ack) is served in the same process and
event loop and sent the same payloads, as the yardstick, and so is a one-write reference (a view
listener doing one ``INSERT … RETURNING`` + COMMIT on the same database before its ack). Server
latency is the time until Slack has its answer; client latency, the driver's, adds the queues
outside the app; "done" follows the request's work after the ack. The requests come from many
acting users; people never seen (no stored profile) send a cold-cache phase of their own.

``--ramp`` sends the Polaris kinds mixed instead, at a rising rate, and prints the highest rate
that holds (client p99 < 100 ms, "done" p99 < 1 s); ``--workers N`` runs that ramp against
``polaris serve --workers 1`` then ``--workers N`` in child processes (timed client side).

Two processes, so the load generator does not steal the server's event loop:

* this process (the *server*): database, seeding, the Polaris runtime and the no-op app, each
  behind a tiny ASGI middleware that times every request (start of the ASGI call to the end of
  the response body) and counts its SQL statements and outbound Slack calls;
* a child process (the *driver*, this file with ``--driver``): the fake Slack and the
  ``httpx`` clients. Both talk JSON lines over the child's stdin/stdout.

Run from the repository root::

    .venv/bin/python bench/request_load.py --quick
    .venv/bin/python bench/request_load.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/request_load.py --ramp
    .venv/bin/python bench/request_load.py --workers 2 --database-url postgresql://…/test

See bench/README.md for how to read the output. Exit code 0 even when a target is missed (this
is a measurement); 2 on a usage error, 1 if the benchmark itself could not run.
"""
# ruff: noqa: E402  (sys.path must be fixed before the project's imports)

from __future__ import annotations

import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve()
sys.path.insert(0, str(SCRIPT.parent.parent))  # the project root, for `bench`, `bot`, `tests`

import argparse
import asyncio
import contextlib
import contextvars
import json
import math
import os
import random
import re
import signal
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import (
    BOT_TOKEN,
    ROOT,
    WORKSPACE_ID,
    BenchDatabase,
    bulk_load,
    check_in_row,
    cycle_row,
    key_result_row,
    machine,
    objective_row,
    percentiles,
    team_row,
    workspace_row,
)

# --------------------------------------------------------------------------------- constants

SIGNING_SECRET = "bench-signing-secret"
ACTOR_LOCALE = "en-US"
ACTOR_TZ = "Europe/Paris"
TEAM_ZONES = ("Europe/Paris", "America/New_York", "Europe/London", "Asia/Tokyo")
ARCHETYPES = ("product", "project", "network", "flow")
KR_PER_OBJECTIVE = 4
HISTORY_DAYS = 90
SEED = 20261126

NOOP = "noop"
NOOP_VIEW = "noop_view"
# The one-write reference: a Bolt view listener doing one INSERT … RETURNING + COMMIT on the
# same database before its ack, sent the update modal's payload. What any app that stores what
# it is sent before answering pays; the modal is held to twice its p99.
REFERENCE = "reference_view"
UPDATE_COMMAND = "update_command"
LIST = "list"
MODAL_SUBMIT = "update_modal_submit"
POLARIS_KINDS = (UPDATE_COMMAND, LIST, MODAL_SUBMIT)
NOOP_KINDS = (NOOP, NOOP_VIEW)
YARDSTICK_KINDS = (*NOOP_KINDS, REFERENCE)  # served by this process next to Polaris
KINDS = (*YARDSTICK_KINDS, *POLARIS_KINDS)  # the order phases run in, round after round
# Each kind is compared with the no-op app answering the same payload: Bolt's own work
# (parsing an 11 KB form-encoded view is 1-2 ms of pure Python) is the same on both sides.
YARDSTICK = {UPDATE_COMMAND: NOOP, LIST: NOOP, MODAL_SUBMIT: NOOP_VIEW, REFERENCE: NOOP_VIEW}
UPDATE_KINDS = (UPDATE_COMMAND, MODAL_SUBMIT)
# A person's first request: typed commands (the modal needs a command first to open it).
COLD_KINDS = (UPDATE_COMMAND, LIST)
REFERENCE_TABLE = "bench_reference"

PROBE_ACTORS = 8  # users sending the probe session's few requests
# Requests per second of each kind. A Friday check-in of the whole seeded workspace (1,000 KR
# owners) answered within a minute is ~17 updates/s: 20/s of one kind is above any real peak.
DEFAULT_RATE = 20.0
P99_TARGET_MS = 100.0
RATIO_TARGET = 4.0
REFERENCE_RATIO_TARGET = 2.0  # the modal's p99 / the one-write reference's, at the same rate

# The ramp: mixed arrivals (the Polaris kinds interleaved) rising step by step; a step holds
# when the client p99 (the time Slack waits) and the 'done' p99 (the replies) stay under these.
RAMP_RATES = (25, 50, 100, 150, 200, 300, 400, 500, 600, 800, 1000)
RAMP_MIN_REQUESTS = 100  # per step, so that its p99 is not just its slowest request
RAMP_CLIENT_P99_MS = 100.0
RAMP_DONE_P99_MS = 1000.0
RAMP_GOAL = 200.0  # requests/s one process should sustain
WORKERS_SCALE_GOAL = 1.8  # two workers' ceiling / one's
BACKENDS = {"sqlite": "SQLite (aiosqlite)", "postgresql": "PostgreSQL (psycopg 3)"}


@dataclass(frozen=True)
class Dataset:
    """How much data to seed. Users scale with KRs (8 KRs each), so every user - the acting
    ones included - owns KRs of about 8 objectives whatever the size."""

    name: str
    teams: int
    objectives: int
    key_results: int
    check_ins: int

    @property
    def users(self) -> int:
        return max(16, self.key_results // 8)

    def describe(self) -> str:
        return (
            f"{self.teams:,} teams, {self.objectives:,} objectives, {self.key_results:,} KRs, "
            f"{self.check_ins:,} check-ins, {self.users:,} users"
        )


FULL = Dataset("full", 200, 2_000, 8_000, 100_000)
QUICK = Dataset("quick", 20, 200, 800, 10_000)
TINY = Dataset("tiny", 5, 50, 200, 2_500)


def user_id(index: int) -> str:
    """0-based index → "U0001"."""
    return f"U{index + 1:04d}"


# --------------------------------------------------------------------------------- the plan
#
# The dataset is a pure function of its sizes (and a fixed random seed): the driver needs part
# of it (who owns which KR, in which channel) before the database is even seeded.


def team_rows(ds: Dataset) -> list[dict[str, Any]]:
    return [
        {
            "id": k + 1,
            "name": f"Team {k + 1:03d}",
            "channel_id": f"C{k + 1:04d}",
            "archetype": ARCHETYPES[k % len(ARCHETYPES)],
            "timezone": TEAM_ZONES[k % len(TEAM_ZONES)],
            "lead_user_id": user_id((k * 5) % ds.users),
        }
        for k in range(ds.teams)
    ]


def objective_team(ds: Dataset, index: int) -> int:
    """0-based objective index → 0-based team index (objectives are spread evenly)."""
    return index * ds.teams // ds.objectives


def objective_is_open(index: int) -> bool:
    return index % 20 != 19  # one objective in 20 is already done


def kr_shape(index: int) -> tuple[str, float, float, str]:
    """(kind, start, target, unit) of the 0-based KR `index`: mixed kinds."""
    position = index % KR_PER_OBJECTIVE
    variant = (index // KR_PER_OBJECTIVE) % 5
    if position == 0:
        return "increase_to", 10.0 + variant, 40.0 + 10 * variant, "teams"
    if position == 1:
        return ("decrease_to", 8.0, 3.0, "%") if variant % 2 else ("stay_above", 0.0, 95.0, "%")
    if position == 2:
        return ("milestone", 0.0, 1.0, "") if variant % 2 else ("stay_below", 0.0, 2.0, "h")
    return "increase_to", 0.0, 1000.0 + 100 * variant, "€k"


def kr_objective(index: int) -> int:
    return index // KR_PER_OBJECTIVE


def kr_owner(ds: Dataset, index: int) -> str:
    # Round robin: the four KRs of an objective have four owners; each user owns ~8 KRs in ~8
    # objectives of different teams.
    return user_id(index % ds.users)


def objective_owner(ds: Dataset, index: int) -> str:
    return user_id((index * 3 + 1) % ds.users)


@dataclass(frozen=True)
class ActorKr:
    ref: int
    kind: str
    start: float
    target: float
    channel: str
    objective_ref: int


@dataclass(frozen=True)
class Actor:
    user_id: str
    channel: str  # the channel they type in: the team channel of their first KR
    krs: tuple[ActorKr, ...]


def plan_actors(ds: Dataset, count: int, *, first: int = 0) -> list[Actor]:
    """`count` acting users from the `first`-th (U0001…): each owns ~8 KRs of open objectives."""
    teams = team_rows(ds)
    actors = []
    for a in range(first, min(first + count, ds.users)):
        krs = []
        for index in range(a, ds.key_results, ds.users):
            objective = kr_objective(index)
            if not objective_is_open(objective):
                continue
            kind, start, target, _ = kr_shape(index)
            channel = teams[objective_team(ds, objective)]["channel_id"]
            krs.append(ActorKr(index + 1, kind, start, target, channel, objective + 1))
        if krs:
            actors.append(Actor(user_id(a), krs[0].channel, tuple(krs)))
    return actors


def random_value(rng: random.Random, kind: str, start: float, target: float) -> float:
    if kind == "milestone":
        return float(rng.randint(0, 1))
    if kind in ("stay_above", "stay_below"):
        return round(target * rng.uniform(0.8, 1.2), 1)
    low, high = sorted((start, target))
    return round(rng.uniform(low, high), 1)


# --------------------------------------------------------------------------------- seeding


def seed(
    url: str, ds: Dataset, posts: dict[int, str], now: datetime, known: list[str]
) -> dict[str, int]:
    """Migrate, then bulk-insert the dataset. `posts` maps objective refs to the ts of their
    post in the fake Slack; other objectives get a made-up ts in their team channel. `known`:
    the users Polaris has already met (a `member` row: their profile is cached); anyone else's
    first request waits for users.info. Blocking: run it in a thread."""
    from bot.domain.cycles import current_quarter
    from storage.models import CheckIn, Cycle, KeyResult, Member, Objective, Team, Workspace

    rng = random.Random(SEED)
    created = now - timedelta(days=HISTORY_DAYS + 1)
    teams = team_rows(ds)
    cycles: dict[str, dict[str, Any]] = {}
    zones = sorted({t["timezone"] for t in teams}, key=TEAM_ZONES.index)
    for zone in zones:
        span = current_quarter(now, zone)
        if span.key not in cycles:
            cycles[span.key] = cycle_row(len(cycles) + 1, span.key, span.starts_on, span.ends_on)
    cycle_of_zone = {zone: cycles[current_quarter(now, zone).key]["id"] for zone in zones}
    objectives = []
    for j in range(ds.objectives):
        team = teams[objective_team(ds, j)]
        objectives.append(
            objective_row(
                j + 1,
                team_id=team["id"],
                cycle_id=cycle_of_zone[team["timezone"]],
                title=f"Objective {j + 1}: delight {team['name']}'s users",
                owner=objective_owner(ds, j),
                created=created,
                state="open" if objective_is_open(j) else "done",
                post=(team["channel_id"], posts.get(j + 1, f"{1_600_000_000 + j}.000100")),
            )
        )
    key_results = []
    for i in range(ds.key_results):
        kind, start, target, unit = kr_shape(i)
        key_results.append(
            key_result_row(
                i + 1,
                objective_id=kr_objective(i) + 1,
                position=i % KR_PER_OBJECTIVE,
                title=f"KR {i + 1} {kind.replace('_', ' ')} {target:g}{unit}",
                kind=kind,
                start=start,
                target=target,
                unit=unit,
                owner=kr_owner(ds, i),
                created=created,
            )
        )
    notes = ("", "", "on track", "blocked by legal review", "pipeline strong", "slipped a week")
    check_ins = []
    for _ in range(ds.check_ins):
        i = rng.randrange(ds.key_results)
        kind, start, target, _unit = kr_shape(i)
        check_ins.append(
            check_in_row(
                i + 1,
                value=random_value(rng, kind, start, target),
                confidence=rng.randint(0, 10),
                note=rng.choice(notes),
                author=kr_owner(ds, i),
                source=rng.choice(("command", "modal", "dm")),
                at=now - timedelta(seconds=rng.uniform(60, HISTORY_DAYS * 86_400)),
            )
        )
    members = [
        {
            "workspace_id": WORKSPACE_ID,
            "user_id": user,
            "locale": ACTOR_LOCALE,
            "timezone": ACTOR_TZ,
            "is_admin": False,
            "nudges_paused_until": None,
            "refreshed_at": now,
        }
        for user in known
    ]
    workspace = workspace_row(objectives=ds.objectives, key_results=ds.key_results, created=created)
    team_table = [
        team_row(t["id"], created=created, **{k: v for k, v in t.items() if k != "id"})
        for t in teams
    ]
    return bulk_load(
        url,
        [
            (Workspace, [workspace]),
            (Cycle, list(cycles.values())),
            (Team, team_table),
            (Member, members),
            (Objective, objectives),
            (KeyResult, key_results),
            (CheckIn, check_ins),
        ],
        counted={
            "teams": Team,
            "objectives": Objective,
            "key_results": KeyResult,
            "check_ins": CheckIn,
        },
    )


# --------------------------------------------------------------------------------- server side


@dataclass
class RequestStats:
    """What the server did for one request."""

    kind: str
    status: int = 0
    seconds: float = 0.0
    statements: int = 0
    sql_seconds: float = 0.0
    slack_calls: int = 0
    slack_seconds: float = 0.0
    # From the start of the request to the end of the last SQL statement or Slack call it
    # caused, the work after the ack included (background tasks inherit the ContextVar).
    done_seconds: float = 0.0
    started: float = 0.0
    # This process's CPU time (every thread) from the start to 'done': meaningful for one
    # request at a time, when nothing else runs.
    cpu_seconds: float = 0.0
    cpu_started: float = 0.0
    sql: list[str] = field(default_factory=list)
    _sql_started: float = 0.0

    def activity_ended(self) -> None:
        self.done_seconds = max(self.done_seconds, time.perf_counter() - self.started)
        self.cpu_seconds = max(self.cpu_seconds, time.process_time() - self.cpu_started)


CURRENT: contextvars.ContextVar[RequestStats | None] = contextvars.ContextVar(
    "bench_request", default=None
)


@dataclass
class Recorder:
    """Every request seen by the metered servers, and statements no request could claim."""

    requests: list[RequestStats] = field(default_factory=list)
    unattributed_statements: int = 0
    unattributed_sql: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list[RequestStats]:
        return [r for r in self.requests if r.kind == kind]


class Meter:
    """Pure-ASGI middleware: times each HTTP request from the start of the ASGI call to the
    end of its response body, and makes a `RequestStats` current (a ContextVar) for the SQL
    and Slack counters. The client names the request kind in `X-Bench-Kind`."""

    def __init__(self, app: Any, recorder: Recorder) -> None:
        self.app = app
        self.recorder = recorder

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kind = "untagged"
        for name, value in scope.get("headers", ()):
            if name == b"x-bench-kind":
                kind = value.decode()
        stats = RequestStats(kind)
        started = stats.started = time.perf_counter()
        stats.cpu_started = time.process_time()
        ended: list[float] = []

        async def metered_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                stats.status = int(message["status"])
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                ended.append(time.perf_counter())

        token = CURRENT.set(stats)
        try:
            await self.app(scope, receive, metered_send)
        finally:
            CURRENT.reset(token)
            stats.seconds = (ended[0] if ended else time.perf_counter()) - started
            stats.done_seconds = max(stats.done_seconds, stats.seconds)
            stats.activity_ended()
            self.recorder.requests.append(stats)


def install_sql_counter(engine: Any, recorder: Recorder) -> Callable[[], None]:
    """Count cursor executions per request. SQLAlchemy's async engines run the sync core in a
    greenlet that inherits the calling task's contextvars, so `CURRENT` is visible here; a
    statement seen without it is counted as unattributed (the report shows that number)."""
    from sqlalchemy import event

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        stats = CURRENT.get()
        if stats is None:
            recorder.unattributed_statements += 1
            if len(recorder.unattributed_sql) < 5:
                recorder.unattributed_sql.append(statement)
            return
        stats.statements += 1
        stats.sql.append(statement)
        stats._sql_started = time.perf_counter()

    def after(*_: Any) -> None:
        stats = CURRENT.get()
        if stats is not None and stats._sql_started:
            stats.sql_seconds += time.perf_counter() - stats._sql_started
            stats._sql_started = 0.0
            stats.activity_ended()

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)

    def remove() -> None:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)

    return remove


def install_slack_timer() -> Callable[[], None]:
    """Time every outbound aiohttp request (Web API calls and response_url posts) until its
    response headers arrive, and charge it to the current request. Bench-only monkeypatch."""
    import aiohttp

    original = aiohttp.ClientSession._request

    async def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        stats = CURRENT.get()
        started = time.perf_counter()
        try:
            return await original(self, *args, **kwargs)
        finally:
            if stats is not None:
                stats.slack_calls += 1
                stats.slack_seconds += time.perf_counter() - started
                stats.activity_ended()

    aiohttp.ClientSession._request = timed  # type: ignore[method-assign]

    def remove() -> None:
        aiohttp.ClientSession._request = original  # type: ignore[method-assign]

    return remove


def bare_bolt_app(fake_url: str) -> Any:
    """A Bolt app with Polaris's signing secret and nothing else: the yardsticks' base."""
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    return AsyncApp(
        signing_secret=SIGNING_SECRET,
        client=AsyncWebClient(token=BOT_TOKEN, base_url=fake_url),
        process_before_response=True,
    )


def over_starlette(app: Any) -> Any:
    """`app` at POST /slack/events through the Starlette adapter Polaris uses."""
    from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    handler = AsyncSlackRequestHandler(app)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    return Starlette(routes=[Route("/slack/events", events, methods=["POST"])])


def build_noop_app(fake_url: str) -> Any:
    """The yardstick: a bare Bolt app whose /okr listener only acks, over the same adapter."""
    from slack_bolt.async_app import AsyncAck

    app = bare_bolt_app(fake_url)

    @app.command("/okr")
    async def ack_only(ack: AsyncAck) -> None:
        await ack()

    @app.view(re.compile(".*"))
    async def ack_view_only(ack: AsyncAck) -> None:
        await ack()

    return over_starlette(app)


def reference_table() -> Any:
    """The one-write reference's own table, created in the bench database."""
    from sqlalchemy import Column, DateTime, Float, Integer, MetaData, String, Table

    return Table(
        REFERENCE_TABLE,
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("user_id", String(32), nullable=False),
        Column("value", Float, nullable=False),
        Column("at", DateTime(timezone=True), nullable=False),
    )


async def build_reference_app(fake_url: str, database_url: str) -> tuple[Any, Any]:
    """The one-write reference: a bare Bolt app whose view listener stores the submitted value
    (one INSERT … RETURNING, COMMIT) on the same database, through an engine made as Polaris
    makes its own (same driver, pool and SQLite pragmas), then acks. Returns the ASGI app and
    the engine (the caller disposes of it)."""
    from slack_bolt.async_app import AsyncAck
    from sqlalchemy import insert

    from storage.database import create_engine

    engine = create_engine(database_url)
    table = reference_table()
    async with engine.begin() as conn:
        await conn.run_sync(table.metadata.create_all)
    app = bare_bolt_app(fake_url)

    @app.view(re.compile(".*"))
    async def store_then_ack(ack: AsyncAck, body: dict[str, Any]) -> None:
        values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
        typed = (values.get("value") or {}).get("value") or {}
        try:
            value = float(typed.get("value") or 0)
        except ValueError:
            value = 0.0
        row = {"user_id": body["user"]["id"], "value": value, "at": datetime.now(UTC)}
        async with engine.begin() as conn:
            await conn.scalar(insert(table).values(row).returning(table.c.id))
        await ack()

    return over_starlette(app), engine


class DriverProcess:
    """The child process running the fake Slack and the clients; JSON lines both ways."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls) -> DriverProcess:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(SCRIPT),
            "--driver",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=str(ROOT),
            limit=1 << 26,
        )
        return cls(proc)

    async def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        await self.proc.stdin.drain()

    async def receive(self, timeout: float) -> dict[str, Any]:  # noqa: ASYNC109
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            raise RuntimeError(f"the driver process exited (code {await self.proc.wait()})")
        message: dict[str, Any] = json.loads(line)
        if message.get("op") == "error":
            raise RuntimeError(f"driver failed: {message.get('error')}")
        return message

    async def close(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(Exception):
                await self.send({"op": "exit"})
            try:
                await asyncio.wait_for(self.proc.wait(), 3)
            except (TimeoutError, asyncio.CancelledError):
                self.proc.kill()
                await self.proc.wait()


@dataclass
class SessionResult:
    dataset: Dataset
    backend: str
    seeded: dict[str, int]
    seed_seconds: float
    recorder: Recorder
    driver: dict[str, Any]  # the first run's report (the only one but with --workers)
    new_check_ins: int
    load_seconds: float
    runs: list[dict[str, Any]] = field(default_factory=list)  # every run's report, in order
    labels: list[str] = field(default_factory=list)  # what served each run


async def count_check_ins(runtime: Any) -> int:
    from sqlalchemy import func, select

    from storage.models import CheckIn

    async with runtime.services.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(CheckIn)) or 0)


def step_server_figures(recorder: Recorder, tag: str) -> dict[str, Any]:
    """What this process saw of a ramp step's mixed requests (none when Polaris runs in
    other processes): server latency and 'done'."""
    mixed = [r for r in recorder.requests if r.kind.startswith(f"{tag}:")]
    if not mixed:
        return {"server_ms": None, "done_ms": None}
    return {
        "server_ms": percentiles([r.seconds * 1000 for r in mixed]),
        "done_ms": percentiles([r.done_seconds * 1000 for r in mixed]),
    }


async def drive(
    driver: DriverProcess, order: dict[str, Any], recorder: Recorder, deadline: float
) -> dict[str, Any]:
    """Send the driver one run and answer its ramp steps with this process's figures, until
    its report."""
    await driver.send(order | {"op": "run", "deadline_in": max(1.0, deadline - time.monotonic())})
    while True:
        message = await driver.receive(timeout=max(5.0, deadline - time.monotonic()) + 30)
        if message.get("op") == "step":
            await driver.send(step_server_figures(recorder, message["tag"]) | {"op": "figures"})
        elif message.get("op") == "report":
            report: dict[str, Any] = message["report"]
            return report


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def polaris_serve(database_url: str, fake_url: str, workers: int) -> AsyncIterator[str]:
    """`polaris serve --workers N` in a child process (its own session, so it and its workers
    are stopped together), against the bench database and the fake Slack, scheduler off.
    Yields its base URL once /healthz answers."""
    import subprocess

    import httpx

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "POLARIS_"))}
    env |= {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_url,
        "DATABASE_URL": database_url,
        "POLARIS_SCHEDULER": "off",
        "PYTHONPATH": str(ROOT),
    }
    with tempfile.TemporaryFile() as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            cwd=str(ROOT),
            env=env,
            stdout=subprocess.DEVNULL,  # uvicorn's access log, one line per request
            stderr=log,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(timeout=2) as http:
                deadline = time.monotonic() + 60
                while True:
                    if proc.returncode is not None or time.monotonic() > deadline:
                        log.seek(0)
                        tail = log.read().decode(errors="replace")[-1500:]
                        command = f"polaris serve --workers {workers}"
                        raise RuntimeError(f"{command} did not start: {tail}")
                    with contextlib.suppress(httpx.HTTPError):
                        if (await http.get(f"{url}/healthz")).status_code == 200:
                            break
                    await asyncio.sleep(0.2)
            yield url
        finally:
            if proc.returncode is None:
                proc.terminate()  # uvicorn's supervisor stops its workers
                try:
                    await asyncio.wait_for(proc.wait(), 20)
                except TimeoutError:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)  # the session this bench started
                    await proc.wait()


async def run_session(
    args: argparse.Namespace,
    ds: Dataset,
    *,
    requests: int,
    serial: int,
    deadline: float,
    users: int,
    cold: int,
) -> SessionResult:
    """One dataset: fresh database, seed, serve, drive the clients, collect. `users` warm
    actors (a stored profile) send the load; `cold` others, never seen, one request each."""
    from bot.app import build_http_app, start_runtime
    from bot.config import Settings
    from tests.serving import serve_asgi

    db = BenchDatabase.create(args.database_url)
    driver: DriverProcess | None = None
    runtime: Any = None
    reference_engine: Any = None
    recorder = Recorder()
    removers: list[Callable[[], None]] = []
    try:
        driver = await DriverProcess.start()
        actors = plan_actors(ds, users)
        cold_actors = plan_actors(ds, cold, first=ds.users - cold) if cold else []
        teams = team_rows(ds)
        await driver.send(
            {
                "op": "start",
                "actors": [asdict(a) for a in actors],
                "cold_actors": [asdict(a) for a in cold_actors],
                "team_names": [t["name"] for t in teams[:: max(1, len(teams) // 16)]],
                "rate": args.rate,
                "connections": args.connections,
                "requests": requests,
                "rounds": args.rounds,
                "serial": serial,
                "ramp_rates": list(ramp_rates(args.ramp_limit)),
                "step_seconds": args.step_seconds,
                "deadline_in": max(1.0, deadline - time.monotonic()),  # a first bound
                "seed": SEED,
            }
        )
        ready = await driver.receive(timeout=120)
        fake_url = ready["fake_url"]
        posts = {int(ref): ts for ref, ts in ready["posts"].items()}
        started = time.monotonic()
        now = datetime.now(UTC)
        known = [a.user_id for a in actors]
        seeded = await asyncio.to_thread(seed, db.url, ds, posts, now, known)
        seed_seconds = time.monotonic() - started
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake_url,
            database_url=db.url,
            polaris_scheduler="off",  # type: ignore[arg-type]
        )
        runtime = await start_runtime(settings)
        removers.append(install_sql_counter(runtime.services.db.engine.sync_engine, recorder))
        removers.append(install_slack_timer())
        reference, reference_engine = await build_reference_app(fake_url, db.url)
        removers.append(install_sql_counter(reference_engine.sync_engine, recorder))
        polaris_app = Meter(build_http_app(runtime), recorder)
        noop_app = Meter(build_noop_app(fake_url), recorder)
        reference_app = Meter(reference, recorder)
        mode = "ramp" if args.ramp or args.workers else "measure"
        # The bench handles SIGINT/SIGTERM itself (cancel, drop the database, stop the driver).
        async with (
            serve_asgi(polaris_app, lifespan="auto", own_signals=True) as polaris_url,
            serve_asgi(noop_app, lifespan="auto", own_signals=True) as noop_url,
            serve_asgi(reference_app, lifespan="auto", own_signals=True) as reference_url,
        ):
            before = await count_check_ins(runtime)
            recorder.unattributed_statements = 0  # only what happens under load counts
            recorder.unattributed_sql.clear()
            load_started = time.monotonic()
            profiler = None
            if args.profile and serial:  # the main session only
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            order = {"mode": mode, "noop_url": noop_url, "reference_url": reference_url}
            runs: list[dict[str, Any]] = []
            labels: list[str] = []
            if args.workers:
                # `polaris serve` in child processes, one worker then N: timed client side.
                for workers in (1, args.workers):
                    async with polaris_serve(db.url, fake_url, workers) as served:
                        labels.append(f"polaris serve --workers {workers}")
                        runs.append(
                            await drive(driver, order | {"polaris_url": served}, recorder, deadline)
                        )
            else:
                labels.append("in this process")
                runs.append(
                    await drive(driver, order | {"polaris_url": polaris_url}, recorder, deadline)
                )
            load_seconds = time.monotonic() - load_started
            # What listeners still do after their ack (thread lines, posts redrawn) ends
            # before the figures are read.
            await runtime.services.background.drain(within=30)
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(args.profile)
            unattributed = recorder.unattributed_statements, list(recorder.unattributed_sql)
            after = await count_check_ins(runtime)
            recorder.unattributed_statements, recorder.unattributed_sql = unattributed
        return SessionResult(
            dataset=ds,
            backend=db.backend,
            seeded=seeded,
            seed_seconds=seed_seconds,
            recorder=recorder,
            driver=runs[0],
            new_check_ins=after - before,
            load_seconds=load_seconds,
            runs=runs,
            labels=labels,
        )
    finally:
        for remove in reversed(removers):
            remove()
        if driver is not None:
            await driver.close()
        if reference_engine is not None:
            await reference_engine.dispose()
        if runtime is not None:
            await runtime.close()
        await asyncio.to_thread(db.drop)


# --------------------------------------------------------------------------------- driver side


class Driver:
    """Runs in the child: the fake Slack, then the clients. Reads orders on stdin."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.views: dict[str, dict[str, Any]] = {}
        self.every: list[dict[str, Any]] = []  # every request sent but the setup ones
        self.runs = 0

    def emit(self, message: dict[str, Any]) -> None:
        self.out.write(json.dumps(message) + "\n")
        self.out.flush()

    async def main(self) -> None:
        from tests.slack_fake import FakeSlack

        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=1 << 26)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        orders: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        parent = os.getppid()

        async def read_orders() -> None:
            # Always listening, so that "exit" or the server process going away (EOF, or
            # being re-parented) stops this process at once, even in the middle of the load.
            while True:
                line = await reader.readline()
                message: dict[str, Any] = json.loads(line) if line else {"op": "exit"}
                if message.get("op") == "exit":
                    os._exit(0)
                await orders.put(message)

        def watch_parent() -> None:
            if os.getppid() != parent:
                os._exit(0)
            loop.call_later(0.5, watch_parent)

        listener = asyncio.create_task(read_orders())
        watch_parent()

        async def order() -> dict[str, Any]:
            if listener.done():
                raise RuntimeError("the order reader stopped")
            return await orders.get()

        self.order = order
        start = await order()
        # Our own hard stop, whatever happens to the parent.
        hard_stop = loop.call_later(start["deadline_in"] + 60, os._exit, 3)

        def actors(planned: list[dict[str, Any]]) -> list[Actor]:
            return [
                Actor(a["user_id"], a["channel"], tuple(ActorKr(**k) for k in a["krs"]))
                for a in planned
            ]

        self.actors = actors(start["actors"])
        self.cold_actors = actors(start["cold_actors"])
        self.team_names: list[str] = start["team_names"]
        self.rate: float = start["rate"]
        self.connections: int = start["connections"]
        self.requests: int = start["requests"]
        self.rounds: int = start["rounds"]
        self.serial: int = start["serial"]
        self.ramp_rates: list[float] = start["ramp_rates"]
        self.step_seconds: float = start["step_seconds"]
        self.rng = random.Random(start["seed"])
        # Payloads are validated after the load, not while it runs (see below).
        async with FakeSlack(latency=0.0, validate_later=True) as fake:
            self.fake = fake
            for actor in (*self.actors, *self.cold_actors):
                fake.add_user(actor.user_id, locale=ACTOR_LOCALE, tz=ACTOR_TZ)
            posts = await self.post_objectives(fake)
            self.emit({"op": "ready", "fake_url": fake.base_url, "posts": posts})
            while True:  # one order "run" per server measured, until "exit" or EOF
                run = await order()
                self.deadline = time.monotonic() + run["deadline_in"]
                hard_stop.cancel()
                hard_stop = loop.call_later(run["deadline_in"] + 60, os._exit, 3)
                try:
                    report = await self.run(run)
                except Exception as error:  # report it to the parent, which prints it
                    self.emit({"op": "error", "error": f"{type(error).__name__}: {error}"})
                    raise
                self.emit({"op": "report", "report": report})

    async def post_objectives(self, fake: Any) -> dict[str, str]:
        """One message per objective the actors will update, so chat.update finds it."""
        from slack_sdk.web.async_client import AsyncWebClient

        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
        everyone = (*self.actors, *self.cold_actors)
        wanted = sorted({(k.objective_ref, k.channel) for a in everyone for k in a.krs})
        posts: dict[str, str] = {}
        gate = asyncio.Semaphore(16)

        async def post(ref: int, channel: str) -> None:
            async with gate:
                answer = await client.chat_postMessage(channel=channel, text=f"O-{ref}")
            posts[str(ref)] = str(answer["ts"])

        await asyncio.gather(*(post(ref, channel) for ref, channel in wanted))
        return posts

    # -- requests

    def command(self, text: str, actor: Actor, key: str) -> tuple[bytes, str]:
        from tests.signing import FORM_CONTENT_TYPE, slash_command_body

        body = slash_command_body(
            text=text,
            user_id=actor.user_id,
            channel_id=actor.channel,
            response_url=self.fake.response_url(key),
            trigger_id=f"{key}.bench",
        )
        return body, FORM_CONTENT_TYPE

    def pick(self, i: int, pool: list[Actor]) -> tuple[Actor, ActorKr, float, int]:
        actor = pool[i % len(pool)]
        kr = actor.krs[(i // len(pool)) % len(actor.krs)]
        value = random_value(self.rng, kr.kind, kr.start, kr.target)
        return actor, kr, value, self.rng.randint(0, 10)

    def make(
        self, kind: str, i: int, tag: str, pool: list[Actor] | None = None
    ) -> tuple[str, bytes, str]:
        """(key, body, content type) of request `i` of `kind` by one of `pool` (the warm
        actors by default); the key names its response_url and ends its note."""
        from handlers.ui.forms import CHECKED
        from tests.signing import FORM_CONTENT_TYPE, interaction_body
        from tests.slack_forms import view_submission

        pool = pool or self.actors
        key = f"{tag}-{kind}-{i}"
        if kind == NOOP:
            actor = pool[i % len(pool)]
            return key, *self.command("list", actor, key)
        if kind == UPDATE_COMMAND:
            actor, kr, value, confidence = self.pick(i, pool)
            text = f'update KR-{kr.ref} {value:g} {confidence} "bench {key}"'
            return key, *self.command(text, actor, key)
        if kind == LIST:
            actor = pool[i % len(pool)]
            # Three in four: my objectives; one in four: a team's, by name.
            text = "list" if i % 4 else f"list {self.team_names[i % len(self.team_names)]}"
            return key, *self.command(text, actor, key)
        assert kind in (MODAL_SUBMIT, NOOP_VIEW, REFERENCE)
        actor, kr, value, confidence = self.pick(i, pool)
        view = self.views[actor.user_id]
        # The modal shows the input of the KR it was opened on (a Done box for a milestone):
        # submit it for a KR of the same sort.
        milestone = actor.krs[0].kind == "milestone"
        alike = [k for k in actor.krs if (k.kind == "milestone") == milestone]
        kr = alike[(i // len(pool)) % len(alike)]
        value = random_value(self.rng, kr.kind, kr.start, kr.target)
        # Same view id + hash = same idempotency key (a double click): vary the hash so that
        # every submission is a new check-in.
        view = {**view, "hash": f"{view['hash']}-{key}"}
        values = {
            "key_result": str(kr.ref),
            "confidence": str(confidence),
            "note": f"bench {key}",
        }
        if any(b.get("block_id") == "value" for b in view["blocks"]):
            values["value"] = f"{value:g}"
        else:  # a milestone's modal: its Done box (ticked on even requests)
            values["done"] = CHECKED if i % 2 == 0 else ""
        payload = view_submission(view, values, user_id=actor.user_id)
        return key, interaction_body(payload), FORM_CONTENT_TYPE

    async def post(
        self, http: Any, url: str, kind: str, tag: str, body: bytes, content_type: str
    ) -> tuple[int, str, float, str]:
        """Send one request; (status, body, seconds from just before sending to the whole
        response: waiting for a pooled connection and the kernel included, and the Polaris
        process that answered: its X-Polaris-Instance header)."""
        from tests.signing import slack_signature_headers

        headers = {
            "Content-Type": content_type,
            "X-Bench-Kind": kind if tag == "run" else f"{tag}:{kind}",
            **slack_signature_headers(SIGNING_SECRET, body),
        }
        started = time.perf_counter()
        try:
            response = await http.post(url, content=body, headers=headers)
        except Exception as error:  # a timeout or a refused connection: status 0
            return 0, f"{type(error).__name__}: {error}", time.perf_counter() - started, ""
        seconds = time.perf_counter() - started
        instance = response.headers.get("x-polaris-instance", "")
        return response.status_code, response.text, seconds, instance

    async def phase(
        self, http: Any, urls: dict[str, str], kind: str, tag: str, indexes: range, rate: float
    ) -> list[dict[str, Any]]:
        """Requests `indexes` of one `kind` in an open loop (see `arrivals`)."""
        return await self.arrivals(http, urls, [(kind, i) for i in indexes], tag, rate)

    async def arrivals(
        self,
        http: Any,
        urls: dict[str, str],
        items: list[tuple[str, int]],
        tag: str,
        rate: float,
        pool: list[Actor] | None = None,
    ) -> list[dict[str, Any]]:
        """Send the requests (kind, index) `items` in an open loop: arrivals at `rate` per
        second on average (exponential gaps, seeded), each sent at its time whether or not the
        earlier ones were answered, as Slack forwards its users' requests. The bodies are built
        before the clock starts, so that building them does not hold up the arrivals."""
        first = items[0][1] if items else 0
        rng = random.Random(f"{SEED}-{tag}-{items[0][0] if items else ''}-{first}")
        built = [(kind, *self.make(kind, i, tag, pool)) for kind, i in items]
        done: list[dict[str, Any]] = []

        async def one(kind: str, key: str, body: bytes, content_type: str) -> None:
            url = urls[ROUTE.get(kind, "polaris")]
            at = time.monotonic()
            status, text, seconds, instance = await self.post(
                http, url, kind, tag, body, content_type
            )
            done.append(
                {
                    "kind": kind,
                    "key": key,
                    "status": status,
                    "text": text,
                    "s": seconds,
                    "at": at,
                    "instance": instance,
                }
            )

        sent: list[asyncio.Task[None]] = []
        started, due = time.monotonic(), 0.0
        for request in built:
            due += rng.expovariate(rate)
            wait = started + due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if time.monotonic() > self.deadline:
                break
            sent.append(asyncio.create_task(one(*request)))
        await asyncio.gather(*sent)
        self.every += done
        return done

    async def alone(
        self, http: Any, urls: dict[str, str], kind: str, indexes: range
    ) -> list[dict[str, Any]]:
        """One request at a time, each sent once the previous one's work after the ack has
        ended: the service time of a kind, without any queueing."""
        done: list[dict[str, Any]] = []
        for i in indexes:
            if time.monotonic() > self.deadline:
                break
            done += await self.phase(http, urls, kind, "serial", range(i, i + 1), rate=1000.0)
            await self.settle(done[-1:])
            await self.quiet()
        return done

    async def quiet(self, idle: float = 0.05, within: float = 10.0) -> None:
        """Wait until the fake Slack has had no call for `idle` seconds: the server's work
        after the acks (thread lines, posts redrawn) is over."""
        deadline = time.monotonic() + within
        seen = -1
        while len(self.fake.calls) != seen and time.monotonic() < deadline:
            seen = len(self.fake.calls)
            await asyncio.sleep(idle)

    async def open_update_modals(self, http: Any, urls: dict[str, str]) -> None:
        """`/okr update KR-n` without values opens the modal; keep each actor's stored view
        (recognised by the KR it was opened on, which only that actor owns)."""
        by_first_kr = {actor.krs[0].ref: actor for actor in self.actors}
        gate = asyncio.Semaphore(8)

        async def open_one(n: int, actor: Actor) -> None:
            key = f"setup-modal-{n}"
            body, content_type = self.command(f"update KR-{actor.krs[0].ref}", actor, key)
            async with gate:
                status, text, _, _ = await self.post(
                    http, urls["polaris"], "setup", "setup", body, content_type
                )
            if status != 200:
                raise RuntimeError(f"the update modal did not open for {actor.user_id}: {text}")

        await asyncio.gather(*(open_one(n, actor) for n, actor in enumerate(self.actors)))
        # Slack has its answer at the ack; views.open follows in the background.
        deadline = time.monotonic() + 30
        while len(self.views) < len(self.actors) and time.monotonic() < deadline:
            for view in self.fake.view_history:
                if view.get("callback_id") != "update_modal":
                    continue
                meta = json.loads(view.get("private_metadata") or "{}")
                actor = by_first_kr.get(meta.get("key_result_ref"))
                if actor is not None:
                    self.views.setdefault(actor.user_id, view)
            await asyncio.sleep(0.05)
        missing = [a.user_id for a in self.actors if a.user_id not in self.views]
        if missing:
            raise RuntimeError(f"the update modal did not open for {missing[:5]}")

    async def settle(self, requests: list[dict[str, Any]], within: float = 20.0) -> None:
        """Wait for the replies that follow the acks: a one-line update and a list answer on
        the response URL once the listener, going on after the ack, has done its work."""
        waiting = {
            r["key"] for r in requests if r["kind"] in (UPDATE_COMMAND, LIST) and r["status"] == 200
        }
        deadline = time.monotonic() + within
        while waiting and time.monotonic() < deadline:
            waiting -= {
                c.method.removeprefix("response_url:")
                for c in self.fake.calls
                if c.method.startswith("response_url:")
            }
            if waiting:
                await asyncio.sleep(0.05)

    def replies(self) -> dict[str, list[dict[str, Any]]]:
        """What each request posted to its response URL, by key."""
        replies: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for call in self.fake.calls:
            if call.method.startswith("response_url:"):
                replies[call.method.removeprefix("response_url:")].append(call.args)
        return replies

    def succeeded(self, request: dict[str, Any], calls: dict[str, list[dict[str, Any]]]) -> bool:
        """Did the request do its job (not only answer 200)?"""
        if request["status"] != 200:
            return False
        kind, replies = request["kind"], calls.get(request["key"], [])
        if kind in NOOP_KINDS:
            return True
        if kind == UPDATE_COMMAND:
            return any(str(r.get("text", "")).startswith("Saved") for r in replies)
        if kind == LIST:
            return any("blocks" in r for r in replies)
        return "response_action" not in request["text"]  # a modal: errors come in the ack

    async def warm_up(self, http: Any, urls: dict[str, str]) -> list[dict[str, Any]]:
        """Every kind a few times (Bolt's auth.test, pools, SQLAlchemy's compiled-statement
        cache; the actors' profiles were cached when their modals opened), untimed."""
        warm: list[dict[str, Any]] = []
        for kind in KINDS:
            warm += await self.phase(
                http, urls, kind, f"warmup{self.runs}", range(min(len(self.actors), 16)), self.rate
            )
        await self.settle(warm)
        await self.quiet()
        return warm

    async def run(self, order: dict[str, Any]) -> dict[str, Any]:
        import httpx

        self.runs += 1
        urls = {
            "polaris": f"{order['polaris_url']}/slack/events",
            NOOP: f"{order['noop_url']}/slack/events",
            REFERENCE: f"{order['reference_url']}/slack/events",
        }
        limits = httpx.Limits(
            max_connections=self.connections, max_keepalive_connections=self.connections
        )
        async with httpx.AsyncClient(timeout=10, limits=limits) as http:
            if not self.views:
                await self.open_update_modals(http, urls)
            warm = await self.warm_up(http, urls)
            if order["mode"] == "ramp":
                report = await self.ramp(http, urls)
            else:
                report = await self.measure(http, urls, warm)
        # Every message and view the run produced, checked with slack_sdk's models now that
        # the clock has stopped: checking them on arrival took CPU from the server measured.
        self.fake.validation_errors.clear()
        self.fake.validate_recorded()
        replies = self.replies()
        report["timed_out"] = time.monotonic() > self.deadline
        report["updates_ok"] = sum(
            1 for m in self.every if m["kind"] in UPDATE_KINDS and self.succeeded(m, replies)
        )
        report["warmup_statuses"] = dict(Counter(str(m["status"]) for m in warm))
        report["validation_errors"] = self.fake.validation_errors[:5]
        report["validation_error_count"] = len(self.fake.validation_errors)
        return report

    async def measure(
        self, http: Any, urls: dict[str, str], warm: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Each kind on its own at the set rate, `rounds` times over; then the cold phase."""
        fake = self.fake
        # One request at a time: each kind's service time without queueing, for diagnosis.
        serial: list[dict[str, Any]] = []
        for kind in KINDS:
            serial += await self.alone(http, urls, kind, range(self.serial))
        await self.settle(serial)
        calls_before = Counter(c.method.partition(":")[0] for c in fake.calls)
        measured: list[dict[str, Any]] = []
        timings: dict[str, float] = defaultdict(float)
        per_round = math.ceil(self.requests / self.rounds)
        for r in range(self.rounds):
            indexes = range(r * per_round, min(self.requests, (r + 1) * per_round))
            for kind in KINDS:
                started = time.monotonic()
                phase = await self.phase(http, urls, kind, "run", indexes, self.rate)
                timings[kind] += time.monotonic() - started
                # Each kind is measured on its own: the previous kind's work after its
                # acks ends first.
                await self.settle(phase)
                await self.quiet()
                measured += phase
        calls_after = Counter(c.method.partition(":")[0] for c in fake.calls)
        # The cold phase: one request from each of the people Polaris has never seen (no
        # stored profile), typed commands in turn, so each pays users.info before its ack.
        cold: list[dict[str, Any]] = []
        cold_seconds = 0.0
        if self.cold_actors:
            items = [(COLD_KINDS[j % len(COLD_KINDS)], j) for j in range(len(self.cold_actors))]
            started = time.monotonic()
            cold = await self.arrivals(http, urls, items, "cold", self.rate, self.cold_actors)
            cold_seconds = time.monotonic() - started
            await self.settle(cold)
            await self.quiet()
        users_info = Counter(c.method for c in fake.calls)["users.info"] - calls_after.get(
            "users.info", 0
        )
        replies = self.replies()
        report: dict[str, Any] = {"mode": "measure", "kinds": {}, "cold": {}}
        for kind in KINDS:
            mine = [m for m in measured if m["kind"] == kind]
            report["kinds"][kind] = self.outcome(mine, replies) | {"seconds": timings[kind]}
        for kind in COLD_KINDS:
            mine = [m for m in cold if m["kind"] == kind]
            report["cold"][kind] = self.outcome(mine, replies) | {"seconds": cold_seconds}
        report["cold_users_info"] = users_info
        report["serial_statuses"] = dict(Counter(str(m["status"]) for m in serial))
        report["slack_calls"] = dict(calls_after - calls_before)
        return report

    def outcome(
        self, requests: list[dict[str, Any]], replies: dict[str, list[dict[str, Any]]]
    ) -> dict[str, Any]:
        """What the clients saw of `requests`: statuses, jobs done, client-side latency."""
        failures = [m for m in requests if not self.succeeded(m, replies)]
        return {
            "sent": len(requests),
            "statuses": dict(Counter(str(m["status"]) for m in requests)),
            "ok": len(requests) - len(failures),
            "failures": [f"{m['status']} {m['text'][:200]}" for m in failures[:3]],
            "client_ms": percentiles([m["s"] * 1000 for m in requests]),
        }

    async def ramp(self, http: Any, urls: dict[str, str]) -> dict[str, Any]:
        """The mixed arrival rate raised step by step until a step does not hold: each step
        sends the Polaris kinds interleaved at its rate for `step_seconds`, waits for their
        replies, then sends the one-write reference alone at the same rate. The server process
        adds its own figures for the step (its 'done'), if it has them."""
        rng = random.Random(f"{SEED}-ramp-{self.runs}")
        steps: list[dict[str, Any]] = []
        answered_by: Counter[str] = Counter()
        # A rehearsal of the first step, unmeasured: what the warm-up left cold (a worker
        # that got none of its connections, the pool's later connections) warms up here.
        rehearsal = [(rng.choice(POLARIS_KINDS), j) for j in range(RAMP_MIN_REQUESTS)]
        first = self.ramp_rates[0] if self.ramp_rates else 1.0
        await self.settle(await self.arrivals(http, urls, rehearsal, f"r{self.runs}warm", first))
        await self.quiet()
        index = len(rehearsal)
        for rate in self.ramp_rates:
            if time.monotonic() > self.deadline:
                break
            count = max(RAMP_MIN_REQUESTS, round(rate * self.step_seconds))
            items = [(rng.choice(POLARIS_KINDS), index + j) for j in range(count)]
            index += count
            tag = f"r{self.runs}s{rate:g}"
            calls_from = len(self.fake.calls)
            mixed = await self.arrivals(http, urls, items, tag, rate)
            await self.settle(mixed)
            await self.quiet()
            replied = reply_times({m["key"]: m["at"] for m in mixed}, self.fake.calls[calls_from:])
            references = max(50, count // 2)
            reference = await self.phase(
                http, urls, REFERENCE, f"{tag}ref", range(index, index + references), rate
            )
            await self.quiet()
            self.emit({"op": "step", "tag": tag})
            server = await self.order()
            replies = self.replies()
            outcome = self.outcome(mixed, replies)
            step = {
                "rate": rate,
                "sent": len(mixed),
                "req_per_s": sending_rate([m["at"] for m in mixed]),
                "errors": len(mixed) - outcome["ok"],
                "failures": outcome["failures"],
                "client_ms": outcome["client_ms"],
                "modal_client_ms": percentiles(
                    [m["s"] * 1000 for m in mixed if m["kind"] == MODAL_SUBMIT]
                ),
                "reference_client_ms": percentiles([m["s"] * 1000 for m in reference]),
                "reference_errors": sum(1 for m in reference if not self.succeeded(m, replies)),
                "reply_ms": percentiles([s * 1000 for s in replied.values()]),
                "missing_replies": len(mixed) - len(replied),
                "done_ms": server.get("done_ms"),
                "server_ms": server.get("server_ms"),
            }
            step["holds"] = step_holds(step)
            steps.append(step)
            answered_by.update(m["instance"] for m in mixed if m["instance"])
            if not step["holds"]:
                break
        # How the steps' requests spread over the processes serving Polaris (a worker keeps
        # the keep-alive connections it accepted).
        return {"mode": "ramp", "steps": steps, "answered_by": sorted(answered_by.values())[::-1]}


def sending_rate(sent_at: list[float]) -> float:
    """Requests per second actually sent: arrivals between the first and the last send (the
    answers are not waited for, so an overloaded server does not lower it)."""
    if len(sent_at) < 2 or max(sent_at) == min(sent_at):
        return math.nan
    return (len(sent_at) - 1) / (max(sent_at) - min(sent_at))


NOTE_KEY = re.compile(r"bench ([A-Za-z0-9_.:-]+)")
# Which server answers each kind: the yardsticks are served by the bench process.
ROUTE = {NOOP: NOOP, NOOP_VIEW: NOOP, REFERENCE: REFERENCE}


def reply_times(sent: dict[str, float], calls: list[Any]) -> dict[str, float]:
    """Seconds from sending each request (key → `time.monotonic()` when sent) to the last reply
    Slack received for it: its response_url posts, and the thread line carrying its note
    ("bench <key>"). Client-side 'done', for a server the bench cannot look into."""
    last: dict[str, float] = {}
    for call in calls:
        if call.method.startswith("response_url:"):
            key: str | None = call.method.removeprefix("response_url:")
        elif call.method == "chat.postMessage":
            found = NOTE_KEY.search(str(call.args.get("text") or ""))
            key = found.group(1) if found else None
        else:
            continue
        if key in sent:
            last[key] = max(last.get(key, 0.0), call.at - sent[key])
    return last


def driver_main() -> None:
    """Entry point of the child. Its stdout is the protocol channel; prints go to stderr."""
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        asyncio.run(Driver(out).main())


# --------------------------------------------------------------------------------- the ramp


def ramp_rates(limit: float) -> tuple[float, ...]:
    """The ramp's mixed arrival rates, requests/s, up to `limit`."""
    return tuple(rate for rate in RAMP_RATES if rate <= limit)


def step_done_ms(step: dict[str, Any]) -> dict[str, float] | None:
    """A step's 'done' percentiles: the server's (until its last statement or Slack call)
    when this process serves Polaris, else the client's (until Slack received the reply)."""
    return step.get("done_ms") or step.get("reply_ms")


def step_holds(step: dict[str, Any]) -> bool:
    """Did the step hold: every request did its job (and got its reply, when 'done' is timed
    on the client), client p99 < 100 ms and 'done' p99 < 1 s?"""
    done = step_done_ms(step)
    client_side = not step.get("done_ms")
    return (
        step["errors"] == 0
        and not (client_side and step.get("missing_replies"))
        and done is not None
        and step["client_ms"]["p99"] < RAMP_CLIENT_P99_MS
        and done["p99"] < RAMP_DONE_P99_MS
    )


def ceiling(steps: list[dict[str, Any]]) -> float | None:
    """The highest rate held before the first step that did not (None: not even the first)."""
    held = None
    for step in steps:
        if not step_holds(step):
            break
        held = step["rate"]
    return held


def reference_ratio(step: dict[str, Any]) -> float:
    """The update modal's client p99 over the one-write reference's at the same rate."""
    return ratio(step["modal_client_ms"]["p99"], step["reference_client_ms"]["p99"])


def within_reference(steps: list[dict[str, Any]], top: float | None) -> bool | None:
    """Is the modal's p99 within REFERENCE_RATIO_TARGET × the reference's at every rate up to
    `top` (the ceiling)? None when no step held."""
    if top is None:
        return None
    return all(reference_ratio(s) <= REFERENCE_RATIO_TARGET for s in steps if s["rate"] <= top)


# --------------------------------------------------------------------------------- report


@dataclass
class KindFigures:
    kind: str
    count: int
    server_ms: dict[str, float]
    done_ms: dict[str, float]
    client_ms: dict[str, float]
    statements: tuple[int, int, int]
    sql_ms_p50: float
    slack_calls: tuple[int, int]
    slack_ms_p50: float
    throughput: float
    statuses: dict[str, int]
    ok: int
    sent: int
    failures: list[str]
    sample_sql: list[str]
    serial_ms: dict[str, float]
    serial_done_ms: dict[str, float]
    serial_parts: tuple[float, float, float]  # medians: SQL ms, Slack ms, the rest
    serial_cpu_ms: float


def medians(requests: list[RequestStats]) -> tuple[float, float, float]:
    """Median SQL, Slack and remaining (Python, event loop) milliseconds per request, from
    its start to the end of its last statement or Slack call (the work after the ack included)."""
    if not requests:
        return math.nan, math.nan, math.nan
    return (
        statistics.median(r.sql_seconds * 1000 for r in requests),
        statistics.median(r.slack_seconds * 1000 for r in requests),
        statistics.median(
            (r.done_seconds - r.sql_seconds - r.slack_seconds) * 1000 for r in requests
        ),
    )


def figures(result: SessionResult) -> dict[str, KindFigures]:
    out = {}
    for kind in KINDS:
        seen = result.recorder.of(kind)
        driver = result.driver["kinds"][kind]
        # Work per request is counted on the requests that succeeded: a failed one stops
        # early (its latency still counts above, and the failure is reported below).
        answered = [r for r in seen if r.status == 200]
        statements = sorted(r.statements for r in answered) or [0]
        slack = sorted(r.slack_calls for r in answered) or [0]
        busiest = max(answered, key=lambda r: r.statements, default=None)
        serial = result.recorder.of(f"serial:{kind}")
        out[kind] = KindFigures(
            kind=kind,
            count=len(seen),
            server_ms=percentiles([r.seconds * 1000 for r in seen]),
            done_ms=percentiles([r.done_seconds * 1000 for r in seen]),
            client_ms=driver["client_ms"],
            statements=(statements[0], int(statistics.median(statements)), statements[-1]),
            sql_ms_p50=statistics.median([r.sql_seconds * 1000 for r in seen]) if seen else 0,
            slack_calls=(slack[0], slack[-1]),
            slack_ms_p50=statistics.median([r.slack_seconds * 1000 for r in seen]) if seen else 0,
            throughput=driver["sent"] / driver["seconds"] if driver["seconds"] else 0.0,
            statuses=Counter(str(r.status) for r in seen),
            ok=driver["ok"],
            sent=driver["sent"],
            failures=driver["failures"],
            sample_sql=busiest.sql if busiest else [],
            serial_ms=percentiles([r.seconds * 1000 for r in serial]),
            serial_done_ms=percentiles([r.done_seconds * 1000 for r in serial]),
            serial_parts=medians(serial),
            serial_cpu_ms=statistics.median(r.cpu_seconds * 1000 for r in serial)
            if serial
            else math.nan,
        )
    return out


def cold_figures(result: SessionResult, figs: dict[str, KindFigures]) -> dict[str, dict[str, Any]]:
    """Per kind, the cold phase's figures and the same kind's warm server p50."""
    rows: dict[str, dict[str, Any]] = {}
    for kind in COLD_KINDS:
        seen = result.recorder.of(f"cold:{kind}")
        client = result.driver.get("cold", {}).get(kind)
        if not seen or not client:
            continue
        server = percentiles([r.seconds * 1000 for r in seen])
        rows[kind] = {
            "n": len(seen),
            "p50": server["p50"],
            "p99": server["p99"],
            "client_p50": client["client_ms"]["p50"],
            "client_p99": client["client_ms"]["p99"],
            "done_p99": percentiles([r.done_seconds * 1000 for r in seen])["p99"],
            "warm_p50": figs[kind].server_ms["p50"],
        }
    return rows


def ratio(value: float, reference: float) -> float:
    """value / reference; NaN (a missed target) when either is missing or zero."""
    if not reference or math.isnan(reference) or math.isnan(value):
        return math.nan
    return value / reference


def fmt(value: float, digits: int = 1) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def sql_line(statement: str) -> str:
    return " ".join(statement.split())[:150]


def report(
    args: argparse.Namespace,
    main: SessionResult,
    probe: SessionResult | None,
    wall: float,
) -> None:
    figs = figures(main)
    probe_figs = figures(probe) if probe else None
    print()
    print(
        f"Polaris request benchmark — {BACKENDS[main.backend]}, {args.rate:g} requests/s of "
        "each kind, open loop"
    )
    print(f"  mode:      {'quick' if args.quick else 'full'}, {args.requests} requests per kind")
    print(f"  dataset:   {main.dataset.describe()}")
    print(f"  machine:   {machine()}")
    print(
        f"  seeded:    {main.seeded['check_ins']:,} check-ins, "
        f"{main.seeded['key_results']:,} KRs in {main.seed_seconds:.1f} s"
    )
    print(
        "  latency:   server side, until Slack has its answer (ASGI call → end of the response "
        "body);\n             'done' = until the last SQL statement or Slack call the request "
        "caused, after the ack"
    )
    print()
    header = (
        f"{'kind':<20} {'n':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} "
        f"{'×noop p50':>9} {'×noop p99':>9} {'×ref p99':>8} {'req/s':>6} {'done p50':>8} "
        f"{'done p99':>8}"
    )
    print(header)
    print("-" * len(header))
    missed: list[str] = []
    summary_kinds: dict[str, Any] = {}
    reference = figs[REFERENCE]
    for kind in KINDS:
        f = figs[kind]
        s = f.server_ms
        noop = figs[YARDSTICK.get(kind, kind)].server_ms
        ratio50, ratio99 = ratio(s["p50"], noop["p50"]), ratio(s["p99"], noop["p99"])
        ratio_ref = ratio(s["p99"], reference.server_ms["p99"])
        print(
            f"{kind:<20} {f.count:>5} {fmt(s['p50']):>7} {fmt(s['p95']):>7} {fmt(s['p99']):>7} "
            f"{fmt(s['max']):>7} {fmt(ratio50):>9} {fmt(ratio99):>9} {fmt(ratio_ref):>8} "
            f"{fmt(f.throughput, 0):>6} {fmt(f.done_ms['p50']):>8} {fmt(f.done_ms['p99']):>8}"
        )
        serial_ratio = ratio(f.serial_ms["p50"], figs[YARDSTICK.get(kind, kind)].serial_ms["p50"])
        summary_kinds[kind] = {
            "n": f.count,
            **{k: round(v, 2) for k, v in s.items()},
            "ratio_p50": round(ratio50, 2),
            "ratio_p99": round(ratio99, 2),
            "ratio_reference_p99": round(ratio_ref, 2),
            "sql_min": f.statements[0],
            "sql_median": f.statements[1],
            "sql_max": f.statements[2],
            "sql_ms_p50": round(f.sql_ms_p50, 2),
            "slack_calls": list(f.slack_calls),
            "slack_ms_p50": round(f.slack_ms_p50, 2),
            "client_p50": round(f.client_ms["p50"], 2),
            "client_p95": round(f.client_ms["p95"], 2),
            "client_p99": round(f.client_ms["p99"], 2),
            "client_max": round(f.client_ms["max"], 2),
            "client_ratio_reference_p99": round(
                ratio(f.client_ms["p99"], reference.client_ms["p99"]), 2
            ),
            "done_p50": round(f.done_ms["p50"], 2),
            "done_p99": round(f.done_ms["p99"], 2),
            "req_per_s": round(f.throughput, 1),
            "one_client_p50": round(f.serial_ms["p50"], 2),
            "one_client_ratio_p50": round(serial_ratio, 2),
        }
    print(
        f"\n  ms, server side, arrivals at {args.rate:g}/s; ×noop = ratio to the no-op app's p50 / "
        "p99 on the\n  same payload (noop: the slash commands, noop_view: the view submission); "
        f"×ref p99 = ratio to the p99 of\n  {REFERENCE}, a listener doing one INSERT … RETURNING + "
        "COMMIT on the same database before\n  its ack (sent the modal's payload); req/s = the "
        "rate achieved; done = until the request's last\n  statement or Slack call."
    )
    print()
    header = (
        f"{'client side':<20} {'n':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} "
        f"{'×ref p99':>8} {'queue p50':>9}"
    )
    print(header)
    print("-" * len(header))
    for kind in KINDS:
        f = figs[kind]
        c = f.client_ms
        print(
            f"{kind:<20} {f.sent:>5} {fmt(c['p50']):>7} {fmt(c['p95']):>7} {fmt(c['p99']):>7} "
            f"{fmt(c['max']):>7} {fmt(ratio(c['p99'], reference.client_ms['p99'])):>8} "
            f"{fmt(c['p50'] - f.server_ms['p50']):>9}"
        )
    print(
        "\n  ms, from just before the driver sends each request to its whole response: the time "
        "Slack\n  waits, the client's connection pool, the kernel and HTTP parsing included. "
        "queue p50 = client\n  p50 − server p50: what the server-side figure leaves out."
    )
    cold_rows = cold_figures(main, figs)
    if cold_rows:
        print()
        users_info = main.driver.get("cold_users_info", 0)
        cold_users = sum(row["n"] for row in cold_rows.values())
        print(
            f"Cold cache: the first request of {cold_users} people Polaris has never seen (no "
            f"stored profile),\n{users_info} users.info calls; 'warm' = the same kind by people "
            "it knows (the table above)"
        )
        header = (
            f"{'kind':<20} {'n':>5} {'p50':>7} {'p99':>7} {'client p50':>10} {'client p99':>10} "
            f"{'done p99':>8} {'warm p50':>8} {'+p50':>6}"
        )
        print(header)
        print("-" * len(header))
        for kind, row in cold_rows.items():
            print(
                f"{kind:<20} {row['n']:>5} {fmt(row['p50']):>7} {fmt(row['p99']):>7} "
                f"{fmt(row['client_p50']):>10} {fmt(row['client_p99']):>10} "
                f"{fmt(row['done_p99']):>8} {fmt(row['warm_p50']):>8} "
                f"{fmt(row['p50'] - row['warm_p50']):>6}"
            )
        print("\n  ms, server side but for the client columns; +p50 = cold p50 − warm p50.")
    print()
    header = (
        f"{'where the time goes':<20} {'SQL/req':>9} {'Slack':>5} │ {'ack':>6} {'×noop':>6} "
        f"{'done':>6} {'SQL ms':>6} {'Slack ms':>8} {'other ms':>8} {'CPU ms':>6}"
    )
    print(f"{'':<36} │ {'one request at a time, p50':^54}")
    print(header)
    print("-" * len(header))
    for kind in KINDS:
        f = figs[kind]
        lo, med, hi = f.statements
        low_calls, high_calls = f.slack_calls
        calls = f"{low_calls}" if low_calls == high_calls else f"{low_calls}-{high_calls}"
        sql_ms, slack_ms, other_ms = f.serial_parts
        print(
            f"{kind:<20} {f'{lo}/{med}/{hi}':>9} {calls:>5} │ {fmt(f.serial_ms['p50']):>6} "
            f"{fmt(summary_kinds[kind]['one_client_ratio_p50']):>6} "
            f"{fmt(f.serial_done_ms['p50']):>6} {fmt(sql_ms):>6} {fmt(slack_ms):>8} "
            f"{fmt(other_ms):>8} {fmt(f.serial_cpu_ms):>6}"
        )
        summary_kinds[kind]["one_client_parts_ms"] = {
            "sql": round(sql_ms, 2),
            "slack": round(slack_ms, 2),
            "other": round(other_ms, 2),
            "cpu": round(f.serial_cpu_ms, 2),
        }
    print(
        "\n  SQL/req = SQL statements per request, min/median/max; Slack = outbound Slack calls "
        "per request\n  (both counted up to 'done'). SQL ms = time inside statements, Slack ms "
        "= time until Slack's\n  response headers (fake Slack on loopback, another process), "
        "other = the rest of 'done'\n  (Python: Bolt, handlers, Block Kit, i18n). CPU ms = this "
        "process's CPU time until 'done'\n  (all its threads): 1000 / CPU ms is what one core "
        "serves per second of that kind."
    )

    # Statements per request at two data sizes.
    bounded: dict[str, bool | None] = {}
    print()
    if probe_figs is not None and probe is not None:
        print(
            f"SQL statements per request by data size (min/median/max): "
            f"{probe.dataset.name} = {probe.dataset.key_results:,} KRs / "
            f"{probe.dataset.check_ins:,} check-ins, {main.dataset.name} = "
            f"{main.dataset.key_results:,} KRs / {main.dataset.check_ins:,} check-ins"
        )
        print(f"{'kind':<20} {probe.dataset.name:>12} {main.dataset.name:>12}  bounded")
        for kind in POLARIS_KINDS:
            small, large = probe_figs[kind].statements, figs[kind].statements
            bounded[kind] = probe_figs[kind].count > 0 and large[2] <= small[2]
            print(
                f"{kind:<20} {'/'.join(map(str, small)):>12} {'/'.join(map(str, large)):>12}  "
                f"{'yes' if bounded[kind] else 'NO'}"
            )
    else:
        print("SQL statements per request: one data size only (--no-probe): boundedness not shown")
        bounded = dict.fromkeys(POLARIS_KINDS)

    # Targets.
    print()
    print(
        f"Targets: p99 < {P99_TARGET_MS:.0f} ms, ratio to the no-op < {RATIO_TARGET:g} "
        f"(p50 and p99), SQL statements bounded;\n  {MODAL_SUBMIT} p99 ≤ "
        f"{REFERENCE_RATIO_TARGET:g} × the one-write reference's"
    )
    for kind in POLARIS_KINDS:
        s = figs[kind].server_ms
        noop = figs[YARDSTICK[kind]].server_ms
        checks = {
            "p99": s["p99"] < P99_TARGET_MS,
            "ratio p50": ratio(s["p50"], noop["p50"]) < RATIO_TARGET,
            "ratio p99": ratio(s["p99"], noop["p99"]) < RATIO_TARGET,
        }
        if bounded[kind] is not None:
            checks["statements"] = bool(bounded[kind])
        if kind == MODAL_SUBMIT:
            checks["×ref p99"] = (
                ratio(s["p99"], reference.server_ms["p99"]) <= REFERENCE_RATIO_TARGET
            )
        failed = [name for name, ok in checks.items() if not ok]
        detail = ", ".join(
            [
                f"p99 {fmt(s['p99'])} ms",
                f"×noop p50 {fmt(ratio(s['p50'], noop['p50']))}",
                f"×noop p99 {fmt(ratio(s['p99'], noop['p99']))}",
            ]
            + (
                [f"×ref p99 {fmt(ratio(s['p99'], reference.server_ms['p99']))}"]
                if kind == MODAL_SUBMIT
                else []
            )
        )
        print(
            f"  {kind:<20} {'PASS' if not failed else 'FAIL'}  ({detail})"
            + (f"  missed: {', '.join(failed)}" if failed else "")
        )
        missed += [f"{kind}: {name}" for name in failed]
        summary_kinds[kind]["pass"] = not failed
        summary_kinds[kind]["statements_bounded"] = bounded[kind]

    # Correctness of the run itself.
    problems = correctness(main) + (correctness(probe) if probe else [])
    print()
    print("Checks:")
    expected = main.driver["updates_ok"]
    print(
        f"  new check-ins in the database: {main.new_check_ins:,}; successful update "
        f"requests (warm-up included): {expected:,}"
    )
    calls = main.driver["slack_calls"]
    print(
        "  Slack calls under load: "
        + ", ".join(f"{method} {count:,}" for method, count in sorted(calls.items()))
    )
    if problems:
        for problem in problems:
            print(f"  PROBLEM: {problem}")
    else:
        print(
            "  all responses HTTP 200, every update recorded exactly once, no Slack payload errors"
        )
    if args.show_sql:
        print()
        for kind in POLARIS_KINDS:
            print(f"SQL of one {kind} request ({len(figs[kind].sample_sql)} statements):")
            for statement in figs[kind].sample_sql:
                print(f"    {sql_line(statement)}")
    print()
    print(
        f"Wall time {wall:.1f} s (load {main.load_seconds:.1f} s"
        + (", probe session included" if probe else "")
        + ")"
    )
    if missed:
        print("MISSED TARGETS: " + "; ".join(missed))
    else:
        print("All targets met.")
    summary = {
        "bench": "requests",
        "backend": main.backend,
        "mode": "quick" if args.quick else "full",
        "rate_per_s": args.rate,
        "requests_per_kind": args.requests,
        "dataset": asdict(main.dataset) | {"users": main.dataset.users},
        "probe_dataset": asdict(probe.dataset) if probe else None,
        "statements_by_size": {
            kind: {
                probe.dataset.name: list(probe_figs[kind].statements),
                main.dataset.name: list(figs[kind].statements),
            }
            for kind in POLARIS_KINDS
        }
        if probe and probe_figs
        else None,
        "kinds": summary_kinds,
        "cold": {kind: {k: round(v, 2) for k, v in row.items()} for kind, row in cold_rows.items()},
        "cold_users_info": main.driver.get("cold_users_info"),
        "targets": {
            "p99_ms": P99_TARGET_MS,
            "ratio": RATIO_TARGET,
            "reference_ratio": REFERENCE_RATIO_TARGET,
        },
        "missed": missed,
        "checks_ok": not problems,
        "problems": problems,
        "wall_s": round(wall, 1),
    }
    print(json.dumps(without_nan(summary), separators=(",", ":"), default=str))


def without_nan(value: Any) -> Any:
    """JSON has no NaN: missing figures become null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: without_nan(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_nan(v) for v in value]
    return value


def correctness(result: SessionResult) -> list[str]:
    label = result.dataset.name
    problems = []
    driver = result.driver
    if driver.get("timed_out"):
        problems.append(f"[{label}] the time budget ran out: fewer requests than asked were sent")
    cold = [(f"cold {kind}", figures) for kind, figures in driver["cold"].items()]
    for kind, k in [*driver["kinds"].items(), *cold]:
        if set(k["statuses"]) - {"200"}:
            problems.append(f"[{label}] {kind}: HTTP statuses {k['statuses']} ({k['failures']})")
        elif k["ok"] != k["sent"]:
            problems.append(
                f"[{label}] {kind}: {k['sent'] - k['ok']} of {k['sent']} requests answered 200 "
                f"but did not do their job, e.g. {k['failures']}"
            )
    if set(driver["warmup_statuses"]) - {"200"}:
        problems.append(f"[{label}] warm-up statuses {driver['warmup_statuses']}")
    if set(driver["serial_statuses"]) - {"200"}:
        problems.append(f"[{label}] one-at-a-time statuses {driver['serial_statuses']}")
    cold_sent = sum(c["sent"] for c in driver["cold"].values())
    if driver["cold_users_info"] < cold_sent:
        problems.append(
            f"[{label}] {driver['cold_users_info']} users.info calls for the first requests of "
            f"{cold_sent} people never seen: some profile was cached after all"
        )
    server_statuses = Counter(r.status for r in result.recorder.requests)
    if set(server_statuses) - {200}:
        problems.append(f"[{label}] server answered statuses {dict(server_statuses)}")
    if result.new_check_ins != driver["updates_ok"]:
        problems.append(
            f"[{label}] {result.new_check_ins} new check-ins in the database but "
            f"{driver['updates_ok']} successful update requests"
        )
    if driver["validation_error_count"]:
        problems.append(
            f"[{label}] {driver['validation_error_count']} Slack payload errors, e.g. "
            f"{driver['validation_errors']}"
        )
    if result.recorder.unattributed_statements:
        problems.append(
            f"[{label}] {result.recorder.unattributed_statements} SQL statements ran outside any "
            f"request's context (not counted per request): {result.recorder.unattributed_sql}"
        )
    return problems


def report_ramp(args: argparse.Namespace, result: SessionResult, wall: float) -> None:
    """The ramp's steps per server run, each run's ceiling, the reference ratio up to it and,
    with --workers, the scale of N workers over one."""
    print()
    print(f"Polaris request benchmark — ramp, {BACKENDS[result.backend]}")
    print(f"  mode:      {'quick' if args.quick else 'full'}, {args.step_seconds:g} s a step")
    print(f"  dataset:   {result.dataset.describe()}; {args.users} acting users")
    print(f"  machine:   {machine()}")
    print(
        f"  load:      {', '.join(POLARIS_KINDS)} interleaved at random, equal shares, open "
        f"loop;\n             then {REFERENCE} (one INSERT … RETURNING + COMMIT) alone at the "
        "same rate"
    )
    print(
        f"  a step holds when every request does its job, client p99 < {RAMP_CLIENT_P99_MS:.0f} ms "
        f"and done p99 < {RAMP_DONE_P99_MS / 1000:g} s"
    )
    missed: list[str] = []
    ceilings: list[float | None] = []
    runs_summary = []
    for label, run in zip(result.labels, result.runs, strict=True):
        steps = run["steps"]
        server_side = any(step.get("done_ms") for step in steps)
        print()
        print(
            f"{label}: done = "
            + (
                "server side, until the request's last statement or Slack call"
                if server_side
                else "client side, until Slack received the last reply (response_url, thread line)"
            )
        )
        header = (
            f"{'rate':>5} {'sent':>5} {'req/s':>6} {'client p50':>10} {'client p99':>10} "
            f"{'done p99':>8} {'reply p99':>9} {'modal p99':>9} {'ref p99':>7} {'×ref':>5} "
            f"{'errors':>6}  holds"
        )
        print(header)
        print("-" * len(header))
        for step in steps:
            done = step.get("done_ms") or {"p99": math.nan}
            errors = step["errors"] + (0 if server_side else step["missing_replies"])
            print(
                f"{step['rate']:>5g} {step['sent']:>5} {fmt(step['req_per_s'], 0):>6} "
                f"{fmt(step['client_ms']['p50']):>10} {fmt(step['client_ms']['p99']):>10} "
                f"{fmt(done['p99']):>8} {fmt(step['reply_ms']['p99']):>9} "
                f"{fmt(step['modal_client_ms']['p99']):>9} "
                f"{fmt(step['reference_client_ms']['p99']):>7} {fmt(reference_ratio(step)):>5} "
                f"{errors:>6}  {'yes' if step_holds(step) else 'NO'}"
            )
        shares = run.get("answered_by") or []
        if len(shares) > 1:
            total = sum(shares)
            print(
                f"  answered by {len(shares)} processes: "
                + " / ".join(f"{100 * n / total:.0f} %" for n in shares)
                + " of the steps' requests"
            )
        top = ceiling(steps)
        ceilings.append(top)
        reached_end = bool(steps) and top == steps[-1]["rate"]
        within = within_reference(steps, top)
        print(
            "\n  ms; rate = mixed arrivals/s asked, req/s = achieved; client = the time Slack "
            "waits; reply =\n  until Slack received the request's last reply (client side); "
            "modal / ref p99 = client p99 of\n  the update modal in the mix and of the reference "
            "alone at that rate; ×ref = their ratio."
        )
        top_text = "none" if top is None else f"{top:g} req/s" + (" (the ramp's top)" * reached_end)
        goal_met = top is not None and top >= RAMP_GOAL
        verdict = "met" if goal_met else "MISSED"
        print(f"  Ceiling: {top_text} mixed; goal ≥ {RAMP_GOAL:g}: {verdict}")
        if not goal_met:
            missed.append(f"{label}: ceiling {top_text} < {RAMP_GOAL:g}")
        if within is not None:
            print(
                f"  {MODAL_SUBMIT} p99 ≤ {REFERENCE_RATIO_TARGET:g} × the reference's at every "
                f"rate up to the ceiling: {'yes' if within else 'NO'}"
            )
            if not within:
                missed.append(f"{label}: modal p99 > {REFERENCE_RATIO_TARGET:g} × the reference's")
        runs_summary.append(
            {
                "label": label,
                "done": "server" if server_side else "client",
                "ceiling": top,
                "modal_within_reference": within,
                "answered_by": run.get("answered_by"),
                "steps": [
                    {
                        "rate": step["rate"],
                        "sent": step["sent"],
                        "req_per_s": round(step["req_per_s"], 1),
                        "client_p50": round(step["client_ms"]["p50"], 2),
                        "client_p99": round(step["client_ms"]["p99"], 2),
                        "done_p99": round((step.get("done_ms") or {"p99": math.nan})["p99"], 2),
                        "reply_p99": round(step["reply_ms"]["p99"], 2),
                        "modal_client_p99": round(step["modal_client_ms"]["p99"], 2),
                        "reference_client_p99": round(step["reference_client_ms"]["p99"], 2),
                        "ratio_reference_p99": round(reference_ratio(step), 2),
                        "errors": step["errors"],
                        "missing_replies": step["missing_replies"],
                        "holds": step_holds(step),
                    }
                    for step in steps
                ],
            }
        )
    scale = None
    if args.workers:
        scale = ratio(ceilings[-1] or math.nan, ceilings[0] or math.nan)
        print()
        print(
            f"{args.workers} workers / 1: {fmt(ceilings[-1] or math.nan, 0)} / "
            f"{fmt(ceilings[0] or math.nan, 0)} req/s = {fmt(scale, 2)}× "
            f"(goal ≥ {WORKERS_SCALE_GOAL:g}×: "
            f"{'met' if scale >= WORKERS_SCALE_GOAL else 'MISSED'}; the ramp's steps bound "
            "both figures)"
        )
        if not scale >= WORKERS_SCALE_GOAL:
            missed.append(
                f"{args.workers} workers scale {fmt(scale, 2)}× < {WORKERS_SCALE_GOAL:g}×"
            )
    problems = ramp_correctness(result)
    print()
    print("Checks:")
    print(
        f"  new check-ins in the database: {result.new_check_ins:,}; successful update "
        f"requests (warm-up included): {result.runs[-1]['updates_ok']:,}"
    )
    for problem in problems:
        print(f"  PROBLEM: {problem}")
    if not problems:
        print("  warm-up all HTTP 200, every update acknowledged stored, no Slack payload errors")
    print()
    print(f"Wall time {wall:.1f} s (load {result.load_seconds:.1f} s)")
    print("MISSED TARGETS: " + "; ".join(missed) if missed else "All targets met.")
    summary = {
        "bench": "requests",
        "backend": result.backend,
        "mode": ("quick" if args.quick else "full") + "-ramp",
        "step_seconds": args.step_seconds,
        "users": args.users,
        "dataset": asdict(result.dataset) | {"users": result.dataset.users},
        "ramps": runs_summary,
        "workers": args.workers or 1,
        "workers_scale": scale,
        "targets": {
            "client_p99_ms": RAMP_CLIENT_P99_MS,
            "done_p99_ms": RAMP_DONE_P99_MS,
            "ceiling_req_per_s": RAMP_GOAL,
            "reference_ratio": REFERENCE_RATIO_TARGET,
            "workers_scale": WORKERS_SCALE_GOAL,
        },
        "missed": missed,
        "checks_ok": not problems,
        "problems": problems,
        "wall_s": round(wall, 1),
    }
    print(json.dumps(without_nan(summary), separators=(",", ":"), default=str))


def ramp_correctness(result: SessionResult) -> list[str]:
    """The run itself: warm-ups answered, payloads valid, statements attributed, and no
    update acknowledged but not stored (a request timed out on the client may still have
    stored its check-in, so the database may hold more than the successes)."""
    problems = []
    for label, run in zip(result.labels, result.runs, strict=True):
        if run.get("timed_out"):
            problems.append(f"[{label}] the time budget ran out: the ramp stopped early")
        if set(run["warmup_statuses"]) - {"200"}:
            problems.append(f"[{label}] warm-up statuses {run['warmup_statuses']}")
        if run["validation_error_count"]:
            problems.append(
                f"[{label}] {run['validation_error_count']} Slack payload errors, e.g. "
                f"{run['validation_errors']}"
            )
    if result.new_check_ins < result.runs[-1]["updates_ok"]:
        problems.append(
            f"{result.new_check_ins} new check-ins in the database but "
            f"{result.runs[-1]['updates_ok']} successful update requests"
        )
    if result.recorder.unattributed_statements:
        problems.append(
            f"{result.recorder.unattributed_statements} SQL statements ran outside any "
            f"request's context: {result.recorder.unattributed_sql}"
        )
    return problems


# --------------------------------------------------------------------------------- main


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/request_load.py",
        description="Server-side latency and SQL statements per Slack request, vs a no-op "
        "Bolt app. See bench/README.md.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a tenth of the data and fewer requests (under a minute)",
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server URL (postgresql://user@host:port/db): a fresh database "
        "polaris_bench_<random> is created there and dropped at the end. Default: a fresh "
        "SQLite file in a temporary directory",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=DEFAULT_RATE,
        help=f"requests per second of each kind, open loop (default {DEFAULT_RATE:g})",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=32,
        help="HTTP connections the clients share, at most (default 32)",
    )
    parser.add_argument(
        "--requests",
        type=int,
        help="measured requests per kind (default 1000; 100 with --quick)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="the kinds run in turn this many times (default 2), so drift hits them alike",
    )
    parser.add_argument(
        "--no-probe",
        action="store_true",
        help="skip the second, smaller dataset that shows statements do not grow with data",
    )
    parser.add_argument(
        "--budget",
        type=float,
        help="seconds after which sending stops (default 80 with --quick, 900 otherwise; "
        "with --ramp 150 and 600, twice that with --workers); the process stops itself at "
        "most 5 s (--quick) or 300 s later",
    )
    parser.add_argument(
        "--show-sql", action="store_true", help="print the statements of one request per kind"
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="write a cProfile of the server process under load to FILE (pstats format)",
    )
    parser.add_argument(
        "--users",
        type=int,
        help="acting users with a stored profile, each with their own modal, taken in turn "
        "(default: every user of the dataset but the cold ones, 80 with --quick, 900)",
    )
    parser.add_argument(
        "--cold-users",
        type=int,
        help="people Polaris has never seen, one request each after the measured phases "
        "(default 20 with --quick, 100; 0: no cold phase)",
    )
    parser.add_argument(
        "--ramp",
        action="store_true",
        help="instead of each kind at --rate: raise the mixed arrival rate step by step and "
        "print the highest one process sustains",
    )
    parser.add_argument(
        "--step-seconds",
        type=float,
        help="seconds of mixed arrivals per ramp step (default 2 with --quick, 5)",
    )
    parser.add_argument(
        "--ramp-limit",
        type=float,
        default=RAMP_RATES[-1],
        help=f"the ramp's highest step, requests/s (default {RAMP_RATES[-1]})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="the ramp (implied) against `polaris serve --workers 1`, then --workers N, in "
        "child processes, timed client side (PostgreSQL only)",
    )
    parser.add_argument("--driver", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.requests is None:
        args.requests = 100 if args.quick else 1000
    ramp = args.ramp or args.workers
    if args.budget is None:
        args.budget = (150.0 if ramp else 80.0) if args.quick else (600.0 if ramp else 900.0)
        if args.workers:
            args.budget *= 2
    if args.step_seconds is None:
        args.step_seconds = 2.0 if args.quick else 5.0
    ds = QUICK if args.quick else FULL
    if args.cold_users is None:
        args.cold_users = 0 if ramp else (20 if args.quick else 100)
    if args.users is None:
        args.users = ds.users - args.cold_users
    if not 0 <= args.cold_users <= ds.users // 2:
        parser.error(f"--cold-users must be between 0 and {ds.users // 2}")
    if not 1 <= args.users <= ds.users - args.cold_users:
        parser.error(
            f"--users must be between 1 and {ds.users - args.cold_users} (the dataset's "
            "users but the cold ones)"
        )
    if args.workers is not None:
        if not 2 <= args.workers <= 16:
            parser.error("--workers must be between 2 and 16")
        if not args.database_url:
            parser.error("--workers needs PostgreSQL (--database-url): SQLite is one process")
    if not 0.5 <= args.step_seconds <= 60:
        parser.error("--step-seconds must be between 0.5 and 60")
    if not 0.1 <= args.rate <= 1000:
        parser.error("--rate must be between 0.1 and 1000")
    if not 1 <= args.connections <= 256:
        parser.error("--connections must be between 1 and 256")
    if not 1 <= args.requests <= 100_000:
        parser.error("--requests must be between 1 and 100000")
    if not 1 <= args.rounds <= 10:
        parser.error("--rounds must be between 1 and 10")
    return args


async def bench(args: argparse.Namespace) -> None:
    started = time.monotonic()
    deadline = started + args.budget
    main_ds, probe_ds = (QUICK, TINY) if args.quick else (FULL, QUICK)
    probe = None
    ramp = bool(args.ramp or args.workers)
    if ramp:
        print(f"ramp session: {main_ds.describe()} …", file=sys.stderr, flush=True)
        result = await run_session(
            args,
            main_ds,
            requests=0,
            serial=0,
            deadline=deadline,
            users=args.users,
            cold=0,
        )
        report_ramp(args, result, time.monotonic() - started)
        return
    if not args.no_probe:
        # Few requests: only the statement counts of this session are reported.
        probe_requests = min(args.requests, 8)
        probe_deadline = started + args.budget * 0.35
        print(f"probe session: {probe_ds.describe()} …", file=sys.stderr, flush=True)
        probe = await run_session(
            args,
            probe_ds,
            requests=probe_requests,
            serial=0,
            deadline=probe_deadline,
            users=PROBE_ACTORS,
            cold=0,
        )
    print(f"main session: {main_ds.describe()} …", file=sys.stderr, flush=True)
    main = await run_session(
        args,
        main_ds,
        requests=args.requests,
        serial=min(args.requests, 8 if args.quick else 100),
        deadline=deadline,
        users=args.users,
        cold=args.cold_users,
    )
    report(args, main, probe, time.monotonic() - started)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.driver:
        driver_main()
        return 0

    async def bounded() -> None:
        # SIGTERM (like Ctrl-C, which asyncio.run already handles so) cancels the run: the
        # cleanups run (driver stopped, database dropped) before the process exits.
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        # Whatever happens, stop: the budget plus time to seed, start and clean up.
        await asyncio.wait_for(bench(args), timeout=args.budget + (5 if args.quick else 300))

    try:
        asyncio.run(bounded())
    except TimeoutError:
        print("bench/request_load.py: stopped, the run overran its time budget", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("bench/request_load.py: interrupted, cleaned up", file=sys.stderr)
        return 130
    except Exception as error:
        print(
            f"bench/request_load.py: could not run: {type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
