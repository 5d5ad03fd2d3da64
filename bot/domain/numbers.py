"""Number hygiene shared by the progress, status and display rules. Pure, stdlib only."""

from __future__ import annotations

import math

__all__ = [
    "NUMBER_LIMIT",
    "NumberOutOfRange",
    "clamp01",
    "denoise",
    "require_finite",
    "require_fraction",
    "require_storable",
]

# Binary floats turn exact decimal inputs into near misses (0.29 * 100 == 28.999999999999996,
# 0.54 / 0.6 == 0.9000000000000001). Rounding to this many decimals before flooring or comparing
# against a threshold makes results match what a human computes by hand, while being far below
# any precision that matters for OKRs.
_FLOAT_NOISE_DIGITS = 9


# The largest magnitude a typed number may have: far beyond any OKR (a quadrillion), and small
# enough that Babel formats it and progress arithmetic stays exact to the cent.
NUMBER_LIMIT = 10**15


class NumberOutOfRange(ValueError):
    """A number people typed that Polaris cannot hold: NaN, infinite or beyond NUMBER_LIMIT."""


def require_storable(value: float) -> float:
    """`value`, or NumberOutOfRange when it is not finite or reaches NUMBER_LIMIT."""
    if not math.isfinite(value) or abs(value) >= NUMBER_LIMIT:
        raise NumberOutOfRange(value)
    return value


def require_finite(name: str, value: float) -> None:
    """Raise ValueError naming `name` when `value` is NaN or infinite."""
    # NaN compares False with everything, so it would silently fall through every band.
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")


def require_fraction(name: str, value: float) -> None:
    """Raise ValueError naming `name` unless `value` is finite and within [0, 1]."""
    require_finite(name, value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be within [0, 1], got {value!r}")


def clamp01(value: float) -> float:
    """`value` clamped to [0.0, 1.0]."""
    return min(1.0, max(0.0, value))


def denoise(value: float) -> float:
    """`value` without binary-float noise, before flooring or comparing with a threshold."""
    return round(value, _FLOAT_NOISE_DIGITS)
