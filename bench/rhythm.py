"""Rhythm benchmark: the weekly posts of a large workspace, through the real scheduler.

Seeds 1,000 teams (3 objectives of 4 KRs each, 12,000 KRs owned by 10,000 distinct people,
check-ins before and during the week, a North Star with three inputs and 12 weeks of readings
for one team in ten), then runs the real `DigestJob` through `Ticker.tick(at)` at Monday
30 November 2026, 09:30 in the teams' zone (all Central European Time, so every team is due at
once), against the fake Slack Web API answering each call after 50 ms and accepting one
`chat.postMessage` per second per channel (429 with Retry-After otherwise).

Three processes, so that neither the fake Slack nor the seeding weighs on what is measured:

* this process: the Polaris runtime and the ticker (its peak RSS is the memory figure);
* a child running the fake Slack (this file with ``--fake``), talking JSON lines on stdio;
* a child seeding the database (this file with ``--seed``), before anything is timed.

Run from the repository root::

    .venv/bin/python bench/rhythm.py --quick      # 100 teams, 1,000 owners: under a minute
    .venv/bin/python bench/rhythm.py              # 1,000 teams, 10,000 owners
    .venv/bin/python bench/rhythm.py --database-url postgresql://postgres@127.0.0.1:5432/test

Targets (issue 5): every Monday digest posted within 60 s of the tick; the Friday nudges for
10,000 owners within 120 s (`bench_nudges`); peak memory under
300 MB; SQL statements per team digest bounded whatever the KR count. The figures are printed,
then one line of JSON. Exit code 0 even when a target is missed (this is a measurement), 1 if
the benchmark could not run or its results are wrong (a digest missing or posted twice).
"""
# ruff: noqa: E402  (sys.path must be fixed before the project's imports)

from __future__ import annotations

import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve()
sys.path.insert(0, str(SCRIPT.parent.parent))  # the project root, for `bench`, `bot`, `tests`

import argparse
import asyncio
import contextvars
import inspect
import json
import logging
import os
import platform
import random
import resource
import statistics
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from bench.common import (
    BOT_TOKEN,
    WORKSPACE_ID,
    BenchDatabase,
    bulk_load,
    check_in_row,
    cycle_row,
    key_result_row,
    objective_row,
    peak_rss_mb,
    team_row,
    workspace_row,
)

#: Monday 30 November 2026, 09:30 in every team's zone (all UTC+1 in November).
MONDAY_0930 = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)
ZONES = ("Europe/Paris", "Europe/Berlin", "Europe/Madrid")
OBJECTIVES_PER_TEAM = 3
KRS_PER_OBJECTIVE = 4
INPUTS_PER_NORTH_STAR = 3
READING_WEEKS = 12
SEED = 20261130
#: This team (no North Star) has ten times the KRs: its digest shows the SQL count stays put.
BIG_TEAM = 2
BIG_TEAM_FACTOR = 10
LATENCY = 0.05
CHANNEL_POST_INTERVAL = 1.0

DIGEST_TARGET_S = 60.0
NUDGE_TARGET_S = 120.0
MEMORY_TARGET_MB = 300.0


@dataclass(frozen=True)
class Scale:
    name: str
    teams: int
    owners: int
    north_star_every: int = 10

    @property
    def key_results(self) -> int:
        return self.teams * OBJECTIVES_PER_TEAM * KRS_PER_OBJECTIVE

    def describe(self) -> str:
        return (
            f"{self.teams:,} teams, {self.teams * OBJECTIVES_PER_TEAM:,} objectives, "
            f"{self.key_results:,} KRs, {self.owners:,} KR owners, a North Star for "
            f"{self.teams // self.north_star_every:,} teams"
        )


FULL = Scale("full", 1_000, 10_000)
QUICK = Scale("quick", 100, 1_000)


# --------------------------------------------------------------------------------- seeding


