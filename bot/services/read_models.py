"""What services return: plain frozen data, computed once with the domain's rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from bot.domain.progress import KrKind, KrProgress, ObjectiveProgress


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
