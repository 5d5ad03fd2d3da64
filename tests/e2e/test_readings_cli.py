"""`polaris readings import` as an operator runs it: a real process on the test database."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy import select

from storage.database import Database
from storage.models import Reading
from tests.e2e.test_cli import polaris
from tests.northstar_factories import define, make_team

GOOD = (
    "metric,date,value\nnsm,2026-01-05,900\nnsm,2026-01-12,950\nNew users activated,2026-01-12,30\n"
)
BAD = GOOD + "nsm,12/01/2026,5\nVibes,2026-01-19,3\n"


async def readings(db: Database) -> list[Reading]:
    async with db.transaction() as session:
        return list((await session.scalars(select(Reading))).all())


def import_history(
    tmp_path: Path, database_url: str, *options: str, channel: str = "C1"
) -> subprocess.CompletedProcess[str]:
    """Run `polaris readings import history.csv --channel <channel> <options>` in `tmp_path`."""
    return polaris(
        "readings",
        "import",
        "history.csv",
        "--channel",
        channel,
        *options,
        cwd=tmp_path,
        DATABASE_URL=database_url,
    )


async def test_import_a_clean_file(tmp_path: Path, db: Database, database_url: str) -> None:
    await define(db, await make_team(db))
    (tmp_path / "history.csv").write_text(GOOD)
    result = import_history(tmp_path, database_url)
    assert result.returncode == 0, result.stderr
    assert "imported 3 reading(s) into Growth" in result.stdout
    assert len(await readings(db)) == 3


async def test_a_bad_line_imports_nothing_and_names_line_and_field(
    tmp_path: Path, db: Database, database_url: str
) -> None:
    await define(db, await make_team(db))
    (tmp_path / "history.csv").write_text(BAD)
    result = import_history(tmp_path, database_url)
    assert result.returncode == 1
    assert "line 5: date: “12/01/2026” is not a date like 2026-11-23." in result.stderr
    assert "line 6: metric: There is no metric called “Vibes”" in result.stderr
    assert "nothing imported: 2 line(s) with errors" in result.stderr
    assert "Traceback" not in result.stderr
    assert await readings(db) == []
    again = import_history(tmp_path, database_url, "--keep-valid")
    assert again.returncode == 0, again.stderr
    assert "imported 3 reading(s)" in again.stdout and "2 line(s) skipped" in again.stdout
    assert len(await readings(db)) == 3


async def test_a_channel_without_team_is_one_line(tmp_path: Path, database_url: str) -> None:
    (tmp_path / "history.csv").write_text(GOOD)
    result = import_history(tmp_path, database_url, channel="C404")
    assert result.returncode == 2
    assert result.stderr.strip() == "polaris: No team lives in channel C404."
