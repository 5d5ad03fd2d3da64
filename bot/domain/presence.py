"""Out of office: whether a person's Slack status says they are away (vacation, sick leave).

Slack has no "out of office" flag; people say it with their profile status. Slack's own
suggestions are ":palm_tree: Vacationing" and ":face_with_thermometer: Out sick"; people also
write "OOO", "congés", "malade". A status counts while it has not expired (Slack's
`status_expiration`, 0 for "don't clear"). Pure rules, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

AWAY_EMOJI = frozenset(
    {
        ":palm_tree:",
        ":desert_island:",
        ":beach_with_umbrella:",
        ":face_with_thermometer:",
        ":sick:",
        ":nauseated_face:",
        ":mask:",
    }
)
# Whole words (accents folded, lower case) of a status text that mean "away".
AWAY_WORDS = re.compile(
    r"\b(vacation|vacationing|vacances|holiday|holidays|on leave|parental leave|ooo|"
    r"out of (the )?office|out sick|off sick|sick|sick leave|conges|en conge|absent|absente|"
    r"malade|arret maladie|pto)\b"
)


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def out_of_office(
    *,
    emoji: str | None,
    text: str | None,
    expires_at: datetime | None,
    at: datetime,
    dnd_until: datetime | None = None,
) -> bool:
    """True when the person paused their Slack notifications past `at` (do not disturb), or
    their status (emoji or text) says away and still holds at `at` (aware)."""
    if dnd_until is not None and dnd_until > at:
        return True
    if expires_at is not None and expires_at <= at:
        return False
    if emoji and emoji.strip().lower() in AWAY_EMOJI:
        return True
    return bool(text and AWAY_WORDS.search(_folded(text)))
