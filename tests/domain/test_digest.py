"""The digest's selection rules, table-driven."""

from __future__ import annotations

from bot.domain.digest import KrWeek, select_week
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
) -> KrWeek:
    return KrWeek(key, owner, before, now, status, conf_before, conf_now, checked)


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
    assert [k.key for k in week.waiting] == ["KR-2", "KR-4"]
    assert not week.empty


def test_a_week_without_check_ins_is_empty() -> None:
    assert select_week([kr("KR-1", checked=False)]).empty
    assert select_week([]).empty