def owner_of(scale: Scale, kr_index: int) -> str:
    """KR owners cycle through `scale.owners` people: every one owns at least one KR."""
    return f"U{kr_index % scale.owners + 1:05d}"


def seed(url: str, scale: Scale) -> dict[str, int]:
    """Migrate, then bulk-insert the workspace (Core inserts, a few transactions)."""
    from storage.models import (
        CheckIn,
        Cycle,
        InputMetric,
        KeyResult,
        NorthStar,
        Objective,
        Reading,
        Team,
        Workspace,
    )

    rng = random.Random(SEED)
    created = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    before_week = MONDAY_0930 - timedelta(days=9)
    teams, objectives, key_results, check_ins = [], [], [], []
    north_stars, inputs, readings = [], [], []
    notes = ("", "", "on track", "blocked by the legal review", "pipeline strong", "slipped")
    for t in range(scale.teams):
        team_id = t + 1
        teams.append(
            team_row(
                team_id,
                name=f"Team {team_id:04d}",
                channel_id=f"C{team_id:06d}",
                archetype="product",
                timezone=ZONES[t % len(ZONES)],
                locale="fr" if t % 4 == 0 else "en",
                lead_user_id=owner_of(scale, t * 7),
                created=created,
            )
        )
        for o in range(OBJECTIVES_PER_TEAM):
            objective_id = len(objectives) + 1
            objectives.append(
                objective_row(
                    objective_id,
                    team_id=team_id,
                    cycle_id=1,
                    title=f"Objective {objective_id}: delight the users of team {team_id}",
                    owner=owner_of(scale, t * 7),
                    created=created,
                    drives=None if o == 2 else "health",
                )
            )
            for k in range(KRS_PER_OBJECTIVE * (BIG_TEAM_FACTOR if team_id == BIG_TEAM else 1)):
                index = len(key_results)
                key_results.append(
                    key_result_row(
                        index + 1,
                        objective_id=objective_id,
                        position=k,
                        title=f"KR {index + 1}: weekly active accounts",
                        kind="increase_to",
                        start=0.0,
                        target=100.0,
                        unit="",
                        owner=owner_of(scale, index),
                        created=created,
                    )
                )
                value = rng.uniform(10, 60)
                confidence = rng.randint(5, 9)
                check_ins.append(
                    check_in_row(
                        index + 1,
                        value=value,
                        confidence=confidence,
                        note=rng.choice(notes),
                        author=owner_of(scale, index),
                        at=before_week + timedelta(minutes=index % 600),
                    )
                )
                if rng.random() < 0.75:  # three KRs in four were checked in this week
                    check_ins.append(
                        check_in_row(
                            index + 1,
                            value=min(100.0, value + rng.uniform(-5, 45)),
                            confidence=max(0, confidence - rng.choice((0, 0, 1, 3, 5))),
                            note=rng.choice(notes),
                            author=owner_of(scale, index),
                            at=MONDAY_0930 - timedelta(days=3, minutes=index % 600),
                        )
                    )
        if t % scale.north_star_every == 0:
            north_star_id = len(north_stars) + 1
            north_stars.append(
                {
                    "id": north_star_id,
                    "workspace_id": WORKSPACE_ID,
                    "team_id": team_id,
                    "name": "Weekly sessions rated 4/5 or more",
                    "definition": "Sessions completed in the week and rated at least 4 out of 5.",
                    "unit": "sessions",
                    "direction": "higher",
                    "time_window": "week",
                    "target": 2000.0,
                    "owner_user_id": owner_of(scale, t * 7),
                    "measured_since": date(2026, 1, 1),
                    "created_at": created,
                    "updated_at": created,
                }
            )
            metric_ids: list[tuple[str, int]] = [("north_star_id", north_star_id)]
            for m in range(INPUTS_PER_NORTH_STAR):
                input_id = len(inputs) + 1
                inputs.append(
                    {
                        "id": input_id,
                        "workspace_id": WORKSPACE_ID,
                        "north_star_id": north_star_id,
                        "name": ("New users activated", "Sessions per user", "Share rated")[m],
                        "unit": "",
                        "direction": "higher",
                        "owner_user_id": owner_of(scale, t * 7 + m),
                        "created_at": created,
                    }
                )
                metric_ids.append(("input_metric_id", input_id))
            for column, metric_id in metric_ids:
                level = rng.uniform(500, 1500)
                for w in range(READING_WEEKS):
                    period = date(2026, 11, 23) - timedelta(weeks=READING_WEEKS - 1 - w)
                    level *= rng.uniform(0.97, 1.06)
                    readings.append(
                        {
                            "workspace_id": WORKSPACE_ID,
                            "north_star_id": metric_id if column == "north_star_id" else None,
                            "input_metric_id": metric_id if column == "input_metric_id" else None,
                            "period_start": period,
                            "value": round(level, 1),
                            "source": "api",
                            "recorded_by": "bench",
                            "recorded_at": datetime.combine(
                                period + timedelta(days=7), clock_time(6, 0), tzinfo=UTC
                            ),
                        }
                    )
    counts = bulk_load(
        url,
        [
            (
                Workspace,
                [
                    workspace_row(
                        objectives=len(objectives), key_results=len(key_results), created=created
                    )
                ],
            ),
            (Cycle, [cycle_row(1, "2026-Q4", date(2026, 10, 1), date(2026, 12, 31))]),
            (Team, teams),
            (Objective, objectives),
            (KeyResult, key_results),
            (NorthStar, north_stars),
            (InputMetric, inputs),
            (CheckIn, check_ins),
            (Reading, readings),
        ],
        counted={
            "teams": Team,
            "objectives": Objective,
            "key_results": KeyResult,
            "check_ins": CheckIn,
            "north_stars": NorthStar,
            "readings": Reading,
        },
    )
    counts["owners"] = len({kr["owner_user_id"] for kr in key_results})
    return counts


