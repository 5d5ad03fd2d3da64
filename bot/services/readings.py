"""Readings of the North Star and its inputs: by command or modal, by the REST API (with a
team's bearer token and idempotency keys), and by CSV import (all or nothing).

One reading per metric per period of the North Star's time window: a second reading for the
same period replaces the first, whose value stays in the audit trail (`reading_revision`).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import N_, UserError
from bot.domain.northstar import (
    DATE_PROBLEM_MESSAGES,
    VALUE_PROBLEM_MESSAGES,
    FieldProblem,
    TimeWindow,
    date_problem,
    names_north_star,
    period_start,
    same_metric_name,
    value_problem,
)
from bot.services.northstar import (
    NorthStarView,
    TeamRef,
    hash_token,
    require_north_star,
    team_of_channel,
    team_ref,
)
from storage import northstar as store
from storage import okrs as okrs_store
from storage.database import Database
from storage.models import ReadingSource, Team

#: The metric key of the North Star in modals, the API and CSV files.
NORTH_STAR_KEY = "north_star"
INPUT_KEY_PREFIX = "input:"


# --- Read models and commands ---------------------------------------------------------------


@dataclass(frozen=True)
class MetricChoice:
    key: str
    name: str
    unit: str


@dataclass(frozen=True)
class ReadingForm:
    """What the record modal offers: the team's metrics and today on its calendar."""

    team: TeamRef
    metrics: tuple[MetricChoice, ...]
    today: date
    unit: str


@dataclass(frozen=True)
class RecordReading:
    """Record a value of the channel team's North Star (`metric` None, `nsm`, the North Star's
    name or `north_star`) or of one of its inputs (its name, or `input:<id>`)."""

    workspace_id: str
    channel_id: str
    metric: str | None
    value: float
    on: date | None
    actor: str
    source: ReadingSource = ReadingSource.MANUAL


@dataclass(frozen=True)
class RecordedReading:
    team: TeamRef
    metric_name: str
    is_north_star: bool
    unit: str
    value: float
    period_start: date
    window: TimeWindow | None
    replaced: float | None
    source: str


@dataclass(frozen=True)
class ApiReading:
    """The body of `POST /api/v1/metrics/readings`, already type-checked."""

    metric: str
    value: float
    on: date | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ApiAnswer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


class ApiAuthError(Exception):
    """The bearer token is missing, unknown or revoked (HTTP 401; nothing is written)."""


class IdempotencyConflict(UserError):
    """An idempotency key was reused with a different body (HTTP 409)."""


@dataclass(frozen=True)
class ImportLine:
    """One data line of a CSV file, as text; `line` is its 1-based line number."""

    line: int
    metric: str
    date: str
    value: str


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str
    values: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class ImportReport:
    team: TeamRef
    lines: int
    imported: int
    replaced: int
    errors: tuple[LineError, ...]
    written: bool


# --- Shared rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Metric:
    north_star_id: int | None
    input_metric_id: int | None
    name: str
    unit: str

    @property
    def key(self) -> tuple[int | None, int | None]:
        return (self.north_star_id, self.input_metric_id)


def _resolve(view: NorthStarView, metric: str | None) -> _Metric:
    if (
        metric is None
        or not metric.strip()
        or names_north_star(metric)
        or (same_metric_name(metric, view.name))
    ):
        return _Metric(view.id, None, view.name, view.unit)
    text = metric.strip()
    for candidate in view.inputs:
        by_key = text == f"{INPUT_KEY_PREFIX}{candidate.id}"
        if by_key or same_metric_name(candidate.name, text):
            return _Metric(None, candidate.id, candidate.name, candidate.unit)
    raise FieldProblem(
        "metric",
        N_("metric: no metric named “{name}”. Use `nsm` or one of: {known}."),
        name=text,
        known=", ".join(m.name for m in view.inputs) or "—",
    )


def _check(view: NorthStarView, metric: _Metric, value: float, on: date, today: date) -> None:
    problem = value_problem(value, metric.unit)
    if problem is not None:
        shown = value if math.isfinite(value) else str(value)
        raise FieldProblem(
            "value", VALUE_PROBLEM_MESSAGES[problem], value=shown, unit=metric.unit or ""
        )
    dated = date_problem(on, today=today, measured_since=view.measured_since)
    if dated is not None:
        raise FieldProblem(
            "date",
            DATE_PROBLEM_MESSAGES[dated],
            date=on.isoformat(),
            since=view.measured_since.isoformat(),
        )


