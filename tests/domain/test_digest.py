"""The digest's selection rules, table-driven."""

from __future__ import annotations

import pytest

from bot.domain.digest import KrWeek, OwnerWeek, select_week
from bot.domain.display import percent_change
from bot.domain.status import Status


def kr(
    key: str,
    owner: str = "U1",
    before: float = 0.2,
    now: float = 0.2,
    status: Status = Status.ON_TRACK,
    conf_before: int | None = None,
    conf_now: int | None = None,
    checked: bool = True,
    *,
    guardrail: bool = False,
    has_data: bool = True,
    due: bool = True,
    owner_week: OwnerWeek = OwnerWeek.EXPECTED,
) -> KrWeek:
    return KrWeek(
        key,
        owner,
        before,
        now,
        status,
        conf_before,
        conf_now,
        checked,
        guardrail=guardrail,
        has_data=has_data,
        due=due,
        owner_week=owner_week,
    )


def test_movers_are_ordered_by_size_of_move_either_way() -> None:
    week = select_week(
        [kr("KR-1", now=0.3), kr("KR-2", now=0.0), kr("KR-3", now=0.2), kr("KR-4", now=0.6)]
    )
    assert [k.key for k in week.movers] == ["KR-4", "KR-2", "KR-1"]


def test_at_most_five_movers() -> None:
    week = select_week([kr(f"KR-{i}", now=0.2 + i / 100) for i in range(1, 9)])
    assert [k.key for k in week.movers] == ["KR-8", "KR-7", "KR-6", "KR-5", "KR-4"]


def test_confidence_drops_of_two_points_or_more() -> None:
    week = select_week(
        [
            kr("KR-1", conf_before=8, conf_now=6),
            kr("KR-2", conf_before=8, conf_now=7),
            kr("KR-3", conf_before=None, conf_now=2),
            kr("KR-4", conf_before=9, conf_now=3),
        ]
    )
    assert [k.key for k in week.confidence_drops] == ["KR-4", "KR-1"]


def test_off_track_comes_before_at_risk() -> None:
    week = select_week(
        [kr("KR-1", status=Status.AT_RISK), kr("KR-2", status=Status.OFF_TRACK), kr("KR-3")]
    )
    assert [k.key for k in week.at_risk] == ["KR-2", "KR-1"]


def test_wins_are_krs_that_reached_their_target_this_week() -> None:
    week = select_week(
        [kr("KR-1", before=0.9, now=1.0), kr("KR-2", before=1.0, now=1.0), kr("KR-3", now=0.5)]
    )
    assert [k.key for k in week.wins] == ["KR-1"]


def test_completion_counts_owners_with_all_krs_checked_in() -> None:
    week = select_week(
        [
            kr("KR-1", "U1"),
            kr("KR-2", "U1", checked=False),
            kr("KR-3", "U2"),
            kr("KR-4", "U3", checked=False),
        ]
    )
    assert (week.owners_done, week.owners_total) == (1, 3)
    assert (week.krs_checked_in, week.krs_total) == (2, 4)
    assert [k.key for k in week.waiting] == ["KR-2", "KR-4"]
    assert not week.empty


def test_a_week_without_check_ins_is_empty() -> None:
    assert select_week([kr("KR-1", checked=False)]).empty
    assert select_week([]).empty


@pytest.mark.parametrize(
    ("before", "now", "held", "status"),
    [
        (0.0, 1.0, True, Status.ON_TRACK),  # first check-in, holding: not a 0 → 100 % win
        (1.0, 0.0, False, Status.OFF_TRACK),  # breached this week: not a mover either
        (0.0, 0.0, False, Status.OFF_TRACK),  # first check-in, breached
        (1.0, 1.0, True, Status.ON_TRACK),
    ],
)
def test_a_guardrail_is_held_or_breached_never_moved_or_won(
    before: float, now: float, held: bool, status: Status
) -> None:
    week = select_week([kr("KR-1", before=before, now=now, status=status, guardrail=True)])
    assert week.movers == () and week.wins == () and week.at_risk == ()
    assert [(k.key, k.held) for k in week.guardrails] == [("KR-1", held)]


def test_guardrails_without_a_reading_are_not_shown_and_breached_ones_come_first() -> None:
    week = select_week(
        [
            kr("KR-1", now=1.0, guardrail=True),
            kr("KR-2", now=0.0, guardrail=True, status=Status.OFF_TRACK),
            kr("KR-3", now=0.0, guardrail=True, has_data=False, checked=False),
        ]
    )
    assert [k.key for k in week.guardrails] == ["KR-2", "KR-1"]


@pytest.mark.parametrize(
    ("before", "now", "points"),
    [
        (0.004, 0.385, 38),  # shown 0% → 38%: +38, never +39
        (0.996, 1.0, 1),  # 99% → 100%
        (0.505, 0.494, -1),  # 50% → 49%
        (0.2, 0.209, 0),
    ],
)
def test_the_change_comes_from_the_percentages_shown(
    before: float, now: float, points: int
) -> None:
    assert percent_change(before, now) == points
    assert kr("KR-1", before=before, now=now).change_points == points


def test_a_move_too_small_to_show_is_not_a_move() -> None:
    assert select_week([kr("KR-1", before=0.2, now=0.209)]).movers == ()


def test_an_owner_is_complete_when_every_due_kr_was_checked_in() -> None:
    # Five of seven KRs checked in; the two left were not due (checked in just before the
    # week, so the DM did not list them): both owners are complete.
    week = select_week(
        [
            *(kr(f"KR-{i}", "U1") for i in range(1, 4)),
            kr("KR-4", "U1", checked=False, due=False),
            *(kr(f"KR-{i}", "U2") for i in range(5, 7)),
            kr("KR-7", "U2", checked=False, due=False),
        ]
    )
    assert (week.krs_checked_in, week.krs_total) == (5, 7)
    assert (week.owners_done, week.owners_total) == (2, 2)
    assert week.waiting == ()


def test_skipping_and_away_owners_are_counted_never_listed_as_waiting() -> None:
    week = select_week(
        [
            kr("KR-1", "U1"),
            kr("KR-2", "U2", checked=False, owner_week=OwnerWeek.SKIPPED),
            kr("KR-3", "U3", checked=False, owner_week=OwnerWeek.AWAY),
            kr("KR-4", "U4", checked=False),
            # Skipped, then checked in anyway: complete, not counted as skipping.
            kr("KR-5", "U5", owner_week=OwnerWeek.SKIPPED),
        ]
    )
    assert [k.key for k in week.waiting] == ["KR-4"]
    assert (week.owners_done, week.owners_total) == (2, 5)
    assert (week.owners_skipped, week.owners_away) == (1, 1)
