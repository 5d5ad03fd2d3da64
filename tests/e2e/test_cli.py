"""The `polaris` command as an operator runs it: real processes, real exit codes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.signing import slack_signature_headers, slash_command_body
from tests.slack_fake import FakeSlack

POLARIS = [sys.executable, "-m", "bot"]


def clean_env(**extra: str) -> dict[str, str]:
    """The machine's environment without any Slack or Polaris settings, plus `extra`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "POLARIS_", "DATABASE_URL"))
    }
    env.update(extra)
    return env


def polaris(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*POLARIS, *args], cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("command", "env", "variable"),
    [
        ("run", {}, "SLACK_BOT_TOKEN"),
        ("run", {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN"),
        ("serve", {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ("tick", {}, "SLACK_BOT_TOKEN"),
    ],
)
def test_missing_token_is_one_clear_line_and_exit_2(
    tmp_path: Path, command: str, env: dict[str, str], variable: str
) -> None:
    result = polaris(command, cwd=tmp_path, **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"polaris: {variable} is not set")
    assert "api.slack.com/apps" in lines[0]
    assert "Traceback" not in result.stderr


def test_tokens_are_read_from_dot_env(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-file\n")
    result = polaris("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN is not set" in result.stderr


def test_wrong_database_url_is_one_line(tmp_path: Path) -> None:
    result = polaris("db", "upgrade", cwd=tmp_path, DATABASE_URL="mysql://nope")
    assert result.returncode == 2
    # The validator's own sentence, without pydantic's "Value error," (nor the URL: a password)
    assert result.stderr == "polaris: DATABASE_URL must start with sqlite:/// or postgresql://.\n"


def test_db_upgrade_creates_the_sqlite_database(tmp_path: Path) -> None:
    result = polaris("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "database at revision" in result.stdout
    assert (tmp_path / "polaris.db").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_env(fake_slack: FakeSlack, **extra: str) -> dict[str, str]:
    settings = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.base_url,
        "POLARIS_SCHEDULER": "off",
    }
    return clean_env(**{**settings, **extra})


@contextlib.asynccontextmanager
async def serving(
    tmp_path: Path, env: dict[str, str], *args: str
) -> AsyncIterator[tuple[httpx.AsyncClient, asyncio.subprocess.Process]]:
    """`polaris serve` on a free loopback port, once /healthz answers; stopped on exit.
    Each request gets a connection of its own, so several workers share them out."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        *POLARIS, "serve", "--host", "127.0.0.1", "--port", str(port), *args,
        cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    fresh_connections = httpx.Limits(max_keepalive_connections=0)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=5, limits=fresh_connections
        ) as http:
            deadline = time.monotonic() + 30
            while True:
                try:
                    await http.get("/healthz")
                    break
                except httpx.TransportError:
                    assert process.returncode is None, await process.stderr.read()  # type: ignore[union-attr]
                    assert time.monotonic() < deadline, "polaris serve did not start"
                    await asyncio.sleep(0.1)
            yield http, process
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)


async def signed_help(http: httpx.AsyncClient, fake_slack: FakeSlack) -> httpx.Response:
    body = slash_command_body(text="help", user_id="UFR", response_url=fake_slack.response_url())
    return await http.post(
        "/slack/events",
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            **slack_signature_headers(SIGNING_SECRET, body),
        },
    )


async def test_serve_answers_signed_help_over_http(tmp_path: Path, fake_slack: FakeSlack) -> None:
    async with serving(tmp_path, serve_env(fake_slack)) as (http, process):
        health = await http.get("/healthz")
        assert health.json() == {"status": "ok"}
        response = await signed_help(http, fake_slack)
        assert response.status_code == 200
        assert "Déclarer un objectif avec ses résultats clés." in str(response.json())
        assert fake_slack.calls_to("auth.test"), "the token is checked at start"
        assert response.headers["x-polaris-instance"].split(":")[1] == str(process.pid)
    assert (tmp_path / "polaris.db").exists(), "SQLite is migrated on start"
    stdout = (await process.stdout.read()).decode()  # type: ignore[union-attr]
    assert stdout.splitlines()[0].endswith(
        ": 1 process, SQLite, scheduler off (run `polaris scheduler` apart)."
    ), stdout


async def test_serve_with_two_workers_answers_from_both_processes_on_postgresql(
    tmp_path: Path, fake_slack: FakeSlack, postgresql_url: str
) -> None:
    env = serve_env(fake_slack, DATABASE_URL=postgresql_url, POLARIS_SCHEDULER="on")
    async with serving(tmp_path, env, "--workers", "2") as (http, process):
        answered_by: dict[str, set[str]] = {"/healthz": set(), "/slack/events": set()}
        deadline = time.monotonic() + 30
        while min(len(pids) for pids in answered_by.values()) < 2:
            assert time.monotonic() < deadline, f"one process answered everything: {answered_by}"
            batch = await asyncio.gather(
                *(http.get("/healthz") for _ in range(10)),
                *(signed_help(http, fake_slack) for _ in range(10)),
            )
            for response in batch:
                assert response.status_code == 200, response.text
                pid = response.headers["x-polaris-instance"].split(":")[1]
                answered_by[response.url.path].add(pid)
        assert str(process.pid) not in answered_by["/healthz"], "the workers answer, not uvicorn"
    stdout = (await process.stdout.read()).decode()  # type: ignore[union-attr]
    assert stdout.splitlines()[0].endswith(
        ": 2 worker processes, PostgreSQL, scheduler on in each worker, one ticks at a time."
    ), stdout


def test_serve_with_two_workers_on_sqlite_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = polaris(
        "serve", "--workers", "2", cwd=tmp_path,
        SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "polaris: --workers 2 needs PostgreSQL: SQLite is one process (one writer). "
        "Set DATABASE_URL=postgresql://… or serve without --workers."
    )
    assert not (tmp_path / "polaris.db").exists()


async def test_tick_at_runs_one_pass_and_exits(tmp_path: Path, fake_slack: FakeSlack) -> None:
    process = await asyncio.create_subprocess_exec(
        *POLARIS, "tick", "--at", "2026-11-27T10:00:00+01:00",
        cwd=tmp_path,
        env=clean_env(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake_slack.base_url),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    assert stdout.decode().startswith("tick 2026-11-27T10:00:00+01:00:")


def test_tick_refuses_an_instant_without_offset(tmp_path: Path) -> None:
    result = polaris("tick", "--at", "2026-11-27T10:00:00", cwd=tmp_path, SLACK_BOT_TOKEN="x")
    assert result.returncode == 2
    assert "UTC offset" in result.stderr


async def test_a_refused_token_is_one_line(tmp_path: Path, fake_slack: FakeSlack) -> None:
    fake_slack.fail("auth.test", error="invalid_auth")
    process = await asyncio.create_subprocess_exec(
        *POLARIS, "tick",
        cwd=tmp_path,
        env=clean_env(SLACK_BOT_TOKEN="xoxb-wrong", SLACK_API_URL=fake_slack.base_url),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2
    assert (
        stderr.decode()
        .strip()
        .splitlines()[-1]
        .startswith("polaris: Slack refused SLACK_BOT_TOKEN (invalid_auth)")
    )


@pytest.mark.parametrize(
    "database_url",
    ["postgresql://postgres@127.0.0.1:9/polaris", "sqlite:////nonexistent-dir/polaris.db"],
)
async def test_tick_with_the_database_down_is_one_line_and_exit_2(
    tmp_path: Path, fake_slack: FakeSlack, database_url: str
) -> None:
    process = await asyncio.create_subprocess_exec(
        *POLARIS, "tick", "--at", "2026-11-27T10:00:00+01:00",
        cwd=tmp_path,
        env=clean_env(
            SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake_slack.base_url, DATABASE_URL=database_url
        ),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2, lines
    assert len(lines) == 1 and lines[0].startswith("polaris: cannot open DATABASE_URL"), lines