# --------------------------------------------------------------------------------- fake Slack


def fake_stats(fake: Any) -> dict[str, Any]:
    """What the fake saw: calls per method, accepted top-level posts per channel, 429s."""
    top_level: Counter[str] = Counter()
    replies = 0
    for (channel, _ts), message in fake._messages.items():
        if message.get("thread_ts"):
            replies += 1
        else:
            top_level[channel] += 1
    posts = fake.calls_to("chat.postMessage")
    top_calls = [c.at for c in posts if not c.args.get("thread_ts")]
    return {
        "calls": dict(Counter(c.method for c in fake.calls)),
        "channels_posted": len(top_level),
        "top_level_posts": sum(top_level.values()),
        "channels_posted_twice": sum(1 for n in top_level.values() if n > 1),
        "thread_replies": replies,
        "post_calls": len(posts),
        "first_post_call_at": min(top_calls) if top_calls else None,
        "last_post_call_at": max(top_calls) if top_calls else None,
        "files_completed": len(fake.calls_to("files.completeUploadExternal")),
        # Check-in nudges are DMs: Slack answers a post to a user id with a D… channel.
        "dm_posts": sum(n for channel, n in top_level.items() if channel.startswith("D")),
        "dm_channels": sum(1 for channel in top_level if channel.startswith("D")),
        "validation_errors": len(fake.validation_errors),
        "validation_samples": fake.validation_errors[:3],
    }


async def fake_main(latency: float, interval: float) -> None:
    """The child process serving the fake Slack: prints its base URL, then answers `stats`
    and `clear` commands (JSON lines on stdin) until `stop` or end of input."""
    from tests.slack_fake import FakeSlack

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with FakeSlack(latency=latency, channel_post_interval=interval) as fake:
        print(json.dumps({"base_url": fake.base_url}), flush=True)
        while line := await reader.readline():
            command = json.loads(line)["cmd"]
            if command == "stats":
                print(json.dumps(fake_stats(fake)), flush=True)
            elif command == "clear":
                fake.clear()
                print(json.dumps({"ok": True}), flush=True)
            elif command == "stop":
                break


