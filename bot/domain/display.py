"""How progress and changes are shown: percent, progress bars, deltas and sparklines.

Pure, stdlib only. Progress is a fraction in ``[0.0, 1.0]`` (see :mod:`bot.domain.progress`);
these functions turn it, and metric readings, into what a person reads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.numbers import clamp01, denoise, require_finite

__all__ = [
    "BAR_EMPTY",
    "BAR_FULL",
    "SPARK_LEVELS",
    "Delta",
    "delta",
    "percent",
    "percent_change",
    "progress_bar",
    "sparkline",
]

# --- Display glyphs -------------------------------------------------------------------------

BAR_FULL = "█"
BAR_EMPTY = "░"
#: Sparkline glyphs from lowest to highest.
SPARK_LEVELS = "▁▂▃▄▅▆▇█"
# "▄" is the lower half block: the honest picture of "no variation" in a series.
_SPARK_FLAT = "▄"
_SPARK_GAP = " "


@dataclass(frozen=True, slots=True)
class Delta:
    """Change of a metric between two readings.

    Attributes:
        absolute: ``current - previous`` in the metric's unit; ``None`` when either is missing.
        relative: ``(current - previous) / |previous|`` as a fraction (``0.25`` is +25%);
            ``None`` when either is missing or ``previous == 0``. Dividing by ``|previous|``
            keeps the sign meaning "went up"/"went down" even for negative metrics.
    """

    absolute: float | None
    relative: float | None


def progress_bar(progress: float, width: int = 10) -> str:
    """Text bar for Slack, e.g. ``"█████░░░░░"`` for 0.5.

    ``progress`` is clamped to ``[0, 1]``; the number of full cells is ``progress * width``
    rounded half up (0.05 at width 10 shows 1 cell), except that every cell is full only when
    ``progress >= 1``: 0.97 shows 9 full cells and 1 empty, so an unfinished KR never looks done.

    Returns:
        A string of exactly ``width`` characters.

    Raises:
        ValueError: ``progress`` is NaN or ``width < 1``.
    """
    if math.isnan(progress):
        raise ValueError("progress must not be NaN")
    if width < 1:
        raise ValueError(f"width must be >= 1, got {width}")
    progress = clamp01(progress)
    # Python's round() is banker's rounding (round(2.5) == 2); the spec wants half up.
    filled = math.floor(denoise(progress * width) + 0.5)
    if progress < 1.0:
        filled = min(filled, width - 1)
    return BAR_FULL * filled + BAR_EMPTY * (width - filled)


def percent(progress: float) -> int:
    """Whole percent for display, in ``[0, 100]``.

    ``progress`` is clamped to ``[0, 1]`` and floored, so 0.996 shows 99: 100% means done.

    Raises:
        ValueError: ``progress`` is NaN.
    """
    if math.isnan(progress):
        raise ValueError("progress must not be NaN")
    return math.floor(denoise(clamp01(progress) * 100))


def percent_change(before: float, now: float) -> int:
    """The change of a progress in whole percentage points, as a reader checks it.

    Computed from the two percentages shown (:func:`percent` of each), never from the raw
    fractions, so ``0% → 38%`` always reads ``+38 pts`` (the raw change 0.004 → 0.385 would
    round to 39 and make the arithmetic on screen wrong).

    Raises:
        ValueError: either progress is NaN.
    """
    return percent(now) - percent(before)


def delta(current: float | None, previous: float | None) -> Delta:
    """Change between two readings of a metric (e.g. the North Star Metric in the digest).

    See :class:`Delta` for units. Missing readings give ``None`` rather than raising, because a
    new metric has no previous value.

    Raises:
        ValueError: a given value is NaN or infinite.
    """
    if current is not None:
        require_finite("current", current)
    if previous is not None:
        require_finite("previous", previous)
    if current is None or previous is None:
        return Delta(absolute=None, relative=None)
    absolute = current - previous
    relative = None if previous == 0 else absolute / abs(previous)
    return Delta(absolute=absolute, relative=relative)


def sparkline(values: Sequence[float | None]) -> str:
    """One glyph per value from ``"▁▂▃▄▅▆▇█"``, scaled between the series' min and max.

    * ``None`` (missing reading) gives a space, so gaps stay visible and aligned.
    * A series whose known values are all equal gives ``"▄"`` for each: no change, no slope.
    * An empty sequence gives ``""``.

    Returns:
        A string with exactly ``len(values)`` characters.

    Raises:
        ValueError: a value is NaN or infinite.
    """
    known = [v for v in values if v is not None]
    for reading in known:
        require_finite("value", reading)
    if not known:
        return _SPARK_GAP * len(values)
    low, high = min(known), max(known)
    top = len(SPARK_LEVELS) - 1
    glyphs: list[str] = []
    for value in values:
        if value is None:
            glyphs.append(_SPARK_GAP)
        elif high == low:
            glyphs.append(_SPARK_FLAT)
        else:
            # Half-up rounding to the nearest level, like progress_bar.
            level = math.floor(denoise((value - low) / (high - low) * top) + 0.5)
            glyphs.append(SPARK_LEVELS[level])
    return "".join(glyphs)
