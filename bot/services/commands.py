"""Typed commands: what handlers build from Slack payloads and hand to services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from bot.domain.northstar import NorthStarDraft
from bot.domain.permissions import Actor
from bot.domain.progress import KrKind
from bot.domain.readings import ReadingSource


@dataclass(frozen=True)
class SaveTeam:
    """Create a team whose home is `channel_id`, or edit team `team_id` (which may move it)."""

    workspace_id: str
    team_id: int | None
    channel_id: str
    name: str
    archetype: str
    timezone: str
    locale: str
    checkin_weekday: int
    checkin_time: time
    digest_weekday: int
    digest_time: time
    actor: Actor


@dataclass(frozen=True)
class KeyResultDraft:
    title: str
    kind: KrKind
    start: float
    target: float
    unit: str
    owner_user_id: str


@dataclass(frozen=True)
class CreateObjective:
    workspace_id: str
    team_id: int
    cycle_key: str
    title: str
    description: str
    owner_user_id: str
    parent_ref: int | None
    drives: str | None  # "north_star", "input_metric:<id>", "health" or None
    key_results: tuple[KeyResultDraft, ...]
    actor: Actor
    # Slack can deliver one modal submission twice; the second records nothing.
    submission_key: str | None = None


@dataclass(frozen=True)
class EditObjective:
    workspace_id: str
    objective_ref: int
    title: str
    description: str
    owner_user_id: str
    actor: Actor


@dataclass(frozen=True)
class EditKeyResult:
    workspace_id: str
    key_result_ref: int
    draft: KeyResultDraft
    actor: Actor


@dataclass(frozen=True)
class AddKeyResult:
    workspace_id: str
    objective_ref: int
    draft: KeyResultDraft
    actor: Actor


@dataclass(frozen=True)
class ChangeObjectiveState:
    workspace_id: str
    objective_ref: int
    state: str  # LifecycleState value
    actor: Actor


@dataclass(frozen=True)
class RecordCheckIn:
    workspace_id: str
    key_result_ref: int
    value: float
    confidence: int | None
    note: str
    actor: Actor
    source: str = "modal"
    idempotency_key: str | None = None
    # No confidence given: keep the latest check-in's (the one-liner `/okr update KR-1 42`).
    keep_confidence: bool = False
    # The value was said as done / not done (`/okr update KR-3 done`): only a milestone is.
    yes_no: bool = False


# --- The North Star -------------------------------------------------------------------------


@dataclass(frozen=True)
class DefineNorthStar:
    """Create the team's North Star, or revise it (the former definition stays in history)."""

    workspace_id: str
    team_id: int
    draft: NorthStarDraft
    actor: Actor


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
class ApiReading:
    """The body of `POST /api/v1/metrics/readings`, already type-checked."""

    metric: str
    value: float
    on: date | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ListScope:
    """What `/okr list` shows: someone's objectives (mine by default), or a team's."""

    user_id: str | None = None
    channel_id: str | None = None
    team_name: str | None = None
