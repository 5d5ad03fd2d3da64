"""CSV import of readings: per-line errors naming the field, all or nothing unless asked."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.domain.errors import UserError
from bot.domain.readings_csv import parse_readings_csv
from bot.i18n import translator
from bot.services.readings import import_readings
from storage.database import Database
from storage.models import Reading, ReadingRevision
from tests.northstar_factories import NOW, define, make_team, product_draft

GOOD = """metric,date,value
nsm,2026-11-02,1000
nsm,2026-11-09,1100
New users activated,2026-11-09,40
"""
BAD = (
    GOOD
    + """nsm,2026-13-01,5
Vibes,2026-11-09,3
nsm,2026-11-16,douze
nsm,2026-11-10,1150
nsm,2026-12-07,1
"""
)


async def readings(db: Database) -> list[Reading]:
    async with db.transaction() as session:
        return list((await session.scalars(select(Reading))).all())


async def run_import(db: Database, text: str, *, keep_valid: bool = False, locale: str = "en"):
    progress: list[int] = []
    report = await import_readings(
        db=db,
        channel_id="C1",
        workspace_id=None,
        parsed=parse_readings_csv(text, parse_number=translator(locale).parse_number),
        actor="cli",
        now=NOW,
        keep_valid=keep_valid,
        progress=progress.append,
    )
    return report, progress


async def test_a_clean_file_is_imported(db: Database) -> None:
    await define(db, await make_team(db))
    report, progress = await run_import(db, GOOD)
    assert (report.lines, report.imported, report.replaced, report.errors) == (3, 3, 0, ())
    assert report.written and sum(progress) == 3
    assert sorted(r.value for r in await readings(db)) == [40, 1000, 1100]


async def test_one_bad_line_and_nothing_is_imported(db: Database) -> None:
    await define(db, await make_team(db))
    report, _ = await run_import(db, BAD)
    assert not report.written and report.imported == 0
    assert [(e.line, e.field) for e in report.errors] == [
        (5, "date"),  # month 13
        (6, "metric"),  # unknown input
        (7, "value"),  # not a number
        (8, "date"),  # same week as line 3
        (9, "date"),  # in the future
    ]
    assert await readings(db) == []


async def test_keep_valid_imports_the_good_lines_only(db: Database) -> None:
    await define(db, await make_team(db))
    report, _ = await run_import(db, BAD, keep_valid=True)
    assert report.written and report.imported == 3 and len(report.errors) == 5
    assert len(await readings(db)) == 3


async def test_importing_again_replaces_with_an_audit_trail(db: Database) -> None:
    await define(db, await make_team(db))
    await run_import(db, GOOD)
    report, _ = await run_import(db, GOOD.replace("1100", "1111"))
    assert report.replaced == 3
    async with db.transaction() as session:
        assert len((await session.scalars(select(ReadingRevision))).all()) == 3
    assert sorted(r.value for r in await readings(db)) == [40, 1000, 1111]


async def test_french_numbers_and_semicolons(db: Database) -> None:
    await define(db, await make_team(db))
    report, _ = await run_import(db, "metric;date;value\nnsm;2026-11-09;1 234,5\n", locale="fr")
    assert report.imported == 1
    [reading] = await readings(db)
    assert reading.value == 1234.5


def test_a_header_without_the_columns_is_refused() -> None:
    with pytest.raises(UserError) as problem:
        parse_readings_csv("name,when,amount\nnsm,2026-11-09,1\n", parse_number=float)
    assert problem.value.values["missing"] == "metric, date, value"


async def test_last_weeks_history_imports_right_after_defining_the_north_star(
    db: Database,
) -> None:
    """ "Measured since" left empty: no lower bound, the file's past weeks all go in."""
    await define(db, await make_team(db), product_draft(measured_since=None), now=NOW)
    report, _ = await run_import(db, GOOD)
    assert (report.imported, report.errors, report.written) == (3, (), True)


async def test_rows_before_an_explicit_measured_since_are_refused_with_the_date(
    db: Database,
) -> None:
    await define(db, await make_team(db), product_draft(measured_since=date(2026, 11, 9)))
    report, _ = await run_import(db, GOOD)
    [error] = report.errors
    assert (error.line, error.field, report.written) == (2, "date", False)
    message = translator("fr")(error.message, **error.values)
    assert "2 novembre 2026 est antérieure" in message and "9 novembre 2026" in message
    assert await readings(db) == []
