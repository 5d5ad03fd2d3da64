""" "Did you mean …?": the one way Polaris guesses what a person meant to type, for a subcommand
as for a metric's name."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from bot.domain.northstar import normalised

# difflib's own default: `actve users` finds `Active users`, `vibes` finds nothing.
CLOSE_ENOUGH = 0.6


def closest(typed: str, known: Iterable[str]) -> str | None:
    """The name in `known` closest to `typed` (case and accents aside), as it is spelled in
    `known`; None when none is close enough to be a fair guess."""
    by_folded: dict[str, str] = {}
    for name in known:
        by_folded.setdefault(normalised(name).strip(), name)
    found = difflib.get_close_matches(
        normalised(typed).strip(), list(by_folded), n=1, cutoff=CLOSE_ENOUGH
    )
    return by_folded[found[0]] if found else None