async def _record(
    session: AsyncSession,
    *,
    team: Team,
    view: NorthStarView,
    metric_ref: str | None,
    value: float,
    on: date | None,
    source: ReadingSource,
    actor: str,
    now: datetime,
) -> RecordedReading:
    ref = team_ref(team)
    today = ref.today(now)
    day = on or today
    metric = _resolve(view, metric_ref)
    _check(view, metric, value, day, today)
    start = period_start(day, view.window)
    reading, audit = await store.put_reading(
        session,
        workspace_id=ref.workspace_id,
        north_star_id=metric.north_star_id,
        input_metric_id=metric.input_metric_id,
        period_start=start,
        value=value,
        source=source.value,
        recorded_by=actor,
        now=now,
    )
    return RecordedReading(
        team=ref,
        metric_name=metric.name,
        is_north_star=metric.north_star_id is not None,
        unit=metric.unit,
        value=reading.value,
        period_start=start,
        window=view.window,
        replaced=audit.value if audit else None,
        source=source.value,
    )


# --- By command or modal --------------------------------------------------------------------


async def reading_form(
    *, db: Database, workspace_id: str, channel_id: str, now: datetime
) -> ReadingForm:
    """The metrics of the channel's team, to open the record modal."""
    async with db.transaction() as session:
        team = await team_of_channel(session, workspace_id, channel_id)
        view = await require_north_star(session, team)
        metrics = (
            MetricChoice(NORTH_STAR_KEY, view.name, view.unit),
            *tuple(MetricChoice(f"{INPUT_KEY_PREFIX}{m.id}", m.name, m.unit) for m in view.inputs),
        )
        return ReadingForm(view.team, metrics, view.team.today(now), view.unit)


async def record_reading(*, db: Database, cmd: RecordReading, now: datetime) -> RecordedReading:
    """Record one reading (replacing the period's former one, kept in the audit trail).

    Raises FieldProblem naming `metric` (unknown name), `value` (outside the unit's sane
    range) or `date` (future, or before the North Star's "measured since"); UserError when the
    channel has no team or no North Star.
    """
    async with db.transaction() as session:
        team = await team_of_channel(session, cmd.workspace_id, cmd.channel_id)
        view = await require_north_star(session, team)
        return await _record(
            session,
            team=team,
            view=view,
            metric_ref=cmd.metric,
            value=cmd.value,
            on=cmd.on,
            source=cmd.source,
            actor=cmd.actor,
            now=now,
        )


# --- By the REST API ------------------------------------------------------------------------


