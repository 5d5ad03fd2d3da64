"""What a check-in costs before the update modal may close, and why: the driver's waits.

`bench/request_load.py` times whole Slack requests. This script isolates the part of the update
modal's answer that the no-op app does not have: `record_check_in` (the validating read, the
append and the commit, in one transaction), run in this process against a seeded database
(800 KRs, 10,000 check-ins), with nothing else going on. It counts the times the event loop
waits for the database driver per check-in (SQLite: aiosqlite hands every cursor, execute,
fetch, close, commit and rollback to its thread; PostgreSQL: protocol round trips to the
server) and times the path twice:

* back to back: the next check-in starts as soon as the last one ends (CPUs stay awake);
* spaced out (``--gap-ms``, default 20): as under real traffic, where the machine idles between
  requests and every wait pays for waking the other thread or process up again.

The difference, divided by the waits, is what one wait costs on this machine; it is why a
request that must read and write before its answer stays several times slower than a no-op
listener, whatever the Python around it. Run from the repository root::

    .venv/bin/python bench/waits.py
    .venv/bin/python bench/waits.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root, for `bench`…

import argparse
import asyncio
import json
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench.common import WORKSPACE_ID, BenchDatabase, machine, percentiles
from bench.request_load import QUICK, plan_actors, random_value, seed
from bot.domain.permissions import Actor
from bot.services.check_ins import record_check_in
from bot.services.commands import RecordCheckIn
from storage.database import Database, create_engine

WARM_UP = 30


def count_sqlite_waits(waits: Counter[str]) -> Callable[[], None]:
    """Count aiosqlite's hand-offs to its thread (each one a wait of the event loop)."""
    import aiosqlite.core

    original = aiosqlite.core.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        waits[getattr(fn, "__name__", "call")] += 1
        return await original(self, fn, *args, **kwargs)  # type: ignore[no-untyped-call]

    aiosqlite.core.Connection._execute = counted  # type: ignore[method-assign]

    def remove() -> None:
        aiosqlite.core.Connection._execute = original  # type: ignore[method-assign]

    return remove


def count_postgres_waits(trace: str) -> Counter[str]:
    """Round trips in a libpq protocol trace: each Query or Sync the client sends is answered
    before the next statement goes (the first word of a Query names it: BEGIN, COMMIT, ";"
    for SQLAlchemy's pre-ping; a Sync ends an extended-protocol statement)."""
    waits: Counter[str] = Counter()
    for line in trace.splitlines():
        parts = line.split("\t")
        if len(parts) < 4 or parts[1] != "F":
            continue
        if parts[3] == "Query":
            text = parts[4].strip().strip('"') if len(parts) > 4 else ""
            waits["ping" if text == ";" else text.split(" ")[0].lower() or "query"] += 1
        elif parts[3] == "Sync":
            waits["statement"] += 1
    return waits


def in_ms(seconds: list[float]) -> dict[str, float]:
    return {q: round(v * 1000, 2) for q, v in percentiles(seconds).items() if q != "max"}


class CheckIns:
    """Check-ins by the seeded KR owners on their own KRs, each with a fresh idempotency key."""

    def __init__(self) -> None:
        self.actors = plan_actors(QUICK, 8)
        self.rng = random.Random(20261126)
        self.n = 0

    def next(self) -> RecordCheckIn:
        self.n += 1
        actor = self.actors[self.n % len(self.actors)]
        kr = actor.krs[self.rng.randrange(len(actor.krs))]
        value = random_value(self.rng, kr.kind, kr.start, kr.target)
        return RecordCheckIn(
            workspace_id=WORKSPACE_ID,
            key_result_ref=kr.ref,
            value=value,
            confidence=self.rng.randint(0, 10),
            note="waits bench",
            actor=Actor(actor.user_id),
            source="modal",
            idempotency_key=f"waits-{os.getpid()}-{self.n}",
        )


