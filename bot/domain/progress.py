"""Progress: the one definition of a key result's and an objective's progress, and of the
expected pace, used everywhere in Polaris.

Everything here is pure: no I/O, no Slack, no SQL, stdlib only. Handlers, the digest and the
storage layer call these functions; none of them re-implements a rule found here. The status
bands live in :mod:`bot.domain.status`, the display in :mod:`bot.domain.display`.

Units and conventions
---------------------
* *Progress* is a float fraction in ``[0.0, 1.0]`` (``0.5`` means half way), never a percentage.
  Use :func:`bot.domain.display.percent` and :func:`bot.domain.display.progress_bar` to show it.
* *Expected progress* is the elapsed fraction of the cycle, also in ``[0.0, 1.0]``.
* *Confidence* is an integer in ``[0, 10]`` given by the KR owner at check-in.
* KR values (``start``, ``target``, ``current``) are in the KR's own unit; they must be finite.
* Explanations are codes (:class:`~bot.domain.status.Reason`, :class:`KrDefinitionError`),
  never English: the UI translates them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from bot.domain.numbers import clamp01, require_finite, require_fraction
from bot.domain.status import Reason, Status, check_confidence, confidence_band, pace_band

__all__ = [
    "KrDefinitionError",
    "KrKind",
    "KrProgress",
    "ObjectiveProgress",
    "expected_progress",
    "kr_progress",
    "objective_progress",
    "validate_kr_definition",
]


# An objective has 1 to 5 key results (PRODUCT.md): more is a list of tasks, not a focus.
MAX_KEY_RESULTS = 5


class KrKind(StrEnum):
    """How a key result measures success."""

    INCREASE_TO = "increase_to"
    DECREASE_TO = "decrease_to"
    STAY_ABOVE = "stay_above"
    STAY_BELOW = "stay_below"
    MILESTONE = "milestone"


_GUARDRAILS = frozenset({KrKind.STAY_ABOVE, KrKind.STAY_BELOW})


class KrDefinitionError(StrEnum):
    """Why a KR definition is invalid (codes for form errors)."""

    #: start or target is NaN or infinite.
    NOT_FINITE = "not_finite"
    #: increase_to / decrease_to with target == start: nothing to progress through.
    TARGET_EQUALS_START = "target_equals_start"
    #: increase_to whose start is already above the target.
    START_ABOVE_TARGET = "start_above_target"
    #: decrease_to whose start is already below the target.
    START_BELOW_TARGET = "start_below_target"
    #: milestone whose start/target are not 0 and 1.
    MILESTONE_BOUNDS = "milestone_bounds"


@dataclass(frozen=True, slots=True)
class _Assessment:
    """A progress fraction with its status and the reason for it: the shape shared by key
    results and objectives, so both read alike wherever they are shown."""

    progress: float
    status: Status
    reason: Reason
    has_data: bool
    confidence: int | None = None


@dataclass(frozen=True, slots=True)
class KrProgress(_Assessment):
    """Progress and status of one key result, with the reason for the status.

    Attributes:
        progress: fraction in ``[0.0, 1.0]``.
        status: the status to display.
        reason: why ``status`` was chosen.
        has_data: ``False`` when the KR has no reading yet (``current is None``); the UI uses it
            to say "no data" instead of showing a 0% that was never measured (notably for
            guardrails, whose progress is 0 both when broken and when never measured).
        confidence: the latest confidence (0-10) if any; kept so :func:`objective_progress` can
            take the worst confidence among KRs without the caller passing it twice.
    """


@dataclass(frozen=True, slots=True)
class ObjectiveProgress(_Assessment):
    """Progress and status of an objective, with the reason for the status.

    Attributes:
        progress: weighted mean of the KRs' progress, in ``[0.0, 1.0]``.
        status: the status to display.
        reason: why ``status`` was chosen.
        has_data: ``True`` when at least one KR has a reading.
        confidence: the lowest latest confidence among the KRs, or ``None`` if none has one.
    """


def validate_kr_definition(*, kind: KrKind, start: float, target: float) -> list[KrDefinitionError]:
    """Check a KR definition as entered in a form; the one home of these rules.

    Rules:
        * ``start`` and ``target`` must be finite (``float("inf")`` parses, so forms can get it).
        * ``increase_to``: ``target != start`` and ``start <= target``.
        * ``decrease_to``: ``target != start`` and ``start >= target``.
        * ``milestone``: ``start == 0`` and ``target == 1``.
        * ``stay_above`` / ``stay_below``: only ``target`` matters; ``start`` is informative.

    Returns:
        The error codes, in a stable order; an empty list means valid. Never raises.
    """
    if not (math.isfinite(start) and math.isfinite(target)):
        # The other rules compare numbers; comparing NaN/inf would only add noise errors.
        return [KrDefinitionError.NOT_FINITE]
    errors: list[KrDefinitionError] = []
    if kind in (KrKind.INCREASE_TO, KrKind.DECREASE_TO) and target == start:
        errors.append(KrDefinitionError.TARGET_EQUALS_START)
    if kind is KrKind.INCREASE_TO and start > target:
        errors.append(KrDefinitionError.START_ABOVE_TARGET)
    if kind is KrKind.DECREASE_TO and start < target:
        errors.append(KrDefinitionError.START_BELOW_TARGET)
    if kind is KrKind.MILESTONE and (start != 0 or target != 1):
        errors.append(KrDefinitionError.MILESTONE_BOUNDS)
    return errors


# --- Key results ----------------------------------------------------------------------------


def _raw_progress(kind: KrKind, start: float, target: float, current: float) -> float:
    if kind is KrKind.MILESTONE:
        return 1.0 if current >= 1 else 0.0
    if kind is KrKind.STAY_ABOVE:
        return 1.0 if current >= target else 0.0
    if kind is KrKind.STAY_BELOW:
        return 1.0 if current <= target else 0.0
    if target == start:
        # No range to divide by: the KR is either reached in its direction or not.
        reached = current >= target if kind is KrKind.INCREASE_TO else current <= target
        return 1.0 if reached else 0.0
    # One formula for both directions: the sign of (target - start) carries the direction, so
    # for decrease_to 100 -> 20 at 60 gives (60 - 100) / (20 - 100) = 0.5.
    return clamp01((current - start) / (target - start))


def kr_progress(
    *,
    kind: KrKind,
    start: float,
    target: float,
    current: float | None,
    confidence: int | None = None,
    expected: float = 0.0,
    cycle_over: bool = False,
) -> KrProgress:
    """Compute a KR's progress and status, with the reason.

    Args:
        kind: how the KR measures success.
        start: value at the start of the cycle (KR unit, finite). Ignored by guardrails and
            milestones.
        target: value to reach (or guardrail threshold), KR unit, finite. Ignored by milestones.
        current: latest check-in value, or ``None`` if there is no check-in yet. Milestones use
            0 (not done) / 1 (done); any value ``>= 1`` counts as done.
        confidence: latest confidence in ``[0, 10]``, or ``None``.
        expected: expected progress now, in ``[0, 1]`` (see :func:`expected_progress`).
        cycle_over: whether the cycle has ended; only guardrails use it.

    Progress:
        * increase_to / decrease_to: ``(current - start) / (target - start)`` clamped to
          ``[0, 1]`` (overshoot gives 1, regression past start gives 0). If ``target == start``:
          1 once ``current`` has reached ``target`` in the KR's direction, else 0.
        * stay_above / stay_below: 1 while the guardrail holds (``current >= target`` /
          ``current <= target``), else 0.
        * milestone: 1 if ``current >= 1`` else 0.
        * no check-in (``current is None``): 0, with ``has_data=False``.

    Status, first rule that applies:
        1. Progress 1 on a non-guardrail KR: ``done`` (``target_reached``).
        2. Holding guardrail: ``on_track`` while the cycle runs and ``done`` once
           ``cycle_over`` (``guardrail_holds``). A guardrail is a promise about the whole
           cycle, so holding today does not mean it is fulfilled; it also takes precedence over
           confidence, mirroring how ``done`` does for other KRs.
        3. A confidence was given: its band (``confidence``), even without a reading.
        4. No check-in: ``not_started`` (``no_check_in``).
        5. Broken guardrail: ``off_track`` (``guardrail_broken``). Pace is meaningless for a
           0/1 guardrail, so it is not used.
        6. Otherwise pace: ``ratio = progress / expected`` (``expected == 0`` gives on_track);
           ``>= 0.9`` on_track, ``>= 0.6`` at_risk, else off_track (``pace``). Milestones use
           pace too: an unfinished milestone slides to off_track as the cycle elapses.

    Definition rules (:func:`validate_kr_definition`) are not enforced here, so a KR stored
    before a rule existed still renders instead of breaking a digest.

    Raises:
        ValueError: non-finite ``start``/``target``/``current``, ``expected`` outside
            ``[0, 1]``, or an invalid ``confidence`` (see :func:`confidence_band`).
    """
    _check_kr_inputs(start, target, current, confidence, expected)
    progress = 0.0 if current is None else _raw_progress(kind, start, target, current)
    status, reason = _kr_status(kind, progress, current, confidence, expected, cycle_over)
    return KrProgress(progress, status, reason, current is not None, confidence)


def _check_kr_inputs(
    start: float, target: float, current: float | None, confidence: int | None, expected: float
) -> None:
    require_finite("start", start)
    require_finite("target", target)
    if current is not None:
        require_finite("current", current)
    require_fraction("expected", expected)
    if confidence is not None:
        # Validate even when the status will not use it: bad input must not hide behind a
        # reached target.
        check_confidence(confidence)


def _kr_status(
    kind: KrKind,
    progress: float,
    current: float | None,
    confidence: int | None,
    expected: float,
    cycle_over: bool,
) -> tuple[Status, Reason]:
    """The first status rule of :func:`kr_progress` that applies, with its reason."""
    guardrail = kind in _GUARDRAILS
    if progress >= 1.0:
        if not guardrail:
            return Status.DONE, Reason.TARGET_REACHED
        return (Status.DONE if cycle_over else Status.ON_TRACK), Reason.GUARDRAIL_HOLDS
    if confidence is not None:
        return confidence_band(confidence), Reason.CONFIDENCE
    if current is None:
        return Status.NOT_STARTED, Reason.NO_CHECK_IN
    if guardrail:
        return Status.OFF_TRACK, Reason.GUARDRAIL_BROKEN
    return pace_band(progress, expected), Reason.PACE


# --- Objectives -----------------------------------------------------------------------------


def objective_progress(
    *,
    krs: Sequence[KrProgress],
    weights: Sequence[float] | None = None,
    expected: float = 0.0,
) -> ObjectiveProgress:
    """Aggregate KR results into an objective's progress and status.

    Args:
        krs: the objective's KR results (from :func:`kr_progress`).
        weights: one weight per KR, each finite and ``> 0``; ``None`` means all 1.
        expected: expected progress now, in ``[0, 1]``.

    Progress: weighted mean of the KRs' progress; 0 when there are no KRs.

    Status, first rule that applies:
        1. No KRs: ``not_started`` (``no_krs``).
        2. Every KR ``done``: ``done`` (``all_krs_done``). Guardrails are only done once the
           cycle is over, so an objective with a guardrail is never done mid-cycle.
        3. Some KR has a confidence: band of the *lowest* one (``confidence``); the worst
           outlook wins because one failing KR is enough to miss the objective.
        4. No KR has a reading: ``not_started`` (``no_check_in``).
        5. Otherwise pace of the objective's progress against ``expected`` (``pace``).

    Raises:
        ValueError: ``weights`` length differs from ``krs``, a weight is not finite or not
            ``> 0``, or ``expected`` is outside ``[0, 1]``.
    """
    require_fraction("expected", expected)
    if weights is None:
        weights = [1.0] * len(krs)
    if len(weights) != len(krs):
        raise ValueError(f"got {len(weights)} weights for {len(krs)} KRs")
    for weight in weights:
        require_finite("weight", weight)
        if weight <= 0:
            raise ValueError(f"weights must be > 0, got {weight!r}")

    if not krs:
        return ObjectiveProgress(0.0, Status.NOT_STARTED, Reason.NO_KRS, has_data=False)

    # fsum avoids drift with many KRs; the clamp absorbs the last ulp so a fully achieved
    # objective is exactly 1.0 and never 1.0000000000000002.
    total = math.fsum(w * kr.progress for w, kr in zip(weights, krs, strict=True))
    progress = clamp01(total / math.fsum(weights))
    has_data = any(kr.has_data for kr in krs)
    confidences = [kr.confidence for kr in krs if kr.confidence is not None]
    lowest = min(confidences) if confidences else None

    if all(kr.status is Status.DONE for kr in krs):
        return ObjectiveProgress(progress, Status.DONE, Reason.ALL_KRS_DONE, has_data, lowest)
    if lowest is not None:
        status = confidence_band(lowest)
        return ObjectiveProgress(progress, status, Reason.CONFIDENCE, has_data, lowest)
    if not has_data:
        return ObjectiveProgress(progress, Status.NOT_STARTED, Reason.NO_CHECK_IN, has_data)
    return ObjectiveProgress(progress, pace_band(progress, expected), Reason.PACE, has_data)


# --- Cycle time -----------------------------------------------------------------------------


def _require_aware(name: str, value: datetime) -> None:
    # A tzinfo whose utcoffset() is None is naive too, per the datetime docs.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


def expected_progress(*, start: datetime, end: datetime, now: datetime) -> float:
    """Elapsed fraction of the cycle, linear in real time, clamped to ``[0.0, 1.0]``.

    ``(now - start) / (end - start)``; before the cycle gives 0, after it gives 1. The three
    datetimes may be in different time zones.

    Raises:
        ValueError: any datetime is naive, or ``end <= start``.
    """
    _require_aware("start", start)
    _require_aware("end", end)
    _require_aware("now", now)
    # Subtracting two datetimes that share a tzinfo uses wall-clock time and ignores DST and
    # fold, so a cycle spanning a DST change would be off by an hour. UTC is real elapsed time.
    start_utc = start.astimezone(UTC)
    end_utc = end.astimezone(UTC)
    now_utc = now.astimezone(UTC)
    if end_utc <= start_utc:
        raise ValueError(f"cycle end {end!r} must be after start {start!r}")
    return clamp01((now_utc - start_utc) / (end_utc - start_utc))