def _fingerprint(reading: ApiReading) -> str:
    canonical = json.dumps(
        {
            "metric": reading.metric,
            "value": reading.value,
            "date": reading.on.isoformat() if reading.on else None,
        },
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def submit_api_reading(
    *, db: Database, token: str, reading: ApiReading, now: datetime
) -> ApiAnswer:
    """Authenticate `token` and record the reading for its team, in one transaction.

    With an idempotency key, the first request's answer is stored and a repeat with the same
    body gets it again (`replayed`) without writing; the same key with another body raises
    IdempotencyConflict. A refused request (bad value, …) stores nothing, so it may be retried
    with the same key once corrected.

    Raises ApiAuthError (unknown or revoked token: nothing written), FieldProblem, UserError.
    """
    async with db.transaction() as session:
        stored = await store.token_by_hash(session, hash_token(token))
        if stored is None or stored.revoked_at is not None:
            raise ApiAuthError
        assert stored.id is not None
        team = await okrs_store.team_by_id(session, stored.workspace_id, stored.team_id)
        if team is None:
            raise ApiAuthError
        if reading.idempotency_key:
            earlier = await store.claim_idempotency_key(
                session,
                workspace_id=stored.workspace_id,
                team_id=stored.team_id,
                key=reading.idempotency_key,
                fingerprint=_fingerprint(reading),
                now=now,
            )
            if earlier is not None:
                if earlier.fingerprint != _fingerprint(reading) or earlier.response is None:
                    raise IdempotencyConflict(
                        N_("idempotency_key: “{key}” was already used for another reading."),
                        key=reading.idempotency_key,
                    )
                return ApiAnswer(
                    int(earlier.response["status"]), dict(earlier.response["body"]), replayed=True
                )
        await store.touch_token(session, stored.id, now)
        view = await require_north_star(session, team)
        recorded = await _record(
            session,
            team=team,
            view=view,
            metric_ref=reading.metric,
            value=reading.value,
            on=reading.on,
            source=ReadingSource.API,
            actor=f"api:{stored.prefix}",
            now=now,
        )
        answer = ApiAnswer(200 if recorded.replaced is not None else 201, _api_body(recorded))
        if reading.idempotency_key:
            await store.store_idempotent_response(
                session,
                team_id=stored.team_id,
                key=reading.idempotency_key,
                response={"status": answer.status, "body": answer.body},
            )
        return answer


def _api_body(recorded: RecordedReading) -> dict[str, Any]:
    return {
        "team": recorded.team.name,
        "metric": recorded.metric_name,
        "kind": "north_star" if recorded.is_north_star else "input_metric",
        "value": recorded.value,
        "unit": recorded.unit,
        "period_start": recorded.period_start.isoformat(),
        "window": recorded.window.value if recorded.window else None,
        "replaced_value": recorded.replaced,
    }


# --- By CSV import --------------------------------------------------------------------------

CSV_COLUMNS = ("metric", "date", "value")


def parse_readings_csv(text: str) -> list[ImportLine]:
    """The data lines of a CSV file with a `metric,date,value` header (any order, `;` or `,`
    separated, extra columns ignored). Raises UserError naming a missing column."""
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
    lines: list[ImportLine] = []
    for row in reader:
        cells = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if not any(cells.values()):
            continue
        lines.append(ImportLine(reader.line_num, cells["metric"], cells["date"], cells["value"]))
    return lines


async def import_readings(
    *,
    db: Database,
    channel_id: str,
    workspace_id: str | None,
    lines: Sequence[ImportLine],
    parse_number: Callable[[str], float],
    actor: str,
    now: datetime,
    keep_valid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import readings into the team of `channel_id` in one transaction.

    Every line is checked first (metric, date as YYYY-MM-DD, value parsed with
    `parse_number`, sane range, one line per metric and period). With any error nothing is
    written, unless `keep_valid`, which writes the valid lines and reports the others.
    `progress(n)` is called as lines are checked and written.

    Raises UserError when the channel has no team (or several workspaces have one there and
    `workspace_id` was not given) or the team has no North Star.
    """
    async with db.transaction() as session:
        team = await _import_team(session, channel_id, workspace_id)
        view = await require_north_star(session, team)
        ref = team_ref(team)
        today = ref.today(now)
        errors: list[LineError] = []
        valid: list[tuple[ImportLine, _Metric, date, float]] = []
        seen: dict[tuple[tuple[int | None, int | None], date], int] = {}
        for item in lines:
            try:
                metric, day, value = _check_line(view, item, parse_number, today)
                period = (metric.key, period_start(day, view.window))
                if period in seen:
                    raise FieldProblem(
                        "date",
                        N_("date: same metric and period as line {other}."),
                        other=seen[period],
                    )
                seen[period] = item.line
                valid.append((item, metric, day, value))
            except FieldProblem as problem:
                errors.append(LineError(item.line, problem.field, problem.message, problem.values))
            if progress:
                progress(1)
        if errors and not keep_valid:
            return ImportReport(ref, len(lines), 0, 0, tuple(errors), written=False)
        replaced = 0
        for _item, metric, day, value in valid:
            _, audit = await store.put_reading(
                session,
                workspace_id=ref.workspace_id,
                north_star_id=metric.north_star_id,
                input_metric_id=metric.input_metric_id,
                period_start=period_start(day, view.window),
                value=value,
                source=ReadingSource.IMPORT.value,
                recorded_by=actor,
                now=now,
            )
            replaced += audit is not None
        return ImportReport(ref, len(lines), len(valid), replaced, tuple(errors), written=True)


async def _import_team(session: AsyncSession, channel_id: str, workspace_id: str | None) -> Team:
    if workspace_id is not None:
        return await team_of_channel(session, workspace_id, channel_id)
    teams = await store.teams_by_channel_anywhere(session, channel_id)
    if not teams:
        raise UserError(N_("No team lives in channel {channel}."), channel=channel_id)
    if len(teams) > 1:
        raise UserError(
            N_("Several workspaces have a team in channel {channel}: name the workspace."),
            channel=channel_id,
        )
    return teams[0]


def _check_line(
    view: NorthStarView, item: ImportLine, parse_number: Callable[[str], float], today: date
) -> tuple[_Metric, date, float]:
    metric = _resolve(view, item.metric or None) if item.metric else None
    if metric is None:
        raise FieldProblem("metric", N_("metric: empty; use `nsm` or an input metric's name."))
    try:
        day = date.fromisoformat(item.date)
    except ValueError:
        raise FieldProblem(
            "date", N_("date: “{text}” is not a date like 2026-11-23."), text=item.date
        ) from None
    try:
        value = parse_number(item.value)
    except ValueError:
        raise FieldProblem(
            "value", N_("value: “{text}” is not a number."), text=item.value
        ) from None
    _check(view, metric, value, day, today)
    return metric, day, value