class FakeProcess:
    """The fake Slack in a child process (so it never competes with the ticker's loop)."""

    def __init__(self, process: asyncio.subprocess.Process, base_url: str) -> None:
        self.process = process
        self.base_url = base_url

    @classmethod
    async def start(cls, latency: float, interval: float) -> FakeProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(SCRIPT),
            "--fake",
            "--latency",
            str(latency),
            "--channel-post-interval",
            str(interval),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=1 << 20,
        )
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        if not line:
            raise RuntimeError("the fake Slack process did not start")
        return cls(process, json.loads(line)["base_url"])

    async def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"cmd": command}).encode() + b"\n")
        await self.process.stdin.drain()
        return dict(json.loads(await self.process.stdout.readline()))

    async def stop(self) -> None:
        if self.process.returncode is None:
            assert self.process.stdin is not None
            self.process.stdin.write(b'{"cmd": "stop"}\n')
            self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), timeout=10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


# --------------------------------------------------------------------------------- measuring


TEAM: contextvars.ContextVar[int | None] = contextvars.ContextVar("bench_team", default=None)


@dataclass
class SqlCounter:
    """Statements per team digest: those run inside the job's `send` (the digest itself),
    and all statements of the tick (claims, outcomes, `due`) for the per-item average."""

    per_team: Counter[int] = field(default_factory=Counter)
    total: int = 0

    def install(self, engine: Any) -> Callable[[], None]:
        from sqlalchemy import event

        def before(*_: Any) -> None:
            self.total += 1
            team = TEAM.get()
            if team is not None:
                self.per_team[team] += 1

        event.listen(engine, "before_cursor_execute", before)
        return lambda: event.remove(engine, "before_cursor_execute", before)


class MeasuredJob:
    """The real job, with the team of each `send` made current for the SQL counter and each
    send's duration recorded. Everything else is delegated."""

    def __init__(self, job: Any) -> None:
        self.job = job
        self.kind = job.kind
        self.send_seconds: list[float] = []
        self.finished_at: list[float] = []

    async def due(self, at: datetime) -> Sequence[Any]:
        return await self.job.due(at)  # type: ignore[no-any-return]

    async def ahead(self, at: datetime) -> None:
        await self.job.ahead(at)

    async def send(self, item: Any, at: datetime) -> Any:
        token = TEAM.set(int(item.key.subject.split(":")[1]))
        started = time.monotonic()
        try:
            return await self.job.send(item, at)
        finally:
            TEAM.reset(token)
            self.send_seconds.append(time.monotonic() - started)
            self.finished_at.append(time.monotonic())


def chart_worker_rss_mb(charts: Any) -> float | None:
    """Peak RSS of the chart worker process(es) (Linux /proc; None elsewhere)."""
    pool = getattr(charts, "_pool", None)
    peaks = []
    for pid in getattr(pool, "_processes", None) or {}:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks) if peaks else None


def default_concurrency() -> int:
    from bot.scheduler import Ticker

    return int(inspect.signature(Ticker.__init__).parameters["concurrency"].default)


