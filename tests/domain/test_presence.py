"""Out of office, from a Slack profile status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.presence import out_of_office

AT = datetime(2026, 10, 23, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("emoji", "text", "expires_at", "away"),
    [
        (":palm_tree:", "Vacationing", None, True),
        (":face_with_thermometer:", "Out sick", None, True),
        (":sick:", "", None, True),
        ("", "OOO until Monday", None, True),
        ("", "En congés", None, True),
        ("", "Malade", None, True),
        ("", "on vacation", None, True),
        (":palm_tree:", "", AT + timedelta(days=3), True),
        # An expired status no longer counts; "covers the nudge time" is strict.
        (":palm_tree:", "Vacationing", AT, False),
        (":palm_tree:", "Vacationing", AT - timedelta(hours=1), False),
        # Busy is not away.
        (":spiral_calendar_pad:", "In a meeting", None, False),
        (":house:", "Working remotely", None, False),
        ("", "Goooood morning", None, False),
        (None, None, None, False),
    ],
)
def test_out_of_office(
    emoji: str | None, text: str | None, expires_at: datetime | None, away: bool
) -> None:
    assert out_of_office(emoji=emoji, text=text, expires_at=expires_at, at=AT) is away


@pytest.mark.parametrize(
    ("dnd_until", "away"),
    [
        (AT + timedelta(hours=2), True),  # notifications paused past the nudge time
        (AT, False),  # resumed at the nudge time: not away
        (AT - timedelta(days=1), False),
        (None, False),
    ],
)
def test_paused_notifications_mean_away(dnd_until: datetime | None, away: bool) -> None:
    assert (
        out_of_office(emoji=None, text="In a meeting", expires_at=None, at=AT, dnd_until=dnd_until)
        is away
    )
