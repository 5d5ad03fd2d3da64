"""Readings as CSV text: a `metric,date,value` file becomes typed rows and the errors of the
lines that are not rows. Pure: no I/O; numbers are read by the `parse_number` given (the
locale's, e.g. `1 234,5` in French).

Whether a row's metric exists, its value is sane and its date possible is the readings
service's to check: it knows the team's North Star.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain.errors import N_, UserError

CSV_COLUMNS = ("metric", "date", "value")


@dataclass(frozen=True)
class CsvReading:
    """One data line of the file, typed; `line` is its 1-based line number."""

    line: int
    metric: str
    on: date
    value: float


@dataclass(frozen=True)
class LineError:
    """Why line `line` was not imported: `message` (a msgid) about its `field`, with `values`."""

    line: int
    field: str
    message: str
    values: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class ReadingsCsv:
    rows: tuple[CsvReading, ...]
    errors: tuple[LineError, ...]

    @property
    def lines(self) -> int:
        """How many data lines the file has (blank lines are not counted)."""
        return len(self.rows) + len(self.errors)


def parse_readings_csv(text: str, *, parse_number: Callable[[str], float]) -> ReadingsCsv:
    """The data lines of a CSV file with a `metric,date,value` header (any order, `;` or `,`
    separated, extra columns ignored), each a row or an error naming its field: an empty
    metric, a date that is not YYYY-MM-DD, a value `parse_number` refuses (ValueError).

    Raises UserError naming the missing columns of the header.
    """
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise UserError(
            N_("The CSV file needs a header line with the columns {columns}; missing: {missing}."),
            columns=", ".join(CSV_COLUMNS),
            missing=", ".join(missing),
        )
    rows: list[CsvReading] = []
    errors: list[LineError] = []
    for cells in reader:
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in cells.items()}
        if not any(row.values()):
            continue
        parsed = _typed(reader.line_num, row, parse_number)
        if isinstance(parsed, CsvReading):
            rows.append(parsed)
        else:
            errors.append(parsed)
    return ReadingsCsv(tuple(rows), tuple(errors))


def _typed(
    line: int, row: dict[str, str], parse_number: Callable[[str], float]
) -> CsvReading | LineError:
    if not row["metric"]:
        return LineError(line, "metric", N_("No metric: write `nsm` or an input metric's name."))
    try:
        day = date.fromisoformat(row["date"])
    except ValueError:
        return LineError(
            line, "date", N_("“{text}” is not a date like 2026-11-23."), {"text": row["date"]}
        )
    try:
        value = parse_number(row["value"])
    except ValueError:
        return LineError(line, "value", N_("“{text}” is not a number."), {"text": row["value"]})
    return CsvReading(line, row["metric"], day, value)
