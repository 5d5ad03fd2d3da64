"""Request benchmark: the real Polaris app over HTTP, timed on the server side.

Seeds a workspace (200 teams, 2,000 objectives, 8,000 KRs, 100,000 check-ins; a tenth of that
with ``--quick``), serves the app with uvicorn on a loopback port against the fake Slack Web API,
and sends signed ``/okr update KR-n …``, ``/okr list`` and update-modal submissions from
concurrent clients in an open loop (``--rate`` arrivals per second of each kind, whatever the
answers). A no-op Bolt ``AsyncApp`` (listeners that only ack) is served in the same process and
event loop and sent the same payloads, as the yardstick. Server latency is the time until Slack
has its answer; "done" follows the request's work after the ack.

Two processes, so the load generator does not steal the server's event loop:

* this process (the *server*): database, seeding, the Polaris runtime and the no-op app, each
  behind a tiny ASGI middleware that times every request (start of the ASGI call to the end of
  the response body) and counts its SQL statements and outbound Slack calls;
* a child process (the *driver*, this file with ``--driver``): the fake Slack and the
  ``httpx`` clients. Both talk JSON lines over the child's stdin/stdout.

Run from the repository root::

    .venv/bin/python bench/request_load.py --quick
    .venv/bin/python bench/request_load.py --database-url postgresql://postgres@127.0.0.1:5432/test

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
import time
from collections import Counter, defaultdict
from collections.abc import Callable
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
UPDATE_COMMAND = "update_command"
LIST = "list"
MODAL_SUBMIT = "update_modal_submit"
POLARIS_KINDS = (UPDATE_COMMAND, LIST, MODAL_SUBMIT)
NOOP_KINDS = (NOOP, NOOP_VIEW)
KINDS = (*NOOP_KINDS, *POLARIS_KINDS)  # the order phases run in, round after round
# Each kind is compared with the no-op app answering the same payload: Bolt's own work
# (parsing an 11 KB form-encoded view is 1-2 ms of pure Python) is the same on both sides.
YARDSTICK = {UPDATE_COMMAND: NOOP, LIST: NOOP, MODAL_SUBMIT: NOOP_VIEW}
UPDATE_KINDS = (UPDATE_COMMAND, MODAL_SUBMIT)

ACTORS = 8  # users sending the requests, round robin
# Requests per second of each kind. A Friday check-in of the whole seeded workspace (1,000 KR
# owners) answered within a minute is ~17 updates/s: 20/s of one kind is above any real peak.
DEFAULT_RATE = 20.0
P99_TARGET_MS = 100.0
RATIO_TARGET = 4.0


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


def plan_actors(ds: Dataset, count: int) -> list[Actor]:
    """The acting users (U0001…): each owns ~8 KRs of open objectives."""
    teams = team_rows(ds)
    actors = []
    for a in range(min(count, ds.users)):
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


def seed(url: str, ds: Dataset, posts: dict[int, str], now: datetime) -> dict[str, int]:
    """Migrate, then bulk-insert the dataset. `posts` maps objective refs to the ts of their
    post in the fake Slack; other objectives get a made-up ts in their team channel. Blocking:
    run it in a thread."""
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
            "user_id": a.user_id,
            "locale": ACTOR_LOCALE,
            "timezone": ACTOR_TZ,
            "is_admin": False,
            "nudges_paused_until": None,
            "refreshed_at": now,
        }
        for a in plan_actors(ds, ds.users)[:64]
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


def build_noop_app(fake_url: str) -> Any:
    """The yardstick: a bare Bolt app whose /okr listener only acks, over the same adapter."""
    from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
    from slack_bolt.async_app import AsyncAck, AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    app = AsyncApp(
        signing_secret=SIGNING_SECRET,
        client=AsyncWebClient(token=BOT_TOKEN, base_url=fake_url),
        process_before_response=True,
    )

    @app.command("/okr")
    async def ack_only(ack: AsyncAck) -> None:
        await ack()

    @app.view(re.compile(".*"))
    async def ack_view_only(ack: AsyncAck) -> None:
        await ack()

    handler = AsyncSlackRequestHandler(app)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    return Starlette(routes=[Route("/slack/events", events, methods=["POST"])])


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
    driver: dict[str, Any]
    new_check_ins: int
    load_seconds: float


async def count_check_ins(runtime: Any) -> int:
    from sqlalchemy import func, select

    from storage.models import CheckIn

    async with runtime.services.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(CheckIn)) or 0)


async def run_session(
    args: argparse.Namespace, ds: Dataset, *, requests: int, serial: int, deadline: float
) -> SessionResult:
    """One dataset: fresh database, seed, serve, drive the clients, collect."""
    from bot.app import build_http_app, start_runtime
    from bot.config import Settings
    from tests.serving import serve_asgi

    db = BenchDatabase.create(args.database_url)
    driver: DriverProcess | None = None
    runtime: Any = None
    recorder = Recorder()
    removers: list[Callable[[], None]] = []
    try:
        driver = await DriverProcess.start()
        actors = plan_actors(ds, ACTORS)
        teams = team_rows(ds)
        await driver.send(
            {
                "op": "start",
                "actors": [asdict(a) for a in actors],
                "team_names": [t["name"] for t in teams[:: max(1, len(teams) // 16)]],
                "rate": args.rate,
                "connections": args.connections,
                "requests": requests,
                "rounds": args.rounds,
                "serial": serial,
                "deadline_in": max(1.0, deadline - time.monotonic()),  # a first bound
                "seed": SEED,
            }
        )
        ready = await driver.receive(timeout=60)
        fake_url = ready["fake_url"]
        posts = {int(ref): ts for ref, ts in ready["posts"].items()}
        started = time.monotonic()
        now = datetime.now(UTC)
        seeded = await asyncio.to_thread(seed, db.url, ds, posts, now)
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
        polaris_app = Meter(build_http_app(runtime), recorder)
        noop_app = Meter(build_noop_app(fake_url), recorder)
        # The bench handles SIGINT/SIGTERM itself (cancel, drop the database, stop the driver).
        async with (
            serve_asgi(polaris_app, lifespan="auto", own_signals=True) as polaris_url,
            serve_asgi(noop_app, lifespan="auto", own_signals=True) as noop_url,
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
            await driver.send(
                {
                    "op": "run",
                    "polaris_url": polaris_url,
                    "noop_url": noop_url,
                    "deadline_in": max(1.0, deadline - time.monotonic()),
                }
            )
            report = await driver.receive(timeout=max(5.0, deadline - time.monotonic()) + 30)
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
            driver=report["report"],
            new_check_ins=after - before,
            load_seconds=load_seconds,
        )
    finally:
        for remove in reversed(removers):
            remove()
        if driver is not None:
            await driver.close()
        if runtime is not None:
            await runtime.close()
        await asyncio.to_thread(db.drop)


# --------------------------------------------------------------------------------- driver side


class Driver:
    """Runs in the child: the fake Slack, then the clients. Reads orders on stdin."""

    def __init__(self, out: Any) -> None:
        self.out = out

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

        start = await order()
        # Our own hard stop, whatever happens to the parent.
        hard_stop = loop.call_later(start["deadline_in"] + 60, os._exit, 3)
        self.actors = [
            Actor(a["user_id"], a["channel"], tuple(ActorKr(**k) for k in a["krs"]))
            for a in start["actors"]
        ]
        self.team_names: list[str] = start["team_names"]
        self.rate: float = start["rate"]
        self.connections: int = start["connections"]
        self.requests: int = start["requests"]
        self.rounds: int = start["rounds"]
        self.serial: int = start["serial"]
        self.rng = random.Random(start["seed"])
        # Payloads are validated after the load, not while it runs (see below).
        async with FakeSlack(latency=0.0, validate_later=True) as fake:
            self.fake = fake
            for actor in self.actors:
                fake.add_user(actor.user_id, locale=ACTOR_LOCALE, tz=ACTOR_TZ)
            posts = await self.post_objectives(fake)
            self.emit({"op": "ready", "fake_url": fake.base_url, "posts": posts})
            run = await order()
            self.deadline = time.monotonic() + run["deadline_in"]
            hard_stop.cancel()
            hard_stop = loop.call_later(run["deadline_in"] + 60, os._exit, 3)
            try:
                report = await self.run(run["polaris_url"], run["noop_url"])
            except Exception as error:  # report it to the parent, which prints it
                self.emit({"op": "error", "error": f"{type(error).__name__}: {error}"})
                raise
            self.emit({"op": "report", "report": report})
            while True:
                await order()  # until "exit" or EOF, which end the process

    async def post_objectives(self, fake: Any) -> dict[str, str]:
        """One message per objective the actors will update, so chat.update finds it."""
        from slack_sdk.web.async_client import AsyncWebClient

        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
        wanted = sorted({(k.objective_ref, k.channel) for a in self.actors for k in a.krs})
        posts: dict[str, str] = {}
        for ref, channel in wanted:
            answer = await client.chat_postMessage(channel=channel, text=f"O-{ref}")
            posts[str(ref)] = str(answer["ts"])
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

    def pick(self, i: int) -> tuple[Actor, ActorKr, float, int]:
        actor = self.actors[i % len(self.actors)]
        kr = actor.krs[(i // len(self.actors)) % len(actor.krs)]
        value = random_value(self.rng, kr.kind, kr.start, kr.target)
        return actor, kr, value, self.rng.randint(0, 10)

    def make(self, kind: str, i: int, tag: str) -> tuple[str, bytes, str]:
        """(key, body, content type) of request `i` of `kind`; the key names its response_url."""
        from tests.signing import FORM_CONTENT_TYPE, interaction_body
        from tests.slack_forms import view_submission

        key = f"{tag}-{kind}-{i}"
        if kind == NOOP:
            actor = self.actors[i % len(self.actors)]
            return key, *self.command("list", actor, key)
        if kind == UPDATE_COMMAND:
            actor, kr, value, confidence = self.pick(i)
            text = f'update KR-{kr.ref} {value:g} {confidence} "bench {key}"'
            return key, *self.command(text, actor, key)
        if kind == LIST:
            actor = self.actors[i % len(self.actors)]
            # Three in four: my objectives; one in four: a team's, by name.
            text = "list" if i % 4 else f"list {self.team_names[i % len(self.team_names)]}"
            return key, *self.command(text, actor, key)
        assert kind in (MODAL_SUBMIT, NOOP_VIEW)
        actor, kr, value, confidence = self.pick(i)
        view = self.views[actor.user_id]
        # Same view id + hash = same idempotency key (a double click): vary the hash so that
        # every submission is a new check-in.
        view = {**view, "hash": f"{view['hash']}-{key}"}
        values = {
            "key_result": str(kr.ref),
            "value": f"{value:g}",
            "confidence": str(confidence),
            "note": f"bench {key}",
        }
        payload = view_submission(view, values, user_id=actor.user_id)
        return key, interaction_body(payload), FORM_CONTENT_TYPE

    async def post(
        self, http: Any, url: str, kind: str, tag: str, body: bytes, content_type: str
    ) -> tuple[int, str, float]:
        from tests.signing import slack_signature_headers

        headers = {
            "Content-Type": content_type,
            "X-Bench-Kind": {"run": kind, "serial": f"serial:{kind}"}.get(tag, tag),
            **slack_signature_headers(SIGNING_SECRET, body),
        }
        started = time.perf_counter()
        try:
            response = await http.post(url, content=body, headers=headers)
        except Exception as error:  # a timeout or a refused connection: status 0
            return 0, f"{type(error).__name__}: {error}", time.perf_counter() - started
        return response.status_code, response.text, time.perf_counter() - started

    async def phase(
        self, http: Any, urls: dict[str, str], kind: str, tag: str, indexes: range, rate: float
    ) -> list[dict[str, Any]]:
        """Send requests `indexes` of `kind` in an open loop: arrivals at `rate` per second on
        average (exponential gaps, seeded), each sent at its time whether or not the earlier
        ones were answered, as Slack forwards its users' requests."""
        rng = random.Random(f"{SEED}-{tag}-{kind}-{indexes.start}")
        done: list[dict[str, Any]] = []

        async def one(i: int) -> None:
            key, body, content_type = self.make(kind, i, tag)
            url = urls[NOOP] if kind in NOOP_KINDS else urls["polaris"]
            status, text, seconds = await self.post(http, url, kind, tag, body, content_type)
            done.append({"kind": kind, "key": key, "status": status, "text": text, "s": seconds})

        sent: list[asyncio.Task[None]] = []
        started, due = time.monotonic(), 0.0
        for i in indexes:
            due += rng.expovariate(rate)
            wait = started + due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if time.monotonic() > self.deadline:
                break
            sent.append(asyncio.create_task(one(i)))
        await asyncio.gather(*sent)
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
        """`/okr update KR-n` without values opens the modal; keep each actor's stored view."""
        self.views: dict[str, dict[str, Any]] = {}
        for n, actor in enumerate(self.actors):
            key = f"setup-modal-{n}"
            body, content_type = self.command(f"update KR-{actor.krs[0].ref}", actor, key)
            shown = len(self.fake.view_history)
            status, text, _ = await self.post(
                http, urls["polaris"], "setup", "setup", body, content_type
            )
            # Slack has its answer at the ack; views.open follows in the background.
            for _ in range(500):
                if len(self.fake.view_history) > shown:
                    break
                await asyncio.sleep(0.01)
            if status != 200 or len(self.fake.view_history) == shown:
                raise RuntimeError(f"the update modal did not open for {actor.user_id}: {text}")
            self.views[actor.user_id] = self.fake.last_view("update_modal")

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

    async def run(self, polaris_url: str, noop_url: str) -> dict[str, Any]:
        import httpx

        urls = {"polaris": f"{polaris_url}/slack/events", NOOP: f"{noop_url}/slack/events"}
        limits = httpx.Limits(
            max_connections=self.connections, max_keepalive_connections=self.connections
        )
        fake = self.fake
        async with httpx.AsyncClient(timeout=10, limits=limits) as http:
            await self.open_update_modals(http, urls)
            # Warm-up: every actor once per kind (users.info cache, Bolt's auth.test, pools,
            # SQLAlchemy's compiled-statement cache), untimed.
            warm: list[dict[str, Any]] = []
            for kind in KINDS:
                warm += await self.phase(
                    http, urls, kind, "warmup", range(len(self.actors)), self.rate
                )
            await self.settle(warm)
            await self.quiet()
            # One request at a time: each kind's service time without queueing, for diagnosis.
            serial: list[dict[str, Any]] = []
            for kind in KINDS:
                serial += await self.alone(http, urls, kind, range(self.serial))
            await self.settle(warm + serial)
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
        # Every message and view the run produced, checked with slack_sdk's models now that
        # the clock has stopped: checking them on arrival took CPU from the server measured.
        fake.validate_recorded()
        replies: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for call in fake.calls:
            if call.method.startswith("response_url:"):
                replies[call.method.removeprefix("response_url:")].append(call.args)
        report: dict[str, Any] = {"kinds": {}, "timed_out": time.monotonic() > self.deadline}
        for kind in KINDS:
            mine = [m for m in measured if m["kind"] == kind]
            latencies = sorted(m["s"] * 1000 for m in mine)
            failures = [m for m in mine if not self.succeeded(m, replies)]
            report["kinds"][kind] = {
                "sent": len(mine),
                "statuses": dict(Counter(str(m["status"]) for m in mine)),
                "ok": len(mine) - len(failures),
                "failures": [f"{m['status']} {m['text'][:200]}" for m in failures[:3]],
                "client_ms": percentiles(latencies),
                "seconds": timings[kind],
            }
        every = warm + serial + measured
        report["updates_ok"] = sum(
            1 for m in every if m["kind"] in UPDATE_KINDS and self.succeeded(m, replies)
        )
        report["warmup_statuses"] = dict(Counter(str(m["status"]) for m in warm + serial))
        report["slack_calls"] = dict(calls_after - calls_before)
        report["validation_errors"] = fake.validation_errors[:5]
        report["validation_error_count"] = len(fake.validation_errors)
        return report


