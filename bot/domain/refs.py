"""Human references: objectives `O-4`, key results `KR-12`, numbered per workspace."""

from __future__ import annotations

import re

_OBJECTIVE = re.compile(r"^O-?(\d{1,9})$", re.IGNORECASE)
_KEY_RESULT = re.compile(r"^(?:KR-?)?(\d{1,9})$", re.IGNORECASE)


def objective_label(ref: int) -> str:
    return f"O-{ref}"


def key_result_label(ref: int) -> str:
    return f"KR-{ref}"


def parse_objective_ref(text: str) -> int | None:
    """`O-4`, `o4` → 4; anything else → None."""
    match = _OBJECTIVE.match(text.strip())
    return int(match.group(1)) if match else None


def parse_key_result_ref(text: str) -> int | None:
    """`KR-12`, `kr12`, `12` → 12; anything else → None."""
    match = _KEY_RESULT.match(text.strip())
    return int(match.group(1)) if match else None
