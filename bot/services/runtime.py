"""What every use case is handed: settings, the database, the clock and who we are."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.background import Background
from bot.config import Settings
from storage.database import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    """Injected into every Slack request by middleware and into every scheduler job.

    `clock` returns an aware UTC datetime; tests and `polaris tick --at` replace it.
    `instance_id` names this process in the scheduler ledger. `background` holds the work
    listeners go on with after acking, which the process waits for when it stops.
    """

    settings: Settings
    db: Database
    instance_id: str
    clock: Callable[[], datetime] = utc_now
    background: Background = field(default_factory=Background)
