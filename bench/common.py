"""What the benchmarks share: a fresh database, rows to seed it in bulk, percentiles, memory and
a line describing the machine. Each benchmark keeps only the shape of its own workspace."""

from __future__ import annotations

import math
import os
import resource
import shutil
import sys
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORKSPACE_ID = "T0001"  # what tests.signing and tests.slack_fake use
BOT_TOKEN = "xoxb-bench"
BATCH_ROWS = 20_000  # rows per bulk insert transaction
LOAD_BEFORE = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,)


# --------------------------------------------------------------------------------- databases


@dataclass
class BenchDatabase:
    """A fresh database for one run: a SQLite file in a temporary directory, or a new
    database `<prefix>_<random>` on the given PostgreSQL server (dropped by `drop`)."""

    url: str
    backend: str
    tmpdir: str | None = None
    admin_url: str | None = None

    @classmethod
    def create(cls, requested: str | None, *, prefix: str = "polaris_bench") -> BenchDatabase:
        if not requested:
            tmpdir = tempfile.mkdtemp(prefix=f"{prefix.replace('_', '-')}-")
            return cls(f"sqlite:///{tmpdir}/polaris.db", "sqlite", tmpdir=tmpdir)
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(requested.replace("postgres://", "postgresql://", 1))
        if url.get_backend_name() != "postgresql":
            raise SystemExit(
                "--database-url: leave it out for SQLite (a fresh file in a temporary "
                "directory is used); give a postgresql:// server URL for PostgreSQL"
            )
        admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        bench_url = url.set(database=name).render_as_string(hide_password=False)
        return cls(bench_url, "postgresql", admin_url=admin)

    def drop(self) -> None:
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        if self.admin_url:
            import psycopg
            from sqlalchemy.engine import make_url

            name = make_url(self.url).database
            with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------------- seeding
#
# Rows for Core bulk inserts, with the columns every benchmark fills the same way. All rows of
# one table must have the same keys (one executemany), so optional columns have defaults here.


def workspace_row(*, objectives: int, key_results: int, created: datetime) -> dict[str, Any]:
    """Workspace T0001 with its O-/KR- counters past the `objectives` and `key_results` seeded."""
    return {
        "id": WORKSPACE_ID,
        "name": "Acme",
        "default_locale": "en",
        "next_objective_ref": objectives + 1,
        "next_key_result_ref": key_results + 1,
        "created_at": created,
    }


def cycle_row(cycle_id: int, key: str, starts_on: date, ends_on: date) -> dict[str, Any]:
    return {
        "id": cycle_id,
        "workspace_id": WORKSPACE_ID,
        "key": key,
        "starts_on": starts_on,
        "ends_on": ends_on,
    }


def team_row(
    team_id: int,
    *,
    name: str,
    channel_id: str,
    archetype: str,
    timezone: str,
    lead_user_id: str,
    created: datetime,
    locale: str = "en",
) -> dict[str, Any]:
    """A team whose check-ins are due Friday 10:00 and whose digest is Monday 09:30."""
    return {
        "id": team_id,
        "workspace_id": WORKSPACE_ID,
        "name": name,
        "channel_id": channel_id,
        "archetype": archetype,
        "timezone": timezone,
        "locale": locale,
        "lead_user_id": lead_user_id,
        "checkin_weekday": 4,
        "checkin_time": clock_time(10, 0),
        "digest_weekday": 0,
        "digest_time": clock_time(9, 30),
        "created_at": created,
        "updated_at": created,
    }


def objective_row(
    ref: int,
    *,
    team_id: int,
    cycle_id: int,
    title: str,
    owner: str,
    created: datetime,
    state: str = "open",
    drives: str | None = None,
    post: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Objective O-`ref` (its id too); `post` is the (channel, ts) of its post, if any."""
    return {
        "id": ref,
        "workspace_id": WORKSPACE_ID,
        "ref": ref,
        "team_id": team_id,
        "cycle_id": cycle_id,
        "parent_id": None,
        "title": title,
        "description": "",
        "owner_user_id": owner,
        "drives": drives,
        "input_metric_id": None,
        "state": state,
        "post_channel_id": post[0] if post else None,
        "post_ts": post[1] if post else None,
        "created_by": owner,
        "created_at": created,
        "updated_at": created,
    }


def key_result_row(
    ref: int,
    *,
    objective_id: int,
    position: int,
    title: str,
    kind: str,
    start: float,
    target: float,
    unit: str,
    owner: str,
    created: datetime,
) -> dict[str, Any]:
    """Key result KR-`ref` (its id too), open, weight 1."""
    return {
        "id": ref,
        "workspace_id": WORKSPACE_ID,
        "ref": ref,
        "objective_id": objective_id,
        "position": position,
        "title": title,
        "kind": kind,
        "start_value": start,
        "target_value": target,
        "unit": unit,
        "owner_user_id": owner,
        "weight": 1.0,
        "state": "open",
        "created_at": created,
        "updated_at": created,
    }


def check_in_row(
    key_result_id: int,
    *,
    value: float,
    confidence: int,
    note: str,
    author: str,
    at: datetime,
    source: str = "modal",
) -> dict[str, Any]:
    return {
        "workspace_id": WORKSPACE_ID,
        "key_result_id": key_result_id,
        "value": value,
        "confidence": confidence,
        "note": note,
        "author_user_id": author,
        "source": source,
        "idempotency_key": None,
        "created_at": at,
    }


def bulk_load(
    url: str,
    tables: Sequence[tuple[Any, list[dict[str, Any]]]],
    *,
    counted: dict[str, Any],
) -> dict[str, int]:
    """Migrate, insert each (model, rows) in order (BATCH_ROWS rows per transaction), move
    PostgreSQL's id sequences past the explicit ids and ANALYZE as autovacuum would have
    (SQLite: the app never runs ANALYZE, so neither does the bench). Returns the rows of each
    model in `counted` (name → model). Blocking: run it in a thread or a child process."""
    from sqlalchemy import create_engine, func, insert, select, text

    from storage.database import sync_url
    from storage.migrate import upgrade

    upgrade(url)
    engine = create_engine(sync_url(url))
    try:
        for model, rows in tables:
            for start in range(0, len(rows), BATCH_ROWS):
                with engine.begin() as conn:
                    conn.execute(insert(model.__table__), rows[start : start + BATCH_ROWS])
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                for model, rows in tables:
                    name = model.__tablename__
                    if rows and isinstance(rows[0].get("id"), int):  # a serial id
                        conn.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                f"(SELECT coalesce(max(id), 1) FROM {name}))"
                            )
                        )
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        with engine.connect() as conn:
            return {
                name: int(conn.scalar(select(func.count()).select_from(model.__table__)) or 0)
                for name, model in counted.items()
            }
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------- measuring


def percentiles(values: list[float]) -> dict[str, float]:
    """Nearest-rank p50/p95/p99 and max of `values` (any order)."""
    if not values:
        return {"p50": math.nan, "p95": math.nan, "p99": math.nan, "max": math.nan}
    ordered = sorted(values)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    return {"p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99), "max": ordered[-1]}


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def machine() -> str:
    """CPUs, load before the run, versions and the code measured (git commit, dirty or not)."""
    import platform
    import sqlite3
    import subprocess

    def git(*command: str) -> str:
        try:
            done = subprocess.run(
                ["git", *command], cwd=ROOT, capture_output=True, text=True, timeout=5
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = " + uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else ""
    return (
        f"{os.cpu_count()} CPUs, load {LOAD_BEFORE[0]:.2f} before the run; Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}; code {commit}{dirty}"
    )