@dataclass
class DigestFigures:
    teams: int
    due: int
    sent: int
    skipped: int
    failed: int
    concurrency: int
    tick_s: float
    charts_s: float
    last_post_s: float | None
    send_median_s: float
    send_max_s: float
    sql_per_digest_min: int
    sql_per_digest_median: float
    sql_per_digest_max: int
    sql_per_item_with_ledger: float
    top_level_posts: int
    channels_posted_twice: int
    thread_replies: int
    charts: int
    rate_limited_calls: int
    ledger_sent: int
    validation_errors: int
    cpu_s: float = 0.0
    chart_worker_rss_mb: float | None = None
    sql_big_team: int = 0
    sql_same_kind_median: float = 0.0

    @property
    def sql_bounded(self) -> bool:
        """The team with ten times the KRs costs the same statements as the others like it."""
        return self.sql_big_team == self.sql_same_kind_median

    def problems(self) -> list[str]:
        found = []
        if self.top_level_posts != self.teams:
            found.append(f"{self.top_level_posts} digests posted for {self.teams} teams")
        if self.channels_posted_twice:
            found.append(f"{self.channels_posted_twice} channels got two digests")
        if self.ledger_sent != self.teams:
            found.append(f"{self.ledger_sent} ledger rows sent for {self.teams} teams")
        if self.validation_errors:
            found.append(f"{self.validation_errors} Block Kit validation errors")
        return found


async def ledger_sent(runtime: Any, kind: str) -> int:
    from sqlalchemy import func, select

    from storage.models import LedgerEntry

    async with runtime.services.db.transaction() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(LedgerEntry)
                .where(LedgerEntry.kind == kind, LedgerEntry.status == "sent")
            )
            or 0
        )


async def bench_digests(
    runtime: Any, fake: FakeProcess, scale: Scale, concurrency: int
) -> DigestFigures:
    """Monday 09:30: one tick posts every team's digest."""
    from bot.scheduler import Ticker
    from handlers.jobs.digest import DigestJob

    [job] = [j for j in runtime.ticker.jobs if isinstance(j, DigestJob)]
    measured = MeasuredJob(job)
    ticker = Ticker(services=runtime.services, jobs=[measured], concurrency=concurrency)
    counter = SqlCounter()
    remove = counter.install(runtime.services.db.engine.sync_engine)
    await fake.ask("clear")
    started = time.monotonic()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    try:
        report = await ticker.tick(MONDAY_0930)
        tick_s = time.monotonic() - started
        await job.charts.drain()  # the charts follow their digests in the background
        chart_rss = chart_worker_rss_mb(job.charts.pool)
    finally:
        charts_s = time.monotonic() - started
        remove()
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    stats = await fake.ask("stats")
    per_team = sorted(counter.per_team.values()) or [0]
    # Teams without a North Star, like the big one (those with one run its queries too).
    same_kind = [
        n
        for team, n in counter.per_team.items()
        if team != BIG_TEAM and (team - 1) % scale.north_star_every != 0
    ]
    last = stats["last_post_call_at"]
    return DigestFigures(
        teams=scale.teams,
        due=report.due,
        sent=report.sent,
        skipped=report.skipped,
        failed=report.failed,
        concurrency=concurrency,
        tick_s=tick_s,
        charts_s=charts_s,
        last_post_s=(last - started + LATENCY) if last is not None else None,
        send_median_s=statistics.median(measured.send_seconds or [0.0]),
        send_max_s=max(measured.send_seconds or [0.0]),
        sql_per_digest_min=per_team[0],
        sql_per_digest_median=statistics.median(per_team),
        sql_per_digest_max=per_team[-1],
        sql_per_item_with_ledger=counter.total / max(1, report.due),
        top_level_posts=stats["top_level_posts"],
        channels_posted_twice=stats["channels_posted_twice"],
        thread_replies=stats["thread_replies"],
        charts=stats["files_completed"],
        rate_limited_calls=stats["post_calls"] - stats["top_level_posts"] - stats["thread_replies"],
        ledger_sent=await ledger_sent(runtime, job.kind),
        validation_errors=stats["validation_errors"],
        cpu_s=cpu_s,
        chart_worker_rss_mb=chart_rss,
        sql_big_team=counter.per_team.get(BIG_TEAM, 0),
        sql_same_kind_median=statistics.median(same_kind or [0]),
    )


#: Friday 4 December 2026, 10:00 in every team's zone (UTC+1): a week after the seeded
#: check-ins, so every open KR is due.
FRIDAY_TEN = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


