"""SQLModel tables: the vocabulary of PRODUCT.md, every row keyed by its workspace.

Only Alembic changes the schema (storage/migrations). Timestamps are aware UTC (`UTCDateTime`).
Enumerated columns hold the `.value` of the StrEnums below, checked by the services; they are
plain strings in the database so a new value needs no ALTER TYPE on PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.domain.archetypes import Archetype
from bot.domain.northstar import Direction, Drives, TimeWindow
from bot.domain.readings import ReadingSource
from storage.types import utc_column

# The vocabulary enums live in the domain; the columns hold their `.value`.
ObjectiveDrives = Drives
__all__ = ["Archetype", "Direction", "ObjectiveDrives", "TimeWindow"]

# Named constraints, so later migrations (SQLite batch mode above all) can refer to them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class LifecycleState(StrEnum):
    OPEN = "open"
    DONE = "done"
    ARCHIVED = "archived"


class LedgerStatus(StrEnum):
    CLAIMED = "claimed"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"


class Workspace(SQLModel, table=True):
    """A Slack workspace (Slack's team_id). Holds the counters behind O-n / KR-n references."""

    __tablename__ = "workspace"

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(default="", max_length=255)
    default_locale: str = Field(default="en", max_length=8)
    next_objective_ref: int = Field(default=1)
    next_key_result_ref: int = Field(default=1)
    created_at: datetime = Field(sa_column=utc_column())


class Member(SQLModel, table=True):
    """What Polaris knows of a Slack user: locale, time zone and profile status (cached from
    users.info), admin flag, and their nudge pause."""

    __tablename__ = "member"

    workspace_id: str = Field(foreign_key="workspace.id", primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    locale: str | None = Field(default=None, max_length=16)
    timezone: str | None = Field(default=None, max_length=64)
    is_admin: bool = Field(default=False)
    nudges_paused_until: date | None = None
    refreshed_at: datetime = Field(sa_column=utc_column())
    # Their Slack profile status as last seen (out of office: not nudged that week).
    status_emoji: str | None = Field(default=None, max_length=64)
    status_text: str | None = Field(default=None, max_length=100)
    status_expires_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # Slack's "pause notifications until" (do not disturb), as last seen.
    dnd_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class Team(SQLModel, table=True):
    """A group of people with a home channel, an archetype, a time zone and one North Star."""

    __tablename__ = "team"

    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "channel_id", name="uq_team_channel"),
        sa.UniqueConstraint("workspace_id", "name", name="uq_team_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=32)
    name: str = Field(max_length=80)
    channel_id: str = Field(max_length=32)
    archetype: str = Field(max_length=16)
    timezone: str = Field(max_length=64)
    locale: str = Field(default="en", max_length=8)
    lead_user_id: str | None = Field(default=None, max_length=32)
    checkin_weekday: int = Field(default=4, ge=0, le=6)  # Monday is 0; Friday by default
    checkin_time: time = Field(default=time(10, 0))
    digest_weekday: int = Field(default=0, ge=0, le=6)  # Monday
    digest_time: time = Field(default=time(9, 30))
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())


class NorthStar(SQLModel, table=True):
    """A team's North Star Metric: the one metric of delivered value."""

    __tablename__ = "north_star"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=32)
    team_id: int = Field(foreign_key="team.id", unique=True)
    name: str = Field(max_length=150)
    definition: str = Field(default="", max_length=3000)
    unit: str = Field(default="", max_length=40)
    direction: str = Field(default=Direction.HIGHER_IS_BETTER.value, max_length=8)
    time_window: str | None = Field(default=None, max_length=8)
    target: float | None = None
    target_date: date | None = None
    owner_user_id: str | None = Field(default=None, max_length=32)
    # First day readings may be dated (history older than the definition can be imported).
    measured_since: date | None = None
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())


