"""What the weekly digest says: pure selection over one week of key results.

The service gathers, for each live KR of a team, where it stood a week ago and where it stands
now, and how its owner answered this week's check-in; these functions decide what is worth a
line (moved most, guardrails held or breached, confidence drops, at risk, wins, participation,
who is still waited for). No I/O: the digest's content is tested here, table-driven.

Rules that keep the digest true:

* A guardrail (stay above / stay below) is *held* or *breached*. Its progress jumps between 0
  and 1, so it is never among the KRs that "moved most" and never a win, not even on its first
  check-in (no data → held reads as 0 → 100 %, which is not an achievement).
* Participation counts key results checked in this week and owners *complete*: an owner is
  complete when every KR that was due for them (listed on this week's check-in DM; all their
  KRs when no DM went out) was checked in during the week ("No change" records check-ins).
* Someone who chose "Skip this week" or who is away (paused nudges, out of office) is never
  named publicly as still to check in; the digest only counts them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.display import percent_change
from bot.domain.status import Status

# A KR "moved" when its progress shown changed by at least this many percentage points.
MOVED_MIN_POINTS = 1
# A confidence drop worth showing (points on the 0–10 scale).
CONFIDENCE_DROP_MIN = 2
TOP_MOVERS = 5


class OwnerWeek(StrEnum):
    """How a KR's owner stands this week, as far as the digest may say it publicly."""

    #: Expected to check in (the default).
    EXPECTED = "expected"
    #: Chose "Skip this week" on the check-in DM: counted, never named.
    SKIPPED = "skipped"
    #: Away (nudges paused, out of office): counted, never named, not expected.
    AWAY = "away"


@dataclass(frozen=True)
class KrWeek:
    """One KR over the week: progress and confidence a week ago and now.

    Attributes:
        guardrail: a stay above / stay below KR (held or breached, never "moved").
        has_data: the KR has a reading now (a guardrail without one is neither held nor
            breached).
        due: the KR was due this week (listed on its owner's check-in DM, or no DM went out).
        owner_week: what the owner chose this week (see :class:`OwnerWeek`).
    """

    key: str  # e.g. "KR-12"
    owner_user_id: str
    progress_before: float
    progress_now: float
    status_now: Status
    confidence_before: int | None
    confidence_now: int | None
    checked_in_this_week: bool
    note: str = ""
    guardrail: bool = False
    has_data: bool = True
    due: bool = True
    owner_week: OwnerWeek = OwnerWeek.EXPECTED

    @property
    def held(self) -> bool:
        """For a guardrail with a reading: it holds now."""
        return self.progress_now >= 1

    @property
    def change_points(self) -> int:
        """The change of progress in the percentage points shown."""
        return percent_change(self.progress_before, self.progress_now)


@dataclass(frozen=True)
class WeekSelection:
    movers: tuple[KrWeek, ...]
    confidence_drops: tuple[KrWeek, ...]
    at_risk: tuple[KrWeek, ...]
    wins: tuple[KrWeek, ...]
    waiting: tuple[KrWeek, ...]
    owners_done: int
    owners_total: int
    #: Guardrails with a reading, breached first.
    guardrails: tuple[KrWeek, ...] = ()
    krs_checked_in: int = 0
    krs_total: int = 0
    #: Owners who chose "Skip this week" and owners away: counted, never named.
    owners_skipped: int = 0
    owners_away: int = 0

    @property
    def empty(self) -> bool:
        """Nothing happened: no check-in at all this week."""
        return self.krs_checked_in == 0


def _moved(k: KrWeek) -> bool:
    return not k.guardrail and abs(k.change_points) >= MOVED_MIN_POINTS


def _owner_complete(krs: Sequence[KrWeek]) -> bool:
    return all(k.checked_in_this_week for k in krs if k.due)


def select_week(krs: Sequence[KrWeek]) -> WeekSelection:
    """The week's highlights, each list in a stable, meaningful order."""
    movers = sorted((k for k in krs if _moved(k)), key=lambda k: (-abs(k.change_points), k.key))[
        :TOP_MOVERS
    ]
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
    # A guardrail with a reading is shown as held or breached, not twice.
    at_risk = sorted(
        (
            k
            for k in krs
            if k.status_now in (Status.AT_RISK, Status.OFF_TRACK)
            and not (k.guardrail and k.has_data)
        ),
        key=lambda k: (k.status_now != Status.OFF_TRACK, k.key),
    )
    wins = tuple(k for k in krs if not k.guardrail and k.progress_now >= 1 > k.progress_before)
    guardrails = sorted(
        (k for k in krs if k.guardrail and k.has_data), key=lambda k: (k.held, k.key)
    )
    by_owner: dict[str, list[KrWeek]] = defaultdict(list)
    for k in krs:
        by_owner[k.owner_user_id].append(k)
    choice = {owner: _owner_choice(owned) for owner, owned in by_owner.items()}
    return WeekSelection(
        movers=tuple(movers),
        confidence_drops=tuple(drops),
        at_risk=tuple(at_risk),
        wins=wins,
        waiting=tuple(
            k
            for k in krs
            if k.due
            and not k.checked_in_this_week
            and choice[k.owner_user_id] is OwnerWeek.EXPECTED
        ),
        owners_done=sum(1 for owned in by_owner.values() if _owner_complete(owned)),
        owners_total=len(by_owner),
        guardrails=tuple(guardrails),
        krs_checked_in=sum(1 for k in krs if k.checked_in_this_week),
        krs_total=len(krs),
        owners_skipped=_incomplete_with(by_owner, choice, OwnerWeek.SKIPPED),
        owners_away=_incomplete_with(by_owner, choice, OwnerWeek.AWAY),
    )


def _owner_choice(owned: Sequence[KrWeek]) -> OwnerWeek:
    """Away wins over skipped: an owner away is not expected at all."""
    choices = {k.owner_week for k in owned}
    for choice in (OwnerWeek.AWAY, OwnerWeek.SKIPPED):
        if choice in choices:
            return choice
    return OwnerWeek.EXPECTED


def _incomplete_with(
    by_owner: dict[str, list[KrWeek]], choice: dict[str, OwnerWeek], wanted: OwnerWeek
) -> int:
    """Owners with that choice who still have a due KR without news (the others are done)."""
    return sum(
        1
        for owner, owned in by_owner.items()
        if choice[owner] is wanted and not _owner_complete(owned)
    )
