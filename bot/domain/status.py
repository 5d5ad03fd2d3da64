"""Status and its explanation: the bands of confidence and pace, and why a status was chosen.

Pure, stdlib only. Progress (:mod:`bot.domain.progress`) picks which rule applies; the bands
and thresholds live here, once. Reasons are codes, never English: the UI translates them when
a user asks "why".
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.numbers import denoise

__all__ = [
    "AT_RISK_MIN_CONFIDENCE",
    "AT_RISK_MIN_PACE_RATIO",
    "CONFIDENCE_MAX",
    "CONFIDENCE_MIN",
    "ON_TRACK_MIN_CONFIDENCE",
    "ON_TRACK_MIN_PACE_RATIO",
    "Reason",
    "Status",
    "check_confidence",
    "confidence_band",
    "pace_band",
]

# --- Band thresholds ------------------------------------------------------------------------

CONFIDENCE_MIN = 0
CONFIDENCE_MAX = 10
#: Confidence 7-10 is on track.
ON_TRACK_MIN_CONFIDENCE = 7
#: Confidence 4-6 is at risk; 0-3 is off track.
AT_RISK_MIN_CONFIDENCE = 4

#: progress / expected at or above this is on track.
ON_TRACK_MIN_PACE_RATIO = 0.9
#: progress / expected at or above this (and below on-track) is at risk; below is off track.
AT_RISK_MIN_PACE_RATIO = 0.6


class Status(StrEnum):
    """Status shown for a KR or an objective."""

    DONE = "done"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NOT_STARTED = "not_started"


class Reason(StrEnum):
    """Why a status was chosen (a code; the UI translates it when a user asks "why")."""

    #: Progress reached 1 (non-guardrail KR).
    TARGET_REACHED = "target_reached"
    #: Status taken from the latest confidence (for an objective: the lowest among its KRs).
    CONFIDENCE = "confidence"
    #: Status taken from progress compared with expected progress.
    PACE = "pace"
    #: No check-in yet and no confidence: nothing to judge.
    NO_CHECK_IN = "no_check_in"
    #: Guardrail currently holds (on track mid-cycle, done once the cycle is over).
    GUARDRAIL_HOLDS = "guardrail_holds"
    #: Guardrail currently broken and no confidence given.
    GUARDRAIL_BROKEN = "guardrail_broken"
    #: Objective: every KR is done.
    ALL_KRS_DONE = "all_krs_done"
    #: Objective: it has no KRs.
    NO_KRS = "no_krs"


# --- Bands ----------------------------------------------------------------------------------


def check_confidence(confidence: int) -> None:
    """Raise ValueError unless `confidence` is an integer (bools rejected) within [0, 10]."""
    # bool is an int subclass; True would otherwise pass as confidence 1.
    if isinstance(confidence, bool) or not isinstance(confidence, int):
        raise ValueError(f"confidence must be an integer, got {confidence!r}")
    if not CONFIDENCE_MIN <= confidence <= CONFIDENCE_MAX:
        raise ValueError(
            f"confidence must be within [{CONFIDENCE_MIN}, {CONFIDENCE_MAX}], got {confidence}"
        )


def confidence_band(confidence: int) -> Status:
    """Map a confidence to a status: 7-10 on_track, 4-6 at_risk, 0-3 off_track.

    Raises:
        ValueError: if ``confidence`` is not an integer (bools rejected) within ``[0, 10]``.
    """
    check_confidence(confidence)
    if confidence >= ON_TRACK_MIN_CONFIDENCE:
        return Status.ON_TRACK
    if confidence >= AT_RISK_MIN_CONFIDENCE:
        return Status.AT_RISK
    return Status.OFF_TRACK


def pace_band(progress: float, expected: float) -> Status:
    """Map progress against expected progress (both fractions) to a status:
    ``progress / expected`` at or above 0.9 on_track, at or above 0.6 at_risk, else off_track;
    ``expected == 0`` is on_track."""
    if expected == 0.0:
        # Nothing was expected yet (cycle just started), so any progress is on pace.
        return Status.ON_TRACK
    ratio = denoise(progress / expected)
    if ratio >= ON_TRACK_MIN_PACE_RATIO:
        return Status.ON_TRACK
    if ratio >= AT_RISK_MIN_PACE_RATIO:
        return Status.AT_RISK
    return Status.OFF_TRACK
