"""What services return: plain frozen data, computed once with the domain's rules.

OKRs and teams first, then the North Star (its definition, board, readings and API tokens).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.archetypes import Archetype
from bot.domain.digest import WeekSelection
from bot.domain.northstar import (
    CounterMetricDraft,
    Direction,
    Drives,
    InputMetricDraft,
    NorthStarDraft,
    TimeWindow,
)
from bot.domain.nsm_checklist import Review
from bot.domain.progress import KrKind, KrProgress, ObjectiveProgress
from bot.domain.readings import Trend
from bot.domain.readings_csv import LineError


@dataclass(frozen=True)
class TeamView:
    id: int
    name: str
    channel_id: str
    archetype: str
    timezone: str
    locale: str
    lead_user_id: str | None
    checkin_weekday: int
    checkin_time: time
    digest_weekday: int
    digest_time: time

    def today(self, now: datetime) -> date:
        """Today on the team's calendar."""
        try:
            return now.astimezone(ZoneInfo(self.timezone)).date()
        except (ZoneInfoNotFoundError, ValueError):
            return now.date()


@dataclass(frozen=True)
class KeyResultView:
    id: int
    ref: int
    label: str
    objective_id: int
    title: str
    kind: KrKind
    start: float
    target: float
    unit: str
    owner_user_id: str
    weight: float
    state: str
    current: float | None
    confidence: int | None
    note: str
    last_check_in_at: datetime | None
    progress: KrProgress


@dataclass(frozen=True)
class ObjectiveView:
    id: int
    workspace_id: str
    ref: int
    label: str
    title: str
    description: str
    owner_user_id: str
    state: str
    drives: str | None
    input_metric_id: int | None
    parent_id: int | None
    team: TeamView
    cycle_key: str
    expected: float
    post_channel_id: str | None
    post_ts: str | None
    key_results: tuple[KeyResultView, ...]
    progress: ObjectiveProgress

    @property
    def last_check_in_at(self) -> datetime | None:
        times = [kr.last_check_in_at for kr in self.key_results if kr.last_check_in_at]
        return max(times) if times else None


@dataclass(frozen=True)
class CheckInResult:
    """A recorded check-in and the key result as it now stands (its objective's post is
    redrawn afterwards, from `objective_id`)."""

    key_result: KeyResultView
    previous_value: float | None
    duplicate: bool
    objective_id: int
    check_in_id: int | None = None


