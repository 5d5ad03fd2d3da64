"""What an operator sees in the terminal: one line per problem, nothing said twice, no noise."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import sys
from importlib import metadata
from pathlib import Path
from unittest import mock

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from typer.testing import CliRunner

from bot.app import build_slack_app
from bot.cli import cli
from bot.logs import JsonFormatter
from bot.scheduler import build_scheduler
from bot.services.runtime import Services
from storage.database import Database
from tests.conftest import BOT_TOKEN, PolarisServer
from tests.e2e.test_cli import POLARIS, clean_env, polaris
from tests.e2e.test_nudges import PARIS_TEN, tick, week  # noqa: F401 - `week` is a fixture
from tests.e2e.test_readings_cli import GOOD, import_history, readings
from tests.northstar_factories import define, make_team
from tests.slack_fake import FakeSlack

REPO = Path(__file__).parents[2]


def one_line(stderr: str) -> str:
    """The one line of `stderr`, after checking it is exactly one."""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


# --- Bolt is built without a warning -----------------------------------------------------------


def test_bolt_is_built_without_warning_that_the_token_is_unused(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    bolt_logger = logging.getLogger("slack_bolt.AsyncApp")
    with mock.patch.object(bolt_logger, "warning") as warning:
        app = build_slack_app(services, AsyncWebClient(token=BOT_TOKEN))
    assert warning.call_args_list == []
    assert app.client.token == BOT_TOKEN
    assert os.environ["SLACK_BOT_TOKEN"] == BOT_TOKEN, "the environment is left as it was"


# --- polaris tick: its summary, once, and nothing else ------------------------------------------


async def test_tick_prints_its_summary_once_and_nothing_else(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    process = await asyncio.create_subprocess_exec(
        *POLARIS, "tick", "--at", "2026-11-27T10:00:00+01:00",
        cwd=tmp_path,
        env=clean_env(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake_slack.base_url),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    assert stdout.decode() == (
        "tick 2026-11-27T10:00:00+01:00: 0 due, 0 sent, 0 skipped, 0 failed, 0 already claimed\n"
    )
    assert stderr.decode() == "", "no migration lines, no Bolt warning, no second summary"


# --- Alembic speaks at debug level only ---------------------------------------------------------


def test_migrations_are_quiet_unless_debugging(tmp_path: Path) -> None:
    (tmp_path / "quiet").mkdir()
    (tmp_path / "debug").mkdir()
    quiet = polaris("db", "upgrade", cwd=tmp_path / "quiet")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
    assert quiet.stdout.startswith("database at revision ")
    debug = polaris("db", "upgrade", cwd=tmp_path / "debug", POLARIS_LOG_LEVEL="debug")
    assert debug.returncode == 0, debug.stderr
    assert "INFO alembic.runtime.migration: Running upgrade  -> 0001" in debug.stderr


# --- A wrong setting is one line naming what it may be ------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        ("POLARIS_LOG_LEVEL", "LOUD",
         "POLARIS_LOG_LEVEL=LOUD is not allowed: use DEBUG, INFO, WARNING, ERROR or CRITICAL."),
        ("POLARIS_DEFAULT_LOCALE", "de", "POLARIS_DEFAULT_LOCALE=de is not allowed: use en or fr."),
        ("POLARIS_LOG_FORMAT", "xml", "POLARIS_LOG_FORMAT=xml is not allowed: use text or json."),
        ("POLARIS_SCHEDULER", "maybe", "POLARIS_SCHEDULER=maybe is not allowed: use on or off."),
        ("POLARIS_CLAIM_LEASE_SECONDS", "10",
         "POLARIS_CLAIM_LEASE_SECONDS=10 is wrong: use at least 60."),
        ("POLARIS_CLAIM_LEASE_SECONDS", "soon",
         "POLARIS_CLAIM_LEASE_SECONDS=soon is wrong: use a whole number."),
        ("POLARIS_SLACK_TIMEOUT_SECONDS", "0",
         "POLARIS_SLACK_TIMEOUT_SECONDS=0 is wrong: use more than 0."),
        ("POLARIS_SLACK_TIMEOUT_SECONDS", "100",
         "POLARIS_SLACK_TIMEOUT_SECONDS=100 must be at most a quarter of "
         "POLARIS_CLAIM_LEASE_SECONDS=300: 75 at most."),
    ],
)  # fmt: skip
def test_a_wrong_setting_is_one_line_naming_the_allowed_values_and_exit_2(
    tmp_path: Path, variable: str, value: str, line: str
) -> None:
    result = polaris("db", "upgrade", cwd=tmp_path, **{variable: value})
    assert result.returncode == 2
    assert one_line(result.stderr) == f"polaris: {line}"
    assert not (tmp_path / "polaris.db").exists()


@pytest.mark.parametrize(
    ("variable", "value"),
    [("POLARIS_LOG_LEVEL", "warning"), ("POLARIS_DEFAULT_LOCALE", "FR"),
     ("POLARIS_LOG_FORMAT", "JSON")],
)  # fmt: skip
def test_settings_are_read_in_any_case(tmp_path: Path, variable: str, value: str) -> None:
    result = polaris("db", "upgrade", cwd=tmp_path, **{variable: value})
    assert result.returncode == 0, result.stderr


# --- --version and --help -----------------------------------------------------------------------


def test_version_prints_the_installed_version() -> None:
    result = CliRunner().invoke(cli, ["--version"], prog_name="polaris")
    assert result.exit_code == 0
    assert result.output == f"polaris {metadata.version('polaris-okr')}\n"


@pytest.mark.parametrize(
    "command",
    [[], ["run"], ["serve"], ["scheduler"], ["tick"], ["db"], ["db", "upgrade"], ["readings"],
     ["readings", "import"]],
)  # fmt: skip
def test_help_shows_flags_without_a_type(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"], prog_name="polaris")
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert f"Usage: polaris {' '.join(command)}".rstrip() in result.output
    assert "  --help  " in result.output or "  --help    " in result.output


# --- --channel takes what an operator copies from Slack ---------------------------------------


@pytest.mark.parametrize(
    "channel", ["#C1", "<#C1|growth>", "https://acme.slack.com/archives/C1", " C1 "]
)
async def test_channel_is_an_id_however_it_is_pasted(
    tmp_path: Path, db: Database, database_url: str, channel: str
) -> None:
    await define(db, await make_team(db))
    (tmp_path / "history.csv").write_text(GOOD)
    result = import_history(tmp_path, database_url, channel=channel)
    assert result.returncode == 0, result.stderr
    assert "imported 3 reading(s) into Growth" in result.stdout
    assert len(await readings(db)) == 3


async def test_a_channel_name_is_one_line_saying_what_to_give_instead(
    tmp_path: Path, database_url: str
) -> None:
    (tmp_path / "history.csv").write_text(GOOD)
    result = import_history(tmp_path, database_url, channel="#growth")
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        "polaris: --channel #growth is not a channel id: this command reads the database, which "
        "knows channels by id. Give the id (C…, at the bottom of the channel's details in Slack) "
        "or the channel's link (the channel's name → Copy link)."
    )


# --- The placeholders of .env.example are not tokens -------------------------------------------


@pytest.mark.parametrize(
    ("command", "env", "variable"),
    [
        ("tick", {"SLACK_BOT_TOKEN": "xoxb-your-token"}, "SLACK_BOT_TOKEN"),
        ("tick", {"SLACK_BOT_TOKEN": "xoxb-..."}, "SLACK_BOT_TOKEN"),
        ("run", {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-..."}, "SLACK_APP_TOKEN"),
        ("serve", {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "<your signing secret>"},
         "SLACK_SIGNING_SECRET"),
    ],
)  # fmt: skip
def test_a_placeholder_token_is_not_filled_in_yet(
    tmp_path: Path, command: str, env: dict[str, str], variable: str
) -> None:
    # Nothing listens there: were the placeholder taken for a token, Slack would be called.
    result = polaris(command, cwd=tmp_path, SLACK_API_URL="http://127.0.0.1:9/api/", **env)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith(f"polaris: {variable} is not filled in yet"), line
    assert "api.slack.com/apps" in line
    assert env[variable] not in line, "a secret is never echoed"


def test_a_copy_of_the_env_example_says_which_variable_to_fill_in(tmp_path: Path) -> None:
    shutil.copy(REPO / ".env.example", tmp_path / ".env")
    result = polaris("run", cwd=tmp_path, SLACK_API_URL="http://127.0.0.1:9/api/")
    assert result.returncode == 2
    assert one_line(result.stderr).startswith("polaris: SLACK_BOT_TOKEN is not filled in yet")


# --- JSON logs: one business line per command and per scheduled post --------------------------


def business_lines(caplog: pytest.LogCaptureFixture, event: str) -> list[dict]:
    """The records of `event` as the JSON formatter writes them, each checked to be one line
    without a token."""
    lines = []
    for record in caplog.records:
        text = JsonFormatter().format(record)
        assert "\n" not in text and BOT_TOKEN not in text
        if getattr(record, "event", None) == event:
            lines.append(json.loads(text))
    return lines


async def test_a_command_is_one_json_line_saying_who_what_where(
    polaris: PolarisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await polaris.command("update KR-1 40 <!channel> & secrets")
    await polaris.command("lsit")
    await polaris.settled()
    lines = business_lines(caplog, "command")
    assert [(line["who"], line["what"], line["workspace"]) for line in lines] == [
        ("U1", "/okr update", "T0001"),
        ("U1", "/okr ?", "T0001"),
    ]
    assert lines[0]["level"] == "INFO" and lines[0]["logger"] == "handlers.commands"
    assert lines[0]["message"] == "/okr update by U1 in T0001"
    assert "secrets" not in json.dumps(lines), "what people typed stays out of the logs"


async def test_a_scheduled_post_is_one_json_line_saying_who_what_where(
    week: PolarisServer,  # noqa: F811 - the fixture imported above
    clock: list,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    await tick(week, clock, PARIS_TEN)
    await week.settled()
    lines = business_lines(caplog, "scheduled_post")
    # The nudges are DMs to their owners; last week's digest, a day late, is skipped.
    assert sorted((line["what"], str(line["who"]), line["outcome"]) for line in lines) == [
        ("digest", "None", "skipped"),
        ("nudge", "U1", "sent"),
        ("nudge", "U3", "sent"),
    ]
    assert {line["workspace"] for line in lines} == {"T0001"}
    assert all(line["period"] and line["subject"] for line in lines)
    summaries = [r for r in caplog.records if r.getMessage().startswith("tick ")]
    assert summaries == [], "the summary is the scheduler's line, or `polaris tick`'s output"


def test_json_logs_make_every_line_json(tmp_path: Path) -> None:
    result = polaris(
        "db", "upgrade", cwd=tmp_path, POLARIS_LOG_FORMAT="json", POLARIS_LOG_LEVEL="DEBUG"
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert lines and all(line["logger"].startswith("alembic") for line in lines)
    assert {"time", "level", "logger", "message"} <= set(lines[0])


def test_a_json_line_is_one_event_even_with_a_traceback() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("here",), None)
        record.exc_info = sys.exc_info()
    record.color_message = "\x1b[36mfailed\x1b[0m"  # uvicorn's coloured copy of the message
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["message"] == "failed here" and parsed["level"] == "ERROR"
    assert "RuntimeError: boom" in parsed["exception"]
    assert "color_message" not in parsed


async def test_the_schedulers_minute_is_quiet_when_nothing_is_due(
    polaris: PolarisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await build_scheduler(polaris.runtime.ticker).get_job("polaris-tick").func()
    assert [r.getMessage() for r in caplog.records if r.name == "bot.scheduler"] == []
    caplog.set_level(logging.DEBUG)
    await build_scheduler(polaris.runtime.ticker).get_job("polaris-tick").func()
    [summary] = [r for r in caplog.records if r.name == "bot.scheduler"]
    assert summary.getMessage().endswith(": 0 due, 0 sent, 0 skipped, 0 failed, 0 already claimed")
