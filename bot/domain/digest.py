"""What the weekly digest says: pure selection over one week of key results.

The service gathers, for each live KR of a team, where it stood a week ago and where it stands
now; these functions decide what is worth a line (moved most, confidence drops, at risk, wins,
who still has to check in). No I/O: the digest's content is tested here, table-driven.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.status import Status

# A KR "moved" when its progress changed by at least this fraction this week.
MOVED_MIN = 0.01
# A confidence drop worth showing (points on the 0–10 scale).
CONFIDENCE_DROP_MIN = 2
TOP_MOVERS = 5


@dataclass(frozen=True)
class KrWeek:
    """One KR over the week: progress and confidence a week ago and now."""

    key: str  # e.g. "KR-12"
    owner_user_id: str
    progress_before: float
    progress_now: float
    status_now: Status
    confidence_before: int | None
    confidence_now: int | None
    checked_in_this_week: bool
    note: str = ""
    # The owner was out of office when this week's nudge came (their Slack status said so).
    owner_away: bool = False


@dataclass(frozen=True)
class WeekSelection:
    movers: tuple[KrWeek, ...]
    confidence_drops: tuple[KrWeek, ...]
    at_risk: tuple[KrWeek, ...]
    wins: tuple[KrWeek, ...]
    waiting: tuple[KrWeek, ...]
    owners_done: int
    owners_total: int

    @property
    def empty(self) -> bool:
        """Nothing happened: no check-in at all this week."""
        return self.owners_done == 0


def select_week(krs: Sequence[KrWeek]) -> WeekSelection:
    """The week's highlights, each list in a stable, meaningful order."""
    movers = sorted(
        (k for k in krs if abs(k.progress_now - k.progress_before) >= MOVED_MIN),
        key=lambda k: (-abs(k.progress_now - k.progress_before), k.key),
    )[:TOP_MOVERS]
    drops = sorted(
        (
            k
            for k in krs
            if k.confidence_before is not None
            and k.confidence_now is not None
            and k.confidence_before - k.confidence_now >= CONFIDENCE_DROP_MIN
        ),
        key=lambda k: (k.confidence_now or 0, k.key),
    )
    at_risk = sorted(
        (k for k in krs if k.status_now in (Status.AT_RISK, Status.OFF_TRACK)),
        key=lambda k: (k.status_now != Status.OFF_TRACK, k.key),
    )
    wins = tuple(k for k in krs if k.progress_now >= 1 > k.progress_before)
    owners = {k.owner_user_id for k in krs}
    # An owner has checked in when every one of their KRs has a check-in this week.
    pending = {k.owner_user_id for k in krs if not k.checked_in_this_week}
    return WeekSelection(
        movers=tuple(movers),
        confidence_drops=tuple(drops),
        at_risk=tuple(at_risk),
        wins=wins,
        waiting=tuple(k for k in krs if not k.checked_in_this_week and not k.owner_away),
        owners_done=len(owners - pending),
        owners_total=len(owners),
    )
