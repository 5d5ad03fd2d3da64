"""Tests for bot.domain.progress: the one definition of progress and status."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.domain.display import Delta, delta, percent, progress_bar, sparkline
from bot.domain.progress import (
    KrDefinitionError,
    KrKind,
    KrProgress,
    ObjectiveProgress,
    expected_progress,
    kr_progress,
    objective_progress,
    validate_kr_definition,
)
from bot.domain.status import (
    AT_RISK_MIN_CONFIDENCE,
    AT_RISK_MIN_PACE_RATIO,
    ON_TRACK_MIN_CONFIDENCE,
    ON_TRACK_MIN_PACE_RATIO,
    Reason,
    Status,
    confidence_band,
)

INC = KrKind.INCREASE_TO
DEC = KrKind.DECREASE_TO
ABOVE = KrKind.STAY_ABOVE
BELOW = KrKind.STAY_BELOW
MILESTONE = KrKind.MILESTONE

PARIS = ZoneInfo("Europe/Paris")
NAN = float("nan")
INF = float("inf")


# --- KR progress ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "start", "target", "current", "progress", "has_data"),
    [
        # target == start: no range, never divide by zero.
        pytest.param(INC, 50, 50, 50, 1.0, True, id="inc-target-eq-start-reached"),
        pytest.param(INC, 50, 50, 60, 1.0, True, id="inc-target-eq-start-overshoot"),
        pytest.param(INC, 50, 50, 49, 0.0, True, id="inc-target-eq-start-below"),
        pytest.param(DEC, 50, 50, 50, 1.0, True, id="dec-target-eq-start-reached"),
        pytest.param(DEC, 50, 50, 40, 1.0, True, id="dec-target-eq-start-overshoot"),
        pytest.param(DEC, 50, 50, 51, 0.0, True, id="dec-target-eq-start-above"),
        pytest.param(INC, 50, 50, None, 0.0, False, id="inc-target-eq-start-no-check-in"),
        # Decreasing KRs.
        pytest.param(DEC, 100, 20, 60, 0.5, True, id="dec-halfway"),
        pytest.param(DEC, 100, 20, 100, 0.0, True, id="dec-at-start"),
        pytest.param(DEC, 100, 20, 20, 1.0, True, id="dec-at-target"),
        pytest.param(DEC, 100, 20, 5, 1.0, True, id="dec-overshoot"),
        pytest.param(DEC, 100, 20, 130, 0.0, True, id="dec-regression"),
        pytest.param(DEC, 0, -10, -2.5, 0.25, True, id="dec-negative-values"),
        # Increasing KRs.
        pytest.param(INC, 0, 200, 50, 0.25, True, id="inc-quarter"),
        pytest.param(INC, 10, 20, 10, 0.0, True, id="inc-at-start"),
        pytest.param(INC, 10, 20, 20, 1.0, True, id="inc-at-target"),
        pytest.param(INC, 10, 20, 35, 1.0, True, id="inc-overshoot"),
        pytest.param(INC, 10, 20, 2, 0.0, True, id="inc-regression"),
        pytest.param(INC, -20, -10, -15, 0.5, True, id="inc-negative-values"),
        # Guardrails.
        pytest.param(ABOVE, 0, 95, 95, 1.0, True, id="above-holds-at-threshold"),
        pytest.param(ABOVE, 0, 95, 99, 1.0, True, id="above-holds"),
        pytest.param(ABOVE, 0, 95, 94.9, 0.0, True, id="above-broken"),
        pytest.param(ABOVE, 0, 95, None, 0.0, False, id="above-no-data"),
        pytest.param(BELOW, 0, 2, 2, 1.0, True, id="below-holds-at-threshold"),
        pytest.param(BELOW, 0, 2, 0.5, 1.0, True, id="below-holds"),
        pytest.param(BELOW, 0, 2, 2.1, 0.0, True, id="below-broken"),
        pytest.param(BELOW, 0, 2, None, 0.0, False, id="below-no-data"),
        # Milestones.
        pytest.param(MILESTONE, 0, 1, 0, 0.0, True, id="milestone-open"),
        pytest.param(MILESTONE, 0, 1, 1, 1.0, True, id="milestone-done"),
        pytest.param(MILESTONE, 0, 1, 0.99, 0.0, True, id="milestone-partial-is-not-done"),
        pytest.param(MILESTONE, 0, 1, None, 0.0, False, id="milestone-no-check-in"),
        # No check-in yet.
        pytest.param(INC, 0, 10, None, 0.0, False, id="inc-no-check-in"),
        pytest.param(DEC, 10, 0, None, 0.0, False, id="dec-no-check-in"),
    ],
)
def test_kr_progress_value(
    kind: KrKind,
    start: float,
    target: float,
    current: float | None,
    progress: float,
    has_data: bool,
) -> None:
    result = kr_progress(kind=kind, start=start, target=target, current=current)
    assert result.progress == pytest.approx(progress)
    assert 0.0 <= result.progress <= 1.0
    assert result.has_data is has_data


@pytest.mark.parametrize(
    ("kind", "current", "confidence", "expected", "cycle_over", "status", "reason"),
    [
        # Done wins over confidence and pace.
        pytest.param(INC, 100, 2, 0.1, False, Status.DONE, Reason.TARGET_REACHED, id="done"),
        pytest.param(INC, 150, None, 0.0, False, Status.DONE, Reason.TARGET_REACHED,
                     id="done-overshoot"),
        pytest.param(MILESTONE, 1, None, 0.5, False, Status.DONE, Reason.TARGET_REACHED,
                     id="milestone-done"),
        # Guardrails: holding is on track mid-cycle, done only once the cycle is over.
        pytest.param(ABOVE, 99, None, 0.5, False, Status.ON_TRACK, Reason.GUARDRAIL_HOLDS,
                     id="guardrail-holds-mid-cycle"),
        pytest.param(ABOVE, 99, 2, 0.5, False, Status.ON_TRACK, Reason.GUARDRAIL_HOLDS,
                     id="guardrail-holds-ignores-confidence"),
        pytest.param(BELOW, 1, None, 1.0, True, Status.DONE, Reason.GUARDRAIL_HOLDS,
                     id="guardrail-holds-cycle-over"),
        pytest.param(ABOVE, 10, None, 0.0, False, Status.OFF_TRACK, Reason.GUARDRAIL_BROKEN,
                     id="guardrail-broken-no-pace"),
        pytest.param(BELOW, 10, None, 1.0, True, Status.OFF_TRACK, Reason.GUARDRAIL_BROKEN,
                     id="guardrail-broken-cycle-over"),
        pytest.param(ABOVE, 10, 5, 0.5, False, Status.AT_RISK, Reason.CONFIDENCE,
                     id="guardrail-broken-confidence"),
        pytest.param(ABOVE, None, None, 0.5, False, Status.NOT_STARTED, Reason.NO_CHECK_IN,
                     id="guardrail-no-data"),
        pytest.param(BELOW, None, 8, 0.5, False, Status.ON_TRACK, Reason.CONFIDENCE,
                     id="guardrail-no-data-confidence"),
        # No check-in.
        pytest.param(INC, None, None, 0.5, False, Status.NOT_STARTED, Reason.NO_CHECK_IN,
                     id="no-check-in"),
        pytest.param(INC, None, 3, 0.5, False, Status.OFF_TRACK, Reason.CONFIDENCE,
                     id="no-check-in-confidence-only"),
        # Confidence beats pace.
        pytest.param(INC, 90, 1, 0.1, False, Status.OFF_TRACK, Reason.CONFIDENCE,
                     id="confidence-beats-good-pace"),
        pytest.param(INC, 0, 9, 0.9, False, Status.ON_TRACK, Reason.CONFIDENCE,
                     id="confidence-beats-bad-pace"),
        # Pace: progress / expected against 0.9 and 0.6.
        pytest.param(INC, 0, None, 0.0, False, Status.ON_TRACK, Reason.PACE,
                     id="pace-expected-zero"),
        pytest.param(INC, 45, None, 0.5, False, Status.ON_TRACK, Reason.PACE,
                     id="pace-ratio-0.9-edge"),
        # 0.09 / 0.1 == 0.8999999999999999 in binary floats; by hand it is exactly 0.9.
        pytest.param(INC, 9, None, 0.1, False, Status.ON_TRACK, Reason.PACE,
                     id="pace-ratio-0.9-float-noise"),
        pytest.param(INC, 44, None, 0.5, False, Status.AT_RISK, Reason.PACE,
                     id="pace-ratio-0.88"),
        pytest.param(INC, 30, None, 0.5, False, Status.AT_RISK, Reason.PACE,
                     id="pace-ratio-0.6-edge"),
        pytest.param(INC, 29, None, 0.5, False, Status.OFF_TRACK, Reason.PACE,
                     id="pace-ratio-0.58"),
        pytest.param(INC, 0, None, 0.5, False, Status.OFF_TRACK, Reason.PACE,
                     id="pace-no-progress"),
        pytest.param(INC, 95, None, 1.0, True, Status.ON_TRACK, Reason.PACE,
                     id="pace-cycle-over-nearly-done"),
        pytest.param(MILESTONE, 0, None, 0.05, False, Status.OFF_TRACK, Reason.PACE,
                     id="milestone-open-pace"),
    ],
)  # fmt: skip
def test_kr_status(
    kind: KrKind,
    current: float | None,
    confidence: int | None,
    expected: float,
    cycle_over: bool,
    status: Status,
    reason: Reason,
) -> None:
    # Targets chosen so a current of 0..100 reads as a percentage for every kind.
    start, target = {INC: (0, 100), ABOVE: (0, 95), BELOW: (0, 2), MILESTONE: (0, 1)}[kind]
    result = kr_progress(
        kind=kind,
        start=start,
        target=target,
        current=current,
        confidence=confidence,
        expected=expected,
        cycle_over=cycle_over,
    )
    assert (result.status, result.reason) == (status, reason)
    assert result.confidence == confidence


def test_kr_progress_result_is_frozen() -> None:
    result = kr_progress(kind=INC, start=0, target=10, current=5)
    assert result == KrProgress(0.5, Status.ON_TRACK, Reason.PACE, has_data=True)
    with pytest.raises(AttributeError):
        result.progress = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"start": NAN}, id="nan-start"),
        pytest.param({"target": INF}, id="inf-target"),
        pytest.param({"current": NAN}, id="nan-current"),
        pytest.param({"expected": -0.01}, id="expected-below-0"),
        pytest.param({"expected": 1.01}, id="expected-above-1"),
        pytest.param({"expected": NAN}, id="expected-nan"),
        pytest.param({"confidence": 11}, id="confidence-11"),
        pytest.param({"confidence": -1}, id="confidence-minus-1"),
        pytest.param({"confidence": 11, "current": 10}, id="confidence-checked-even-when-done"),
        pytest.param({"confidence": True}, id="confidence-bool"),
    ],
)
def test_kr_progress_rejects_bad_input(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"kind": INC, "start": 0, "target": 10, "current": 5, **kwargs}
    with pytest.raises(ValueError):
        kr_progress(**args)  # type: ignore[arg-type]


# --- Confidence bands -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("confidence", "status"),
    [
        pytest.param(0, Status.OFF_TRACK, id="0"),
        pytest.param(3, Status.OFF_TRACK, id="3"),
        pytest.param(4, Status.AT_RISK, id="4"),
        pytest.param(6, Status.AT_RISK, id="6"),
        pytest.param(7, Status.ON_TRACK, id="7"),
        pytest.param(10, Status.ON_TRACK, id="10"),
    ],
)
def test_confidence_band(confidence: int, status: Status) -> None:
    assert confidence_band(confidence) is status


@pytest.mark.parametrize(
    "confidence",
    [
        pytest.param(-1, id="-1"),
        pytest.param(11, id="11"),
        pytest.param(7.5, id="float"),
        pytest.param(True, id="bool"),
    ],
)
def test_confidence_band_rejects_out_of_range(confidence: int) -> None:
    with pytest.raises(ValueError):
        confidence_band(confidence)


def test_band_constants_match_spec() -> None:
    assert (ON_TRACK_MIN_CONFIDENCE, AT_RISK_MIN_CONFIDENCE) == (7, 4)
    assert (ON_TRACK_MIN_PACE_RATIO, AT_RISK_MIN_PACE_RATIO) == (0.9, 0.6)


# --- Objectives -----------------------------------------------------------------------------


def _kr(
    progress: float,
    status: Status = Status.ON_TRACK,
    *,
    confidence: int | None = None,
    has_data: bool = True,
) -> KrProgress:
    return KrProgress(progress, status, Reason.PACE, has_data, confidence)


DONE_KR = KrProgress(1.0, Status.DONE, Reason.TARGET_REACHED, has_data=True)
HOLDING_GUARDRAIL = KrProgress(1.0, Status.ON_TRACK, Reason.GUARDRAIL_HOLDS, has_data=True)
NO_DATA_KR = KrProgress(0.0, Status.NOT_STARTED, Reason.NO_CHECK_IN, has_data=False)


@pytest.mark.parametrize(
    ("krs", "weights", "expected", "result"),
    [
        pytest.param([], None, 0.5,
                     ObjectiveProgress(0.0, Status.NOT_STARTED, Reason.NO_KRS, False),
                     id="no-krs"),
        pytest.param([], [], 0.5,
                     ObjectiveProgress(0.0, Status.NOT_STARTED, Reason.NO_KRS, False),
                     id="no-krs-empty-weights"),
        pytest.param([DONE_KR, DONE_KR], None, 0.5,
                     ObjectiveProgress(1.0, Status.DONE, Reason.ALL_KRS_DONE, True),
                     id="all-done"),
        pytest.param([DONE_KR, HOLDING_GUARDRAIL], None, 0.5,
                     ObjectiveProgress(1.0, Status.ON_TRACK, Reason.PACE, True),
                     id="holding-guardrail-not-done-mid-cycle"),
        pytest.param([NO_DATA_KR, NO_DATA_KR], None, 0.5,
                     ObjectiveProgress(0.0, Status.NOT_STARTED, Reason.NO_CHECK_IN, False),
                     id="no-check-in"),
        pytest.param([_kr(0.5, confidence=8), _kr(0.5, confidence=2), _kr(0.5)], None, 0.1,
                     ObjectiveProgress(0.5, Status.OFF_TRACK, Reason.CONFIDENCE, True, 2),
                     id="lowest-confidence-wins"),
        pytest.param([_kr(0.0, confidence=5), NO_DATA_KR], None, 0.0,
                     ObjectiveProgress(0.0, Status.AT_RISK, Reason.CONFIDENCE, True, 5),
                     id="confidence-beats-pace"),
        pytest.param([DONE_KR, _kr(0.6, confidence=9)], None, 0.9,
                     ObjectiveProgress(0.8, Status.ON_TRACK, Reason.CONFIDENCE, True, 9),
                     id="confidence-when-not-all-done"),
        pytest.param([_kr(1.0), _kr(0.0)], None, 0.5,
                     ObjectiveProgress(0.5, Status.ON_TRACK, Reason.PACE, True),
                     id="pace-mean"),
        pytest.param([_kr(1.0), _kr(0.0)], [3, 1], 0.5,
                     ObjectiveProgress(0.75, Status.ON_TRACK, Reason.PACE, True),
                     id="weights-favour-done-kr"),
        pytest.param([_kr(1.0), _kr(0.0)], [1, 3], 0.5,
                     ObjectiveProgress(0.25, Status.OFF_TRACK, Reason.PACE, True),
                     id="weights-favour-open-kr"),
        pytest.param([_kr(0.4), NO_DATA_KR], [0.5, 0.5], 0.3,
                     ObjectiveProgress(0.2, Status.AT_RISK, Reason.PACE, True),
                     id="fractional-weights-at-risk"),
        pytest.param([DONE_KR] * 3, [0.1, 0.1, 0.1], 1.0,
                     ObjectiveProgress(1.0, Status.DONE, Reason.ALL_KRS_DONE, True),
                     id="float-weights-stay-exactly-1"),
    ],
)  # fmt: skip
def test_objective_progress(
    krs: list[KrProgress],
    weights: list[float] | None,
    expected: float,
    result: ObjectiveProgress,
) -> None:
    actual = objective_progress(krs=krs, weights=weights, expected=expected)
    assert actual.progress == pytest.approx(result.progress)
    assert 0.0 <= actual.progress <= 1.0
    assert (actual.status, actual.reason, actual.has_data, actual.confidence) == (
        result.status,
        result.reason,
        result.has_data,
        result.confidence,
    )


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        pytest.param([1.0], 0.5, id="too-few-weights"),
        pytest.param([1.0, 1.0, 1.0], 0.5, id="too-many-weights"),
        pytest.param([1.0, 0.0], 0.5, id="zero-weight"),
        pytest.param([1.0, -1.0], 0.5, id="negative-weight"),
        pytest.param([1.0, NAN], 0.5, id="nan-weight"),
        pytest.param([1.0, INF], 0.5, id="inf-weight"),
        pytest.param(None, 1.5, id="expected-out-of-range"),
    ],
)
def test_objective_progress_rejects_bad_input(weights: list[float] | None, expected: float) -> None:
    with pytest.raises(ValueError):
        objective_progress(krs=[_kr(0.5), _kr(0.5)], weights=weights, expected=expected)


def test_objective_of_real_krs() -> None:
    krs = [
        kr_progress(kind=DEC, start=100, target=20, current=60, expected=0.5),
        kr_progress(kind=ABOVE, start=0, target=95, current=97, expected=0.5),
        kr_progress(kind=MILESTONE, start=0, target=1, current=0, confidence=6, expected=0.5),
    ]
    result = objective_progress(krs=krs, weights=[2, 1, 1], expected=0.5)
    assert result.progress == pytest.approx((2 * 0.5 + 1 + 0) / 4)
    assert (result.status, result.reason, result.confidence) == (
        Status.AT_RISK,
        Reason.CONFIDENCE,
        6,
    )


# --- Expected progress ----------------------------------------------------------------------

Q_START = datetime(2025, 1, 1, tzinfo=UTC)
Q_END = datetime(2025, 4, 1, tzinfo=UTC)  # 90 days


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(Q_START, 0.0, id="at-start"),
        pytest.param(Q_END, 1.0, id="at-end"),
        pytest.param(Q_START - timedelta(days=3), 0.0, id="before-start-clamped"),
        pytest.param(Q_END + timedelta(seconds=1), 1.0, id="after-end-clamped"),
        pytest.param(Q_START + timedelta(days=45), 0.5, id="halfway"),
        pytest.param(Q_START + timedelta(days=9), 0.1, id="tenth"),
        # Same instant as halfway, seen from another zone.
        pytest.param(datetime(2025, 2, 15, 9, 0, tzinfo=timezone(timedelta(hours=9))), 0.5,
                     id="other-zone"),
    ],
)  # fmt: skip
def test_expected_progress(now: datetime, expected: float) -> None:
    assert expected_progress(start=Q_START, end=Q_END, now=now) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("start", "end", "now", "expected"),
    [
        # Spring forward on 2024-03-31 02:00 -> 03:00: the cycle lasts 47 real hours, and
        # Sunday noon is 35 real hours in. Wall-clock arithmetic would say 36/48 = 0.75.
        pytest.param(datetime(2024, 3, 30, tzinfo=PARIS), datetime(2024, 4, 1, tzinfo=PARIS),
                     datetime(2024, 3, 31, 12, tzinfo=PARIS), 35 / 47, id="spring-forward"),
        # Fall back on 2024-10-27 03:00 -> 02:00: 25 real hours; 02:30 happens twice.
        pytest.param(datetime(2024, 10, 27, tzinfo=PARIS), datetime(2024, 10, 28, tzinfo=PARIS),
                     datetime(2024, 10, 27, 2, 30, tzinfo=PARIS), 2.5 / 25,
                     id="fall-back-first-0230"),
        pytest.param(datetime(2024, 10, 27, tzinfo=PARIS), datetime(2024, 10, 28, tzinfo=PARIS),
                     datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=PARIS), 3.5 / 25,
                     id="fall-back-second-0230"),
        # A quarter spanning the March change: 91 days minus the lost hour in total, and
        # Sunday noon CEST (10:00 UTC) is 90 days 11 hours after 2023-12-31 23:00 UTC.
        pytest.param(datetime(2024, 1, 1, tzinfo=PARIS), datetime(2024, 4, 1, tzinfo=PARIS),
                     datetime(2024, 3, 31, 12, tzinfo=PARIS), (90 * 24 + 11) / (91 * 24 - 1),
                     id="quarter-spanning-dst"),
    ],
)  # fmt: skip
def test_expected_progress_across_dst(
    start: datetime, end: datetime, now: datetime, expected: float
) -> None:
    assert expected_progress(start=start, end=end, now=now) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("start", "end", "now"),
    [
        pytest.param(datetime(2025, 1, 1), Q_END, Q_START, id="naive-start"),
        pytest.param(Q_START, datetime(2025, 4, 1), Q_START, id="naive-end"),
        pytest.param(Q_START, Q_END, datetime(2025, 2, 1), id="naive-now"),
        pytest.param(Q_START, Q_START, Q_START, id="end-equals-start"),
        pytest.param(Q_END, Q_START, Q_START, id="end-before-start"),
        # Wall clock says end is 15 minutes after start; in real time it is 45 minutes before.
        pytest.param(datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=PARIS),
                     datetime(2024, 10, 27, 2, 45, fold=0, tzinfo=PARIS),
                     Q_START, id="end-before-start-in-real-time"),
    ],
)  # fmt: skip
def test_expected_progress_rejects(start: datetime, end: datetime, now: datetime) -> None:
    with pytest.raises(ValueError):
        expected_progress(start=start, end=end, now=now)


# --- Definition validation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "start", "target", "errors"),
    [
        pytest.param(INC, 5, 5, [KrDefinitionError.TARGET_EQUALS_START], id="inc-equal"),
        pytest.param(DEC, 5, 5, [KrDefinitionError.TARGET_EQUALS_START], id="dec-equal"),
        pytest.param(INC, 10, 5, [KrDefinitionError.START_ABOVE_TARGET], id="inc-start-above"),
        pytest.param(DEC, 5, 10, [KrDefinitionError.START_BELOW_TARGET], id="dec-start-below"),
        pytest.param(INC, 0, 10, [], id="inc-ok"),
        pytest.param(DEC, 10, 0, [], id="dec-ok"),
        pytest.param(MILESTONE, 0, 1, [], id="milestone-ok"),
        pytest.param(MILESTONE, 0, 2, [KrDefinitionError.MILESTONE_BOUNDS], id="milestone-2"),
        pytest.param(MILESTONE, 1, 0, [KrDefinitionError.MILESTONE_BOUNDS], id="milestone-flip"),
        pytest.param(ABOVE, 50, 95, [], id="above-any-start"),
        pytest.param(BELOW, 0, 0, [], id="below-equal-ok"),
        pytest.param(INC, NAN, 1, [KrDefinitionError.NOT_FINITE], id="nan"),
        pytest.param(DEC, 0, -INF, [KrDefinitionError.NOT_FINITE], id="inf"),
    ],
)
def test_validate_kr_definition(
    kind: KrKind, start: float, target: float, errors: list[KrDefinitionError]
) -> None:
    assert validate_kr_definition(kind=kind, start=start, target=target) == errors


# --- Display --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("progress", "bar"),
    [
        pytest.param(0.0, "░░░░░░░░░░", id="0"),
        pytest.param(-0.1, "░░░░░░░░░░", id="negative-clamped"),
        pytest.param(0.04, "░░░░░░░░░░", id="0.04-rounds-down"),
        pytest.param(0.05, "█░░░░░░░░░", id="0.05-half-up"),
        pytest.param(0.25, "███░░░░░░░", id="0.25-half-up-not-bankers"),
        pytest.param(0.5, "█████░░░░░", id="0.5"),
        pytest.param(0.94, "█████████░", id="0.94"),
        pytest.param(0.97, "█████████░", id="0.97-never-full-unless-done"),
        pytest.param(0.999, "█████████░", id="0.999-never-full-unless-done"),
        pytest.param(1.0, "██████████", id="1"),
        pytest.param(1.2, "██████████", id="overshoot-clamped"),
    ],
)
def test_progress_bar(progress: float, bar: str) -> None:
    assert progress_bar(progress) == bar


@pytest.mark.parametrize(
    ("progress", "width", "bar"),
    [
        pytest.param(0.5, 4, "██░░", id="width-4"),
        pytest.param(0.9, 1, "░", id="width-1-unfinished"),
        pytest.param(1.0, 1, "█", id="width-1-done"),
        pytest.param(0.125, 20, "███░░░░░░░░░░░░░░░░░", id="width-20-half-up"),
    ],
)
def test_progress_bar_width(progress: float, width: int, bar: str) -> None:
    assert progress_bar(progress, width) == bar
    assert len(bar) == width


@pytest.mark.parametrize(
    ("progress", "width"),
    [pytest.param(NAN, 10, id="nan"), pytest.param(0.5, 0, id="width-0")],
)
def test_progress_bar_rejects(progress: float, width: int) -> None:
    with pytest.raises(ValueError):
        progress_bar(progress, width)


@pytest.mark.parametrize(
    ("progress", "pct"),
    [
        pytest.param(0.0, 0, id="0"),
        pytest.param(-0.1, 0, id="negative-clamped"),
        pytest.param(0.05, 5, id="0.05"),
        pytest.param(0.29, 29, id="0.29-float-noise"),
        pytest.param(0.57, 57, id="0.57-float-noise"),
        pytest.param(0.5, 50, id="0.5"),
        pytest.param(0.97, 97, id="0.97"),
        pytest.param(0.996, 99, id="0.996-floored"),
        pytest.param(1.0, 100, id="1"),
        pytest.param(1.2, 100, id="overshoot-clamped"),
    ],
)
def test_percent(progress: float, pct: int) -> None:
    assert percent(progress) == pct


def test_percent_rejects_nan() -> None:
    with pytest.raises(ValueError):
        percent(NAN)


# --- Metric deltas and sparklines -----------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "previous", "result"),
    [
        pytest.param(None, None, Delta(None, None), id="both-missing"),
        pytest.param(5.0, None, Delta(None, None), id="no-previous"),
        pytest.param(None, 5.0, Delta(None, None), id="no-current"),
        pytest.param(5.0, 0.0, Delta(5.0, None), id="previous-zero"),
        pytest.param(0.0, 0.0, Delta(0.0, None), id="both-zero"),
        pytest.param(125.0, 100.0, Delta(25.0, 0.25), id="up"),
        pytest.param(75.0, 100.0, Delta(-25.0, -0.25), id="down"),
        pytest.param(100.0, 100.0, Delta(0.0, 0.0), id="flat"),
        pytest.param(-5.0, -10.0, Delta(5.0, 0.5), id="negative-previous-going-up"),
    ],
)
def test_delta(current: float | None, previous: float | None, result: Delta) -> None:
    actual = delta(current, previous)
    assert actual.absolute == (None if result.absolute is None else pytest.approx(result.absolute))
    assert actual.relative == (None if result.relative is None else pytest.approx(result.relative))


@pytest.mark.parametrize(
    ("current", "previous"),
    [pytest.param(NAN, 1.0, id="nan-current"), pytest.param(1.0, INF, id="inf-previous")],
)
def test_delta_rejects_non_finite(current: float, previous: float) -> None:
    with pytest.raises(ValueError):
        delta(current, previous)


@pytest.mark.parametrize(
    ("values", "line"),
    [
        pytest.param([], "", id="empty"),
        pytest.param([None, None], "  ", id="all-missing"),
        pytest.param([42.0], "▄", id="single"),
        pytest.param([3.0, 3.0, 3.0], "▄▄▄", id="constant"),
        pytest.param([3.0, None, 3.0], "▄ ▄", id="constant-with-gap"),
        pytest.param([0, 1, 2, 3, 4, 5, 6, 7], "▁▂▃▄▅▆▇█", id="ramp"),
        pytest.param([7, 0], "█▁", id="down"),
        pytest.param([0.0, None, 10.0], "▁ █", id="gap"),
        pytest.param([0.0, 5.0, 10.0], "▁▅█", id="midpoint-half-up"),
        pytest.param([-10.0, 0.0, 10.0], "▁▅█", id="negative-values"),
    ],
)
def test_sparkline(values: list[float | None], line: str) -> None:
    assert sparkline(values) == line
    assert len(sparkline(values)) == len(values)


def test_sparkline_rejects_nan() -> None:
    with pytest.raises(ValueError):
        sparkline([1.0, math.nan])


# --- Codes are stable strings ---------------------------------------------------------------


def test_enum_values_are_stable_codes() -> None:
    # Stored in the database and used as translation keys: renaming one is a migration.
    assert [k.value for k in KrKind] == [
        "increase_to",
        "decrease_to",
        "stay_above",
        "stay_below",
        "milestone",
    ]
    assert [s.value for s in Status] == [
        "done",
        "on_track",
        "at_risk",
        "off_track",
        "not_started",
    ]
    assert Reason("guardrail_broken") is Reason.GUARDRAIL_BROKEN
    assert KrDefinitionError("target_equals_start") is KrDefinitionError.TARGET_EQUALS_START
