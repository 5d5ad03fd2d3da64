"""Readings of the North Star and its inputs: by command or modal, by the REST API (with a
team's bearer token and idempotency keys), and by CSV import (all or nothing).

One reading per metric per period of the North Star's time window: a second reading for the
same period replaces the first, whose value stays in the audit trail (`reading_revision`).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import N_, InvalidFields, UserError, field_error
from bot.domain.names import closest
from bot.domain.northstar import names_north_star, same_metric_name
from bot.domain.readings import (
    DATE_PROBLEM_MESSAGES,
    VALUE_PROBLEM_MESSAGES,
    ReadingSource,
    date_problem,
    period_start,
    value_problem,
)
from bot.domain.readings_csv import CsvReading, LineError, ReadingsCsv
from bot.services.commands import ApiReading, RecordReading
from bot.services.northstar import require_north_star
from bot.services.read_models import (
    ImportReport,
    MetricChoice,
    NorthStarView,
    ReadingForm,
    RecordedReading,
    SubmittedReading,
    TeamView,
)
from bot.services.teams import team_view
from bot.services.tokens import authenticate_api_token
from storage import northstar as store
from storage.database import Database
from storage.models import Team

#: The metric key of the North Star in modals, the API and CSV files.
NORTH_STAR_KEY = "north_star"
INPUT_KEY_PREFIX = "input:"


class IdempotencyConflict(UserError):
    """An idempotency key was reused with a different body."""


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
    guess = closest(text, [view.name, *(m.name for m in view.inputs)])
    if guess is not None:
        raise field_error(
            "metric",
            N_("There is no metric called “{name}”. Did you mean “{suggestion}”?"),
            name=text,
            suggestion=guess,
        )
    raise field_error(
        "metric",
        N_("There is no metric called “{name}”. Use `nsm` or one of: {known}."),
        name=text,
        known=", ".join(m.name for m in view.inputs) or "—",
    )


def _check(view: NorthStarView, metric: _Metric, value: float, on: date, today: date) -> None:
    problem = value_problem(value, metric.unit)
    if problem is not None:
        shown = value if math.isfinite(value) else str(value)
        raise field_error(
            "value", VALUE_PROBLEM_MESSAGES[problem], value=shown, unit=metric.unit or ""
        )
    dated = date_problem(on, today=today, measured_since=view.measured_since, window=view.window)
    if dated is not None:
        # Dates, not text: each reader's translator shows them in their own format.
        raise field_error(
            "date", DATE_PROBLEM_MESSAGES[dated], date=on, since=view.measured_since or on
        )


async def _record(
    session: AsyncSession,
    team: Team,
    reading: RecordReading | ApiReading,
    *,
    source: ReadingSource,
    actor: str,
    now: datetime,
) -> RecordedReading:
    """Check `reading` against the team's North Star and store it (by command or API alike)."""
    view = await require_north_star(session, team)
    ref = team_view(team)
    today = ref.today(now)
    day = reading.on or today
    metric = _resolve(view, reading.metric)
    _check(view, metric, reading.value, day, today)
    start = period_start(day, view.window)
    stored, audit = await store.put_reading(
        session,
        workspace_id=team.workspace_id,
        north_star_id=metric.north_star_id,
        input_metric_id=metric.input_metric_id,
        period_start=start,
        value=reading.value,
        source=source.value,
        recorded_by=actor,
        now=now,
    )
    return RecordedReading(
        team=ref,
        metric_name=metric.name,
        is_north_star=metric.north_star_id is not None,
        unit=metric.unit,
        value=stored.value,
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
        team = await store.team_of_channel(session, workspace_id, channel_id)
        view = await require_north_star(session, team)
        metrics = (
            MetricChoice(NORTH_STAR_KEY, view.name, view.unit),
            *tuple(MetricChoice(f"{INPUT_KEY_PREFIX}{m.id}", m.name, m.unit) for m in view.inputs),
        )
        return ReadingForm(view.team, metrics, view.team.today(now), view.unit)


async def record_reading(*, db: Database, cmd: RecordReading, now: datetime) -> RecordedReading:
    """Record one reading (replacing the period's former one, kept in the audit trail).

    Raises InvalidFields naming `metric` (unknown name), `value` (outside the unit's sane
    range) or `date` (future, or before the North Star's "measured since"); UserError when the
    channel has no team or no North Star.
    """
    async with db.transaction() as session:
        team = await store.team_of_channel(session, cmd.workspace_id, cmd.channel_id)
        return await _record(session, team, cmd, source=cmd.source, actor=cmd.actor, now=now)


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
) -> SubmittedReading:
    """Authenticate `token` and record the reading for its team, in one transaction.

    With an idempotency key, the first request's reading is stored with the key and a repeat
    with the same body gets it again (`replayed`) without writing; the same key with another
    body raises IdempotencyConflict. A refused request (bad value, …) stores nothing, so it
    may be retried with the same key once corrected.

    Raises ApiAuthError (unknown or revoked token: nothing written), InvalidFields, UserError.
    """
    async with db.transaction() as session:
        stored, team = await authenticate_api_token(session, token)
        assert stored.id is not None
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
                return SubmittedReading(_restored(team_view(team), earlier.response), True)
        await store.touch_token(session, stored.id, now)
        recorded = await _record(
            session, team, reading, source=ReadingSource.API, actor=f"api:{stored.prefix}", now=now
        )
        if reading.idempotency_key:
            await store.store_idempotent_response(
                session,
                team_id=stored.team_id,
                key=reading.idempotency_key,
                response=recorded.as_record(),
            )
        return SubmittedReading(recorded)