def driver_main() -> None:
    """Entry point of the child. Its stdout is the protocol channel; prints go to stderr."""
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        asyncio.run(Driver(out).main())


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
    backend = {"sqlite": "SQLite (aiosqlite)", "postgresql": "PostgreSQL (psycopg 3)"}
    print()
    print(
        f"Polaris request benchmark — {backend[main.backend]}, {args.rate:g} requests/s of "
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
        f"{'×noop p50':>9} {'×noop p99':>9} {'req/s':>6} {'done p50':>8} {'done p99':>8}"
    )
    print(header)
    print("-" * len(header))
    missed: list[str] = []
    summary_kinds: dict[str, Any] = {}
    for kind in KINDS:
        f = figs[kind]
        s = f.server_ms
        noop = figs[YARDSTICK.get(kind, kind)].server_ms
        ratio50, ratio99 = ratio(s["p50"], noop["p50"]), ratio(s["p99"], noop["p99"])
        print(
            f"{kind:<20} {f.count:>5} {fmt(s['p50']):>7} {fmt(s['p95']):>7} {fmt(s['p99']):>7} "
            f"{fmt(s['max']):>7} {fmt(ratio50):>9} {fmt(ratio99):>9} "
            f"{fmt(f.throughput, 0):>6} {fmt(f.done_ms['p50']):>8} {fmt(f.done_ms['p99']):>8}"
        )
        serial_ratio = ratio(f.serial_ms["p50"], figs[YARDSTICK.get(kind, kind)].serial_ms["p50"])
        summary_kinds[kind] = {
            "n": f.count,
            **{k: round(v, 2) for k, v in s.items()},
            "ratio_p50": round(ratio50, 2),
            "ratio_p99": round(ratio99, 2),
            "sql_min": f.statements[0],
            "sql_median": f.statements[1],
            "sql_max": f.statements[2],
            "sql_ms_p50": round(f.sql_ms_p50, 2),
            "slack_calls": list(f.slack_calls),
            "slack_ms_p50": round(f.slack_ms_p50, 2),
            "client_p50": round(f.client_ms["p50"], 2),
            "done_p50": round(f.done_ms["p50"], 2),
            "done_p99": round(f.done_ms["p99"], 2),
            "req_per_s": round(f.throughput, 1),
            "one_client_p50": round(f.serial_ms["p50"], 2),
            "one_client_ratio_p50": round(serial_ratio, 2),
        }
    print(
        f"\n  ms, server side, arrivals at {args.rate:g}/s; ×noop = ratio to the no-op app's p50 / "
        "p99 on the\n  same payload (noop: the slash commands, noop_view: the view submission); "
        "req/s = the rate\n  achieved; done = until the request's last statement or Slack call."
    )
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
        "(p50 and p99), SQL statements bounded"
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
        failed = [name for name, ok in checks.items() if not ok]
        detail = ", ".join(
            [
                f"p99 {fmt(s['p99'])} ms",
                f"×noop p50 {fmt(ratio(s['p50'], noop['p50']))}",
                f"×noop p99 {fmt(ratio(s['p99'], noop['p99']))}",
            ]
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
        "targets": {"p99_ms": P99_TARGET_MS, "ratio": RATIO_TARGET},
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
    for kind, k in driver["kinds"].items():
        if set(k["statuses"]) - {"200"}:
            problems.append(f"[{label}] {kind}: HTTP statuses {k['statuses']} ({k['failures']})")
        elif k["ok"] != k["sent"]:
            problems.append(
                f"[{label}] {kind}: {k['sent'] - k['ok']} of {k['sent']} requests answered 200 "
                f"but did not do their job, e.g. {k['failures']}"
            )
    if set(driver["warmup_statuses"]) - {"200"}:
        problems.append(f"[{label}] warm-up statuses {driver['warmup_statuses']}")
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
        help="seconds after which sending stops (default 54 with --quick, 900 otherwise); "
        "the process stops itself at most 5 s (--quick) or 300 s later",
    )
    parser.add_argument(
        "--show-sql", action="store_true", help="print the statements of one request per kind"
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="write a cProfile of the server process under load to FILE (pstats format)",
    )
    parser.add_argument("--driver", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.requests is None:
        args.requests = 100 if args.quick else 1000
    if args.budget is None:
        args.budget = 54.0 if args.quick else 900.0
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
    if not args.no_probe:
        # Few requests: only the statement counts of this session are reported.
        probe_requests = min(args.requests, 8)
        probe_deadline = started + args.budget * 0.35
        print(f"probe session: {probe_ds.describe()} …", file=sys.stderr, flush=True)
        probe = await run_session(
            args, probe_ds, requests=probe_requests, serial=0, deadline=probe_deadline
        )
    print(f"main session: {main_ds.describe()} …", file=sys.stderr, flush=True)
    main = await run_session(
        args,
        main_ds,
        requests=args.requests,
        serial=min(args.requests, 8 if args.quick else 100),
        deadline=deadline,
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