async def expected_nudges(runtime: Any) -> int:
    """One DM per (team, owner) with open KRs: what the tick must send."""
    from sqlalchemy import func, select

    from storage.models import KeyResult, Objective

    async with runtime.services.db.transaction() as session:
        pairs = (
            select(Objective.team_id, KeyResult.owner_user_id)
            .join(Objective, Objective.id == KeyResult.objective_id)
            .distinct()
            .subquery()
        )
        return int(await session.scalar(select(func.count()).select_from(pairs)) or 0)


async def bench_nudges(
    runtime: Any, fake: FakeProcess, scale: Scale, concurrency: int
) -> dict[str, Any]:
    """Friday 10:00 in each owner's zone: one tick DMs every KR owner of every team."""
    from bot.scheduler import Ticker
    from handlers.jobs.nudges import NudgeJob

    [job] = [j for j in runtime.ticker.jobs if isinstance(j, NudgeJob)]
    ticker = Ticker(services=runtime.services, jobs=[job], concurrency=concurrency)
    counter = SqlCounter()
    remove = counter.install(runtime.services.db.engine.sync_engine)
    expected = await expected_nudges(runtime)
    await fake.ask("clear")
    before = await fake.ask("stats")
    try:
        # Timed on its own first (the tick plans again): it is not part of "all posted".
        due_started = time.monotonic()
        due = await job.due(FRIDAY_TEN)
        due_s = time.monotonic() - due_started
        started = time.monotonic()
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        report = await ticker.tick(FRIDAY_TEN)
        tick_s = time.monotonic() - started
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        again = await ticker.tick(FRIDAY_TEN + timedelta(minutes=1))
    finally:
        remove()
    cpu_s = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    stats = await fake.ask("stats")
    dms = stats["dm_posts"] - before["dm_posts"]
    last = stats["last_post_call_at"]
    all_posted_s = (last - started + LATENCY) if last is not None else tick_s
    sent = await ledger_sent(runtime, "nudge")
    problems = []
    if dms != expected or sent != expected:
        problems.append(f"{dms} DMs and {sent} ledger rows sent for {expected} (team, owner)")
    if again.sent:
        problems.append(f"a second tick sent {again.sent} more")
    return {
        "owners": scale.owners,
        "expected_dms": expected,
        "due": len(due),
        "sent": report.sent,
        "failed": report.failed,
        "dms_posted": dms,
        "ledger_sent": sent,
        "second_tick_sent": again.sent,
        "due_computation_s": round(due_s, 2),
        "all_posted_s": round(all_posted_s, 1),
        "target_s": NUDGE_TARGET_S,
        "ok": all_posted_s < NUDGE_TARGET_S and not problems,
        "sql_per_nudge_with_ledger": round(counter.total / max(1, report.due), 1),
        "cpu_s": round(cpu_s, 1),
        "concurrency": concurrency,
        "problems": problems,
    }


# --------------------------------------------------------------------------------- the run


def run_seed(url: str, scale: Scale) -> dict[str, int]:
    """Seed in a child process, so its memory never counts in this one's peak."""
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--seed",
            "--database-url-exact",
            url,
            "--teams",
            str(scale.teams),
            "--owners",
            str(scale.owners),
            "--north-star-every",
            str(scale.north_star_every),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"seeding failed: {result.stderr.strip()[-2000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def fmt_s(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def verdict(ok: bool) -> str:
    return "✅" if ok else "❌"