async def timed(db: Database, check_ins: CheckIns, count: int, gap: float) -> list[float]:
    seconds = []
    for _ in range(count + WARM_UP):
        cmd = check_ins.next()
        started = time.perf_counter()
        result = await record_check_in(db=db, cmd=cmd, now=datetime.now(UTC))
        seconds.append(time.perf_counter() - started)
        assert not result.duplicate
        if gap:
            await asyncio.sleep(gap)
    return seconds[WARM_UP:]


async def waits_of_one(db: Database, check_ins: CheckIns, backend: str) -> Counter[str]:
    if backend == "sqlite":
        waits: Counter[str] = Counter()
        remove = count_sqlite_waits(waits)
        try:
            await record_check_in(db=db, cmd=check_ins.next(), now=datetime.now(UTC))
        finally:
            remove()
        return waits
    # PostgreSQL: trace the protocol of the pooled connection the check-in will use.
    await db.engine.dispose()  # a single pooled connection from here on, traced below
    with tempfile.TemporaryFile("w+") as trace:
        async with db.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            pgconn = raw.driver_connection.pgconn  # type: ignore[union-attr]
        pgconn.trace(trace.fileno())
        try:
            await record_check_in(db=db, cmd=check_ins.next(), now=datetime.now(UTC))
        finally:
            pgconn.untrace()
        trace.seek(0)
        return count_postgres_waits(trace.read())


async def run(args: argparse.Namespace) -> dict[str, Any]:
    bench_db = BenchDatabase.create(args.database_url)
    try:
        await asyncio.to_thread(seed, bench_db.url, QUICK, {}, datetime.now(UTC))
        db = Database(create_engine(bench_db.url, pool_size=1))
        try:
            check_ins = CheckIns()
            back_to_back = await timed(db, check_ins, args.count, 0.0)
            spaced = await timed(db, check_ins, args.count, args.gap_ms / 1000)
            waits = await waits_of_one(db, check_ins, bench_db.backend)
        finally:
            await db.dispose()
    finally:
        await asyncio.to_thread(bench_db.drop)
    fast, slow = in_ms(back_to_back), in_ms(spaced)
    total = sum(waits.values())
    return {
        "bench": "waits",
        "backend": bench_db.backend,
        "count": args.count,
        "gap_ms": args.gap_ms,
        "waits": dict(waits),
        "waits_total": total,
        "back_to_back_ms": fast,
        "spaced_ms": slow,
        "per_wait_ms": round((slow["p50"] - fast["p50"]) / total, 3) if total else None,
    }


def report(figures: dict[str, Any]) -> None:
    backend = {"sqlite": "SQLite (aiosqlite)", "postgresql": "PostgreSQL (psycopg 3)"}
    print(f"check-in path — {backend[figures['backend']]}: record_check_in alone")
    print(f"  machine: {machine()}")
    print(f"  dataset: {QUICK.describe()}; {figures['count']} check-ins per series")
    detail = ", ".join(f"{name} {n}" for name, n in sorted(figures["waits"].items()))
    print(f"  driver waits per check-in: {figures['waits_total']} ({detail})")
    print()
    print(f"{'':24}{'p50':>8}{'p95':>8}{'p99':>8}")
    for label, key in (
        ("back to back", "back_to_back_ms"),
        (f"{figures['gap_ms']:g} ms apart", "spaced_ms"),
    ):
        row = figures[key]
        print(f"{label:24}{row['p50']:>8.2f}{row['p95']:>8.2f}{row['p99']:>8.2f}  ms")
    print()
    print(
        f"  spaced out minus back to back, per wait: {figures['per_wait_ms']} ms at p50 "
        "(waking the driver's thread or the server up again)"
    )
    print(json.dumps(figures, separators=(",", ":")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server URL; a fresh database is created there and dropped at the end "
        "(default: a SQLite file in a temporary directory)",
    )
    parser.add_argument("--count", type=int, default=300, help="check-ins per series")
    parser.add_argument("--gap-ms", type=float, default=20.0, help="idle time between them")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.count < 10:
        parser.error("--count must be at least 10")
    report(asyncio.run(run(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