@dataclass(frozen=True)
class ObjectivePage:
    items: tuple[ObjectiveView, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class Choice:
    """An option of a select: a stable value and a label."""

    value: str
    label: str


@dataclass(frozen=True)
class ObjectiveFormOptions:
    """Everything the `/okr new` modal offers, with defaults for the channel it came from."""

    teams: tuple[Choice, ...]
    default_team_id: int | None
    cycles: tuple[Choice, ...]
    default_cycle: str
    parents: tuple[Choice, ...]
    drives: tuple[Choice, ...]


@dataclass(frozen=True)
class HomeModel:
    my_objectives: tuple[ObjectiveView, ...]
    team_objectives: tuple[ObjectiveView, ...]
    teams: tuple[TeamView, ...]
    # My open KRs not checked in during the last five days (what a check-in would list).
    due_key_results: int = 0


# --- The North Star -------------------------------------------------------------------------


@dataclass(frozen=True)
class InputMetricView:
    id: int
    name: str
    definition: str
    unit: str
    direction: Direction
    owner_user_id: str | None


@dataclass(frozen=True)
class NorthStarView:
    """A team's North Star as currently defined, with its inputs and counter-metrics."""

    id: int
    team: TeamView
    name: str
    definition: str
    unit: str
    direction: Direction
    window: TimeWindow | None
    target: float | None
    target_date: date | None
    owner_user_id: str | None
    #: The first day readings may be dated; None: no lower bound.
    measured_since: date | None
    archetype: Archetype | None
    template: str | None
    revision: int
    revised_by: str | None
    revised_at: datetime
    counter_metrics: tuple[CounterMetricDraft, ...]
    inputs: tuple[InputMetricView, ...]

    def draft(self) -> NorthStarDraft:
        return NorthStarDraft(
            name=self.name,
            definition=self.definition,
            unit=self.unit,
            direction=self.direction,
            window=self.window,
            target=self.target,
            target_date=self.target_date,
            owner_user_id=self.owner_user_id,
            measured_since=self.measured_since,
            archetype=self.archetype,
            template=self.template,
            counter_metrics=self.counter_metrics,
            inputs=tuple(
                InputMetricDraft(m.name, m.definition, m.owner_user_id, m.direction, m.id)
                for m in self.inputs
            ),
        )


@dataclass(frozen=True)
class NorthStarForm:
    """What the define modal starts from: the team and its current North Star, if any."""

    team: TeamView
    archetype: Archetype
    north_star: NorthStarView | None


@dataclass(frozen=True)
class SavedNorthStar:
    north_star: NorthStarView
    review: Review
    created: bool


@dataclass(frozen=True)
class RevisionView:
    number: int
    name: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class NorthStarReview:
    north_star: NorthStarView
    review: Review
    revisions: tuple[RevisionView, ...]


@dataclass(frozen=True)
class ObjectiveLink:
    ref: int
    label: str
    title: str
    owner_user_id: str


@dataclass(frozen=True)
class MetricTrend:
    """One metric on the North Star's board: its trend and the objectives that drive it."""

    id: int
    name: str
    unit: str
    direction: Direction
    owner_user_id: str | None
    trend: Trend
    objectives: tuple[ObjectiveLink, ...]


@dataclass(frozen=True)
class NorthStarSummary:
    """Everything `/okr northstar`, the Home tab and the digest show about a North Star."""

    team: TeamView
    north_star: NorthStarView
    metric: MetricTrend
    progress: float | None
    cycle_key: str
    inputs: tuple[MetricTrend, ...]
    health: tuple[ObjectiveLink, ...]
    unlinked: tuple[ObjectiveLink, ...]
    warnings: int


@dataclass(frozen=True)
class LinkedObjective:
    objective: ObjectiveLink
    drives: Drives
    metric_name: str | None


@dataclass(frozen=True)
class NewApiToken:
    """A freshly created token: `token` is shown once and never stored in clear."""

    token: str
    prefix: str
    team: TeamView


@dataclass(frozen=True)
class ApiTokenView:
    prefix: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


# --- Readings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricChoice:
    key: str
    name: str
    unit: str


@dataclass(frozen=True)
class ReadingForm:
    """What the record modal offers: the team's metrics and today on its calendar."""

    team: TeamView
    metrics: tuple[MetricChoice, ...]
    today: date
    unit: str


@dataclass(frozen=True)
class RecordedReading:
    team: TeamView
    metric_name: str
    is_north_star: bool
    unit: str
    value: float
    period_start: date
    window: TimeWindow | None
    replaced: float | None
    source: str

    def as_record(self) -> dict[str, Any]:
        """The reading as JSON-ready data: what an idempotency key keeps to answer a repeat,
        and (with the team's name) the REST API's answer, documented in docs/north-star.md."""
        return {
            "metric": self.metric_name,
            "kind": "north_star" if self.is_north_star else "input_metric",
            "value": self.value,
            "unit": self.unit,
            "period_start": self.period_start.isoformat(),
            "window": self.window.value if self.window else None,
            "replaced_value": self.replaced,
        }

    @classmethod
    def from_record(cls, team: TeamView, record: dict[str, Any], source: str) -> RecordedReading:
        """The reading `as_record` gave, for `team` (whose name may have changed since)."""
        return cls(
            team=team,
            metric_name=record["metric"],
            is_north_star=record["kind"] == "north_star",
            unit=record["unit"],
            value=record["value"],
            period_start=date.fromisoformat(record["period_start"]),
            window=TimeWindow(record["window"]) if record["window"] else None,
            replaced=record["replaced_value"],
            source=source,
        )


@dataclass(frozen=True)
class ImportReport:
    team: TeamView
    lines: int
    imported: int
    replaced: int
    errors: tuple[LineError, ...]
    written: bool


@dataclass(frozen=True)
class SubmittedReading:
    """A reading sent to the REST API. `replayed`: the answer to an earlier request with the
    same idempotency key, given again; nothing was written this time."""

    reading: RecordedReading
    replayed: bool = False


# --- The digest and the check-in DM ---------------------------------------------------------


@dataclass(frozen=True)
class DigestModel:
    """One team's week, ready to render.

    Attributes:
        period: the ISO week (`2026-W48`) of `until` on the team's calendar.
        since, until: the week covered, (until − 7 days, until].
        north_star: the team's North Star board, None without a North Star.
        objectives: the team's live objectives of the current cycle, by reference.
        week: the highlights of its open key results (domain rules).
        key_results: those key results by label (`KR-12`), to name the highlights.
        unlinked: open objectives that say nothing of what they drive.
        check_ins: how many key results were checked in during the week.
        readings: how many North Star or input metric readings were recorded in it.
        empty: nothing was recorded this week (no check-in, no reading).
        first: no digest was posted for the team before: this one is its kick-off.
        next_check_in_at, next_digest_at: when the next weekly check-in and digest come.
        lead_locale: the team lead's language, for what is said to them alone (a DM).
    """

    team: TeamView
    period: str
    since: datetime
    until: datetime
    cycle_key: str
    north_star: NorthStarSummary | None
    objectives: tuple[ObjectiveView, ...]
    week: WeekSelection
    key_results: dict[str, KeyResultView] = field(default_factory=dict)
    unlinked: tuple[ObjectiveView, ...] = ()
    check_ins: int = 0
    readings: int = 0
    empty: bool = True
    first: bool = False
    next_check_in_at: datetime | None = None
    next_digest_at: datetime | None = None
    lead_locale: str | None = None

    @property
    def has_content(self) -> bool:
        """False for a team with neither objectives this cycle nor a North Star: no digest."""
        return bool(self.objectives) or self.north_star is not None


@dataclass(frozen=True)
class DigestPreview:
    """`/okr digest`: the digest as it would be posted now, and when the next one is due."""

    digest: DigestModel
    next_at: datetime


@dataclass(frozen=True)
class NudgeView:
    """A nudge with the objectives (restricted to the listed KRs) it is about."""

    id: int
    workspace_id: str
    team: TeamView
    user_id: str
    period: str
    locale: str
    objectives: tuple[ObjectiveView, ...]
    answer: str | None
    answered_at: datetime | None
    snoozed_until: datetime | None
    dm_channel: str | None
    dm_ts: str | None
    undo_until: datetime | None
    # Listed KRs checked in since the DM was sent (not answered yet, or answered "updated"):
    # `objectives` then holds only those still due.
    updated: tuple[KeyResultView, ...] = ()
    # The reader's IANA zone (their Slack zone, else the team's): the times the DM shows.
    timezone: str | None = None

    @property
    def key_result_refs(self) -> list[int]:
        return [kr.ref for o in self.objectives for kr in o.key_results]