def _restored(team: TeamView, kept: dict[str, Any]) -> RecordedReading:
    # Keys claimed before readings were kept as records hold the whole HTTP answer instead;
    # its body is the record.
    return RecordedReading.from_record(team, kept.get("body", kept), ReadingSource.API.value)


# --- By CSV import --------------------------------------------------------------------------


async def import_readings(
    *,
    db: Database,
    channel_id: str,
    workspace_id: str | None,
    parsed: ReadingsCsv,
    actor: str,
    now: datetime,
    keep_valid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import the rows of a parsed CSV file into the team of `channel_id` in one transaction.

    Every row is checked first (known metric, sane value, possible date, one row per metric
    and period); the file's own line errors count as errors too. With any error nothing is
    written, unless `keep_valid`, which writes the valid rows and reports the others.
    `progress(n)` is called as lines are checked.

    Raises UserError when the channel has no team (or several workspaces have one there and
    `workspace_id` was not given) or the team has no North Star.
    """
    async with db.transaction() as session:
        team = await store.team_of_import(session, channel_id, workspace_id)
        view = await require_north_star(session, team)
        ref = team_view(team)
        if progress and parsed.errors:
            progress(len(parsed.errors))
        valid, refused = _checked_rows(view, parsed.rows, ref.today(now), progress)
        errors = tuple(sorted((*parsed.errors, *refused), key=lambda e: e.line))
        if errors and not keep_valid:
            return ImportReport(ref, parsed.lines, 0, 0, errors, written=False)
        replaced = 0
        for row, metric in valid:
            _, audit = await store.put_reading(
                session,
                workspace_id=team.workspace_id,
                north_star_id=metric.north_star_id,
                input_metric_id=metric.input_metric_id,
                period_start=period_start(row.on, view.window),
                value=row.value,
                source=ReadingSource.IMPORT.value,
                recorded_by=actor,
                now=now,
            )
            replaced += audit is not None
        return ImportReport(ref, parsed.lines, len(valid), replaced, errors, written=True)


def _checked_rows(
    view: NorthStarView,
    rows: tuple[CsvReading, ...],
    today: date,
    progress: Callable[[int], None] | None,
) -> tuple[list[tuple[CsvReading, _Metric]], list[LineError]]:
    """The rows that may be written, with their metric, and the errors of the others."""
    valid: list[tuple[CsvReading, _Metric]] = []
    errors: list[LineError] = []
    seen: dict[tuple[tuple[int | None, int | None], date], int] = {}
    for row in rows:
        try:
            metric = _resolve(view, row.metric)
            _check(view, metric, row.value, row.on, today)
            period = (metric.key, period_start(row.on, view.window))
            if period in seen:
                raise field_error(
                    "date", N_("Same metric and period as line {other}."), other=seen[period]
                )
            seen[period] = row.line
            valid.append((row, metric))
        except InvalidFields as problem:
            errors.append(LineError(row.line, problem.field, problem.message, problem.values))
        if progress:
            progress(1)
    return valid, errors
