"""The North Star's vocabulary and its core rules: directions, time windows, what an objective
drives, a definition as proposed, how people name metrics, who may steer. Pure: no I/O, no
Slack, no SQL, stdlib only.

The other North Star rules live beside this module, by topic: `nsm_templates` (the suggested
definitions per archetype), `nsm_checklist` (the review of a definition) and `readings`
(periods, sane values and dates, trends).

Texts are catalog msgids (marked with ``N_``), translated by whoever shows them.

Vocabulary (PRODUCT.md): a *North Star* has 3-6 *input metrics* and at least one
*counter-metric*; a *reading* is one value of a metric for one *period* of the North Star's
time window.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain.archetypes import Archetype
from bot.domain.errors import N_
from bot.domain.progress import KrKind, kr_progress

# --- Vocabulary -----------------------------------------------------------------------------


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"


class TimeWindow(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    POINT_IN_TIME = "point"


class Drives(StrEnum):
    """What an objective aims at (values shared with the `objective.drives` column)."""

    NORTH_STAR = "north_star"
    INPUT_METRIC = "input_metric"
    HEALTH = "health"


DIRECTION_LABELS: dict[Direction, str] = {
    Direction.HIGHER_IS_BETTER: N_("Higher is better"),
    Direction.LOWER_IS_BETTER: N_("Lower is better"),
}

WINDOW_LABELS: dict[TimeWindow, str] = {
    TimeWindow.WEEK: N_("Per week"),
    TimeWindow.MONTH: N_("Per month"),
    TimeWindow.QUARTER: N_("Per quarter"),
    TimeWindow.POINT_IN_TIME: N_("Point in time"),
}

MIN_INPUTS = 3
MAX_INPUTS = 6


# --- A definition, as proposed --------------------------------------------------------------


@dataclass(frozen=True)
class InputMetricDraft:
    name: str
    definition: str = ""
    owner_user_id: str | None = None
    direction: Direction = Direction.HIGHER_IS_BETTER
    #: The stored input metric this row edits (None for a new one).
    id: int | None = None


@dataclass(frozen=True)
class CounterMetricDraft:
    name: str
    definition: str = ""


@dataclass(frozen=True)
class NorthStarDraft:
    """A North Star as someone proposes it, before or after it is saved."""

    name: str
    definition: str = ""
    unit: str = ""
    direction: Direction = Direction.HIGHER_IS_BETTER
    window: TimeWindow | None = None
    target: float | None = None
    target_date: date | None = None
    owner_user_id: str | None = None
    measured_since: date | None = None
    archetype: Archetype | None = None
    template: str | None = None
    counter_metrics: tuple[CounterMetricDraft, ...] = ()
    inputs: tuple[InputMetricDraft, ...] = ()


# --- Names people type ----------------------------------------------------------------------


def normalised(text: str) -> str:
    """`text` folded for comparison: lower case, no accents, typographic apostrophes plain."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("’", "'")


def same_metric_name(a: str, b: str) -> bool:
    """Names typed by people match regardless of case, accents and surrounding spaces/quotes."""
    return normalised(a).strip(" \"'«»“”") == normalised(b).strip(" \"'«»“”")


#: Words that name the North Star itself in commands, the API and CSV files.
NORTH_STAR_ALIASES = ("north_star", "northstar", "north star", "nsm", "etoile polaire")


def names_north_star(text: str) -> bool:
    return normalised(text).strip() in NORTH_STAR_ALIASES


def parse_drives(text: str) -> Drives | None:
    """`nsm`/`north star` → NORTH_STAR, `health`/`santé` → HEALTH, anything else None (an
    input metric's name)."""
    if names_north_star(text):
        return Drives.NORTH_STAR
    if text.strip().casefold() in {"health", "santé", "sante"}:
        return Drives.HEALTH
    return None


# --- Progress and permission ----------------------------------------------------------------


def target_progress(
    *, first: float | None, current: float | None, target: float | None, direction: Direction
) -> float | None:
    """Progress from the first reading to the target, in [0, 1], with the KR rules of
    `progress.kr_progress` (increase or decrease to a target); None without a target or data."""
    if target is None or current is None or first is None:
        return None
    kind = KrKind.INCREASE_TO if direction is Direction.HIGHER_IS_BETTER else KrKind.DECREASE_TO
    return kr_progress(kind=kind, start=first, target=target, current=current).progress


def may_steer(
    *, user_id: str, is_admin: bool, team_lead: str | None, north_star_owner: str | None
) -> bool:
    """Who may define the North Star, revise it, or manage its API tokens: a workspace admin,
    the team lead, the North Star's owner. A team without a lead (its creator becomes the lead,
    so only data from elsewhere has none) is steered by its admins: never by anyone who asks,
    or a plain member could make themselves the owner and mint the team's tokens."""
    if is_admin:
        return True
    return user_id in {who for who in (team_lead, north_star_owner) if who}