class InputMetric(SQLModel, table=True):
    """A metric the team can act on that drives its North Star."""

    __tablename__ = "input_metric"

    __table_args__ = (sa.UniqueConstraint("north_star_id", "name", name="uq_input_metric_name"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=32)
    north_star_id: int = Field(foreign_key="north_star.id", index=True)
    name: str = Field(max_length=150)
    definition: str = Field(default="", max_length=3000)
    unit: str = Field(default="", max_length=40)
    direction: str = Field(default=Direction.HIGHER_IS_BETTER.value, max_length=8)
    owner_user_id: str | None = Field(default=None, max_length=32)
    archived_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_at: datetime = Field(sa_column=utc_column())


class CounterMetric(SQLModel, table=True):
    """A guardrail that must not degrade while the North Star rises."""

    __tablename__ = "counter_metric"

    __table_args__ = (sa.UniqueConstraint("north_star_id", "name", name="uq_counter_metric_name"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=32)
    north_star_id: int = Field(foreign_key="north_star.id", index=True)
    name: str = Field(max_length=150)
    definition: str = Field(default="", max_length=3000)
    direction: str = Field(default=Direction.HIGHER_IS_BETTER.value, max_length=8)
    created_at: datetime = Field(sa_column=utc_column())


class Reading(SQLModel, table=True):
    """One measured value of the North Star or of one input metric, for one period."""

    __tablename__ = "reading"

    __table_args__ = (
        sa.CheckConstraint(
            "(north_star_id IS NULL) <> (input_metric_id IS NULL)", name="one_metric"
        ),
        # One reading per metric per period. Exactly one of the two ids is set, and unique
        # indexes treat NULLs as distinct, so each index only constrains its own metric kind.
        sa.Index("uq_reading_north_star_period", "north_star_id", "period_start", unique=True),
        sa.Index("uq_reading_input_metric_period", "input_metric_id", "period_start", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=32)
    north_star_id: int | None = Field(default=None, foreign_key="north_star.id", index=True)
    input_metric_id: int | None = Field(default=None, foreign_key="input_metric.id", index=True)
    period_start: date
    value: float
    source: str = Field(default=ReadingSource.MANUAL.value, max_length=8)
    recorded_by: str | None = Field(default=None, max_length=64)
    recorded_at: datetime = Field(sa_column=utc_column())


class Cycle(SQLModel, table=True):
    """The period objectives live in: a quarter by default (`2026-Q4`), dates inclusive."""

    __tablename__ = "cycle"

    __table_args__ = (sa.UniqueConstraint("workspace_id", "key", name="uq_cycle_key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=32)
    key: str = Field(max_length=16)
    starts_on: date
    ends_on: date


class Objective(SQLModel, table=True):
    """A qualitative goal of a team for a cycle. Human reference O-<ref>."""

    __tablename__ = "objective"

    __table_args__ = (sa.UniqueConstraint("workspace_id", "ref", name="uq_objective_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    ref: int
    team_id: int = Field(foreign_key="team.id", index=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="objective.id")
    title: str = Field(max_length=150)
    description: str = Field(default="", max_length=3000)
    owner_user_id: str = Field(max_length=32, index=True)
    drives: str | None = Field(default=None, max_length=16)
    input_metric_id: int | None = Field(default=None, foreign_key="input_metric.id")
    state: str = Field(default=LifecycleState.OPEN.value, max_length=8)
    post_channel_id: str | None = Field(default=None, max_length=32)
    post_ts: str | None = Field(default=None, max_length=32)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())


class KeyResult(SQLModel, table=True):
    """A measurable result of an objective. Human reference KR-<ref>."""

    __tablename__ = "key_result"

    __table_args__ = (sa.UniqueConstraint("workspace_id", "ref", name="uq_key_result_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    ref: int
    objective_id: int = Field(foreign_key="objective.id", index=True)
    position: int = Field(default=0)
    title: str = Field(max_length=150)
    kind: str = Field(max_length=16)
    start_value: float
    target_value: float
    unit: str = Field(default="", max_length=40)
    owner_user_id: str = Field(max_length=32, index=True)
    weight: float = Field(default=1.0, gt=0)
    state: str = Field(default=LifecycleState.OPEN.value, max_length=8)
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())


class CheckIn(SQLModel, table=True):
    """A KR update: value, confidence 0–10, note. Appended, never rewritten."""

    __tablename__ = "check_in"

    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "idempotency_key", name="uq_check_in_idempotency"),
        sa.CheckConstraint(
            "confidence IS NULL OR (confidence >= 0 AND confidence <= 10)",
            name="confidence_range",
        ),
        sa.Index("ix_check_in_key_result_created", "key_result_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    key_result_id: int = Field(foreign_key="key_result.id")
    value: float
    confidence: int | None = None
    note: str = Field(default="", max_length=3000)
    author_user_id: str = Field(max_length=32)
    source: str = Field(default="modal", max_length=16)
    # Slack may deliver a view submission twice (double click, retry): same key, one row.
    idempotency_key: str | None = Field(default=None, max_length=128)
    created_at: datetime = Field(sa_column=utc_column())


class LedgerEntry(SQLModel, table=True):
    """The scheduler's record of every scheduled post: claimed before sending, marked after.

    The unique key (workspace, kind, subject, period) is what makes each post exactly-once.
    """

    __tablename__ = "ledger_entry"

    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "kind", "subject", "period", name="uq_ledger_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    kind: str = Field(max_length=32)
    subject: str = Field(max_length=64)
    period: str = Field(max_length=32)
    status: str = Field(default=LedgerStatus.CLAIMED.value, max_length=8, index=True)
    claimed_by: str = Field(max_length=64)
    claimed_at: datetime = Field(sa_column=utc_column())
    attempts: int = Field(default=1)
    sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    slack_channel: str | None = Field(default=None, max_length=32)
    slack_ts: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=255)


class ProcessedEvent(SQLModel, table=True):
    """Slack event ids already handled, so a retried delivery runs its handler once."""

    __tablename__ = "processed_event"

    workspace_id: str = Field(primary_key=True, max_length=32)
    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = Field(sa_column=utc_column(index=True))


# --- North Star (issue 4) -------------------------------------------------------------------


class NorthStarRevision(SQLModel, table=True):
    """One saved definition of a North Star: an NSM is a hypothesis that gets revised, so
    every save appends the whole definition (inputs and counter-metrics included) as JSON."""

    __tablename__ = "north_star_revision"

    __table_args__ = (
        sa.UniqueConstraint("north_star_id", "number", name="uq_north_star_revision_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=32)
    north_star_id: int = Field(foreign_key="north_star.id")
    number: int
    archetype: str | None = Field(default=None, max_length=16)
    template: str | None = Field(default=None, max_length=40)
    definition: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON(), nullable=False))
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=utc_column())


class ReadingRevision(SQLModel, table=True):
    """The audit trail of readings: a reading replaced by a newer one for the same period
    leaves its former value, source and author here."""

    __tablename__ = "reading_revision"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=32)
    reading_id: int = Field(foreign_key="reading.id", index=True)
    value: float
    source: str = Field(max_length=8)
    recorded_by: str | None = Field(default=None, max_length=64)
    recorded_at: datetime = Field(sa_column=utc_column())
    replaced_by: str | None = Field(default=None, max_length=64)
    replaced_at: datetime = Field(sa_column=utc_column())


class ApiToken(SQLModel, table=True):
    """A team's bearer token for the REST API. Only its SHA-256 is stored; `prefix` (the
    first characters) lets people tell their tokens apart and revoke one."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=32)
    team_id: int = Field(foreign_key="team.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=utc_column())
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class ApiIdempotencyKey(SQLModel, table=True):
    """A REST request already carried out: the same key with the same body gets the stored
    answer again instead of a second write."""

    __tablename__ = "api_idempotency_key"

    __table_args__ = (sa.UniqueConstraint("team_id", "key", name="uq_api_idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=32)
    team_id: int = Field(foreign_key="team.id")
    key: str = Field(max_length=128)
    fingerprint: str = Field(max_length=64)
    response: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON()))
    created_at: datetime = Field(sa_column=utc_column())


class NudgeAnswer(StrEnum):
    NO_CHANGE = "no_change"
    UPDATED = "updated"
    SKIPPED = "skipped"
    SNOOZED = "snoozed"
    # Not sent: the owner's Slack status said they were out of office at the nudge time.
    AWAY = "away"


class Nudge(SQLModel, table=True):
    """The weekly check-in DM of one KR owner for one team: what it listed, where it is, and
    how its owner answered (none yet, no change, updated, skipped, snoozed)."""

    __tablename__ = "nudge"

    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "team_id", "user_id", "period", name="uq_nudge_week"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    team_id: int = Field(foreign_key="team.id", index=True)
    user_id: str = Field(max_length=32, index=True)
    period: str = Field(max_length=16)
    key_result_ids: list[int] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON(), nullable=False)
    )
    dm_channel: str | None = Field(default=None, max_length=32)
    dm_ts: str | None = Field(default=None, max_length=32)
    sent_at: datetime = Field(sa_column=utc_column(index=True))
    answer: str | None = Field(default=None, max_length=16)
    answered_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # Check-ins recorded by the answer, so "undo" removes exactly those.
    check_in_ids: list[int] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON(), nullable=False)
    )
    snoozed_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    reminded_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