def report(
    scale: Scale,
    backend: str,
    counts: dict[str, int],
    digests: DigestFigures,
    nudges: dict[str, Any],
    seconds: float,
) -> None:
    posted_s = digests.last_post_s if digests.last_post_s is not None else digests.tick_s
    memory = peak_rss_mb()
    print()
    print(
        f"Rhythm benchmark ({scale.name}, {backend}) on {platform.platform()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(
        f"  data: {counts['teams']:,} teams, {counts['objectives']:,} objectives, "
        f"{counts['key_results']:,} KRs, {counts['owners']:,} distinct owners, "
        f"{counts['check_ins']:,} check-ins, {counts['north_stars']:,} North Stars, "
        f"{counts['readings']:,} readings"
    )
    print(
        f"  fake Slack: {LATENCY * 1000:.0f} ms per call, 1 post per "
        f"{CHANNEL_POST_INTERVAL:g} s per channel"
    )
    print()
    print(f"Monday digests (one tick, concurrency {digests.concurrency})")
    print(
        f"  {digests.sent:,} sent, {digests.skipped} skipped, {digests.failed} failed of "
        f"{digests.due:,} due; {digests.top_level_posts:,} posts in {digests.teams:,} channels "
        f"({digests.channels_posted_twice} twice), {digests.ledger_sent:,} ledger rows sent"
    )
    print(
        f"  all posted after {fmt_s(posted_s)} (target < {DIGEST_TARGET_S:.0f} s) "
        f"{verdict(posted_s < DIGEST_TARGET_S)}; tick done after {fmt_s(digests.tick_s)}, "
        f"last chart after {fmt_s(digests.charts_s)}; {digests.cpu_s:.1f} s of CPU in this process"
    )
    print(
        f"  per digest: send median {digests.send_median_s * 1000:.0f} ms, max "
        f"{digests.send_max_s * 1000:.0f} ms; {digests.charts} charts, "
        f"{digests.thread_replies} thread replies, {digests.rate_limited_calls} posts answered 429"
    )
    bounded = (
        f"; {digests.sql_big_team} for the team with {BIG_TEAM_FACTOR}x the KRs vs "
        f"{digests.sql_same_kind_median:g} for the others without a North Star "
        f"{verdict(digests.sql_bounded)}"
    )
    print(
        f"  SQL statements per team digest: min {digests.sql_per_digest_min}, median "
        f"{digests.sql_per_digest_median:g}, max {digests.sql_per_digest_max}{bounded}; "
        f"{digests.sql_per_item_with_ledger:.1f} per due item with the ledger and `due`"
    )
    print()
    print(f"Friday nudges (one tick, concurrency {nudges['concurrency']})")
    print(
        f"  {nudges['sent']:,} sent, {nudges['failed']} failed of {nudges['due']:,} due; "
        f"{nudges['dms_posted']:,} DMs for {nudges['expected_dms']:,} (team, owner) pairs of "
        f"{nudges['owners']:,} owners; {nudges['ledger_sent']:,} ledger rows sent; a second tick "
        f"sent {nudges['second_tick_sent']}"
    )
    print(
        f"  all posted after {nudges['all_posted_s']:.1f} s (target < {NUDGE_TARGET_S:.0f} s) "
        f"{verdict(nudges['ok'])}; finding who is due took {nudges['due_computation_s']:.2f} s; "
        f"{nudges['sql_per_nudge_with_ledger']:g} SQL statements per nudge with the ledger; "
        f"{nudges['cpu_s']:.1f} s of CPU in this process"
    )
    print()
    print(
        f"Peak memory (RSS of the Polaris process): {memory:.0f} MB "
        f"(target < {MEMORY_TARGET_MB:.0f} MB) {verdict(memory < MEMORY_TARGET_MB)}"
    )
    if digests.chart_worker_rss_mb is not None:
        print(
            f"  chart worker process (renders off the loop): {digests.chart_worker_rss_mb:.0f} MB"
        )
    problems = digests.problems()
    print(
        f"Correctness: {'; '.join(problems) if problems else 'every team got exactly one digest'}"
    )
    print(f"Total run time {seconds:.0f} s")
    summary = {
        "bench": "rhythm",
        "scale": scale.name,
        "backend": backend,
        "teams": digests.teams,
        "owners": counts["owners"],
        "digests": {
            **asdict(digests),
            "all_posted_s": round(posted_s, 2),
            "sql_bounded": digests.sql_bounded,
            "target_s": DIGEST_TARGET_S,
            "ok": posted_s < DIGEST_TARGET_S and not problems,
        },
        "nudges": nudges,
        "peak_rss_mb": round(memory, 1),
        "memory_ok": memory < MEMORY_TARGET_MB,
        "problems": problems,
    }
    print(json.dumps(summary, separators=(",", ":"), default=str))


async def bench(args: argparse.Namespace) -> int:
    from bot.app import start_runtime
    from bot.config import Settings

    logging.basicConfig(level=logging.ERROR)
    started = time.monotonic()
    scale = Scale(
        QUICK.name if args.quick else FULL.name,
        args.teams or (QUICK if args.quick else FULL).teams,
        args.owners or (QUICK if args.quick else FULL).owners,
        args.north_star_every,
    )
    database = BenchDatabase.create(args.database_url, prefix="polaris_rhythm")
    fake: FakeProcess | None = None
    runtime = None
    try:
        print(f"seeding {scale.describe()} ({database.backend}) …", file=sys.stderr, flush=True)
        counts = await asyncio.to_thread(run_seed, database.url, scale)
        fake = await FakeProcess.start(LATENCY, CHANNEL_POST_INTERVAL)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            slack_bot_token=BOT_TOKEN,
            slack_api_url=fake.base_url,
            database_url=database.url,
            polaris_scheduler="off",
            polaris_log_level="ERROR",
        )
        runtime = await start_runtime(settings)
        concurrency = args.concurrency or default_concurrency()
        print(f"ticking Monday 09:30 for {scale.teams:,} teams …", file=sys.stderr, flush=True)
        digests = await bench_digests(runtime, fake, scale, concurrency)
        print(f"ticking Friday 10:00 for {scale.owners:,} owners …", file=sys.stderr, flush=True)
        nudges = await bench_nudges(runtime, fake, scale, concurrency)
        report(scale, database.backend, counts, digests, nudges, time.monotonic() - started)
        return 1 if digests.problems() or nudges["problems"] else 0
    finally:
        if runtime is not None:
            await runtime.close()
        if fake is not None:
            await fake.stop()
        database.drop()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/rhythm.py",
        description="The Monday digests (and Friday nudges) of a large workspace through the "
        "real scheduler, against a slow, rate-limiting fake Slack.",
    )
    parser.add_argument("--quick", action="store_true", help="100 teams, 1,000 owners")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server URL: a fresh database is created there and dropped at the "
        "end. Default: a fresh SQLite file in a temporary directory",
    )
    parser.add_argument("--teams", type=int, help="number of teams (overrides the scale)")
    parser.add_argument("--owners", type=int, help="distinct KR owners (overrides the scale)")
    parser.add_argument(
        "--north-star-every", type=int, default=10, help="one team in N has a North Star"
    )
    parser.add_argument(
        "--concurrency", type=int, help="the Ticker's send concurrency (default: its own)"
    )
    parser.add_argument("--fake", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url-exact", help=argparse.SUPPRESS)
    parser.add_argument("--latency", type=float, default=LATENCY, help=argparse.SUPPRESS)
    parser.add_argument(
        "--channel-post-interval", type=float, default=CHANNEL_POST_INTERVAL, help=argparse.SUPPRESS
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.fake:
        asyncio.run(fake_main(args.latency, args.channel_post_interval))
        return 0
    if args.seed:
        scale = Scale("seed", args.teams, args.owners, args.north_star_every)
        print(json.dumps(seed(args.database_url_exact, scale)))
        return 0
    try:
        return asyncio.run(bench(args))
    except KeyboardInterrupt:
        print("bench/rhythm.py: interrupted, cleaned up", file=sys.stderr)
        return 130
    except Exception as error:
        print(f"bench/rhythm.py: could not run: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
