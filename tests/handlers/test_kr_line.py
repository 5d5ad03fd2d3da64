"""A key result line that cannot be misread (issue 12, item 5): current / target with the start,
a sensible line before any check-in, guardrails that hold or not, milestones done or not, the
same words on the post, the list, the Home tab and the DM, and thread lines that say what moved.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.progress import KrKind
from bot.i18n import translator
from bot.services.read_models import CheckInResult, KeyResultView
from handlers.ui.home import _key_result
from handlers.ui.lists import objective_list_entry
from handlers.ui.okr import build_objective_post
from handlers.ui.update_modal import (
    build_check_in_saved,
    build_session_thread_line,
    build_thread_line,
)
from tests.factories import key_result_view_stub, objective_view_stub

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)
NBSP = "\xa0"  # Babel's French percent: a no-break space before %
NNBSP = "\u202f"  # French typography before a colon


def activated(current: float | None = 190) -> KeyResultView:
    return key_result_view_stub(
        1,
        title="Teams activated",
        start=120,
        target=300,
        unit="teams",
        current=current,
        last_check_in_at=NOW if current is not None else None,
    )


def post_lines(locale: str, *krs: KeyResultView) -> list[str]:
    """The KR lines of an objective's post, as Slack receives them."""
    post = build_objective_post(translator(locale), objective_view_stub(4, key_results=krs), NOW)
    texts = [block.to_dict().get("text", {}).get("text", "") for block in post]
    return [text.split("\n", 1)[1] for text in texts if text.startswith("`KR-")]


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "████░░░░░░ 190 / 300 teams (from 120) · 38% · 🟠 At risk · <@U1>"),
        (
            "fr",
            f"████░░░░░░ 190 / 300 teams (départ{NNBSP}: 120) · 38{NBSP}% · 🟠 À risque · <@U1>",
        ),
    ],
)
def test_a_kr_reads_current_over_target_from_its_start(locale: str, expected: str) -> None:
    assert post_lines(locale, activated()) == [expected]


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "No check-in yet · target 300 teams (from 120) · ⚪ Not started · <@U1>"),
        (
            "fr",
            f"Pas encore de point d’étape · cible 300 teams (départ{NNBSP}: 120) · "
            "⚪ Pas commencé · <@U1>",
        ),
    ],
)
def test_a_kr_without_a_reading_says_so_instead_of_a_dash(locale: str, expected: str) -> None:
    [line] = post_lines(locale, activated(current=None))
    assert line == expected
    assert "—" not in line and "0%" not in line and "░" not in line


def test_a_percentage_keeps_its_sign_on_both_sides() -> None:
    kr = key_result_view_stub(1, start=20, target=45, unit="%", current=25)
    assert post_lines("en", kr) == ["██░░░░░░░░ 25% / 45% (from 20%) · 20% · 🔴 Off track · <@U1>"]


def test_a_decreasing_kr_is_not_written_as_a_ratio() -> None:
    kr = key_result_view_stub(
        1, kind=KrKind.DECREASE_TO, start=100, target=20, unit="ms", current=60
    )
    assert post_lines("en", kr) == [
        "█████░░░░░ 60 ms · target 20 ms (from 100) · 50% · 🟢 On track · <@U1>"
    ]


@pytest.mark.parametrize(
    ("locale", "current", "expected"),
    [
        ("en", 99.7, "≥ 99.5% · now 99.7% 🛡️ holding · 🟢 On track · <@U1>"),
        ("en", 98.2, "≥ 99.5% · now 98.2% 🚨 breached · 🔴 Off track · <@U1>"),
        ("en", None, "≥ 99.5% · no check-in yet · ⚪ Not started · <@U1>"),
        (
            "fr",
            99.7,
            f"≥ 99,5{NBSP}% · actuellement 99,7{NBSP}% 🛡️ tenu · 🟢 En bonne voie · <@U1>",
        ),
    ],
)
def test_a_guardrail_reads_its_bound_and_whether_it_holds(
    locale: str, current: float | None, expected: str
) -> None:
    kr = key_result_view_stub(1, kind=KrKind.STAY_ABOVE, target=99.5, unit="%", current=current)
    assert post_lines(locale, kr) == [expected]


def test_a_guardrail_below_reads_at_most() -> None:
    kr = key_result_view_stub(1, kind=KrKind.STAY_BELOW, target=2, unit="%", current=1.5)
    assert post_lines("en", kr)[0].startswith("≤ 2% · now 1.5% 🛡️ holding")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", ["Not done yet · 🔴 Off track · <@U1>", "✅ Done · <@U1>"]),
     ("fr", ["Pas encore fait · 🔴 En retard · <@U1>", "✅ Terminé · <@U1>"])],
)  # fmt: skip
def test_a_milestone_is_done_or_not_done_yet(locale: str, expected: list[str]) -> None:
    krs = [
        key_result_view_stub(ref, kind=KrKind.MILESTONE, start=0, target=1, current=current)
        for ref, current in ((1, 0), (2, 1))
    ]
    assert post_lines(locale, *krs) == expected


def test_the_list_and_the_home_tab_read_the_kr_as_the_post_does() -> None:
    t = translator("en")
    kr = activated()
    [line] = post_lines("en", kr)
    listed = objective_list_entry(t, objective_view_stub(4, key_results=[kr]), NOW).to_dict()
    assert line in listed["text"]["text"]
    home = _key_result(t, kr, NOW, reader="U2").to_dict()
    assert line in home["text"]["text"]


def test_my_own_home_tab_does_not_mention_me() -> None:
    home = _key_result(translator("en"), activated(), NOW, reader="U1").to_dict()
    assert "<@" not in home["text"]["text"]
    assert "190 / 300 teams (from 120) · 38% · 🟠 At risk" in home["text"]["text"]


def footer(locale: str, **kr: float | None) -> str:
    post = build_objective_post(
        translator(locale), objective_view_stub(4, key_results=[activated(**kr)]), NOW
    )
    return post[-1].to_dict()["elements"][0]["text"]


def test_a_new_post_says_once_that_there_was_no_check_in() -> None:
    assert footer("en", current=None) == "No check-in yet"
    assert footer("fr", current=None) == "Pas encore de point d’étape"


def test_the_post_footer_explains_the_status_without_repeating_it() -> None:
    assert footer("en") == (
        "Last check-in: 0 seconds ago · Status: from progress against the time elapsed in the cycle"
    )
    french = footer("fr")
    assert french.startswith(f"Dernier point{NNBSP}: il y a 0")
    assert french.endswith(
        f" · Statut{NNBSP}: d’après l’avancement comparé au temps écoulé du cycle"
    )


# --- What a check-in changed ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "<@U2> updated `KR-1` Teams activated: 120 → 190 teams (+70)"),
        ("fr", f"<@U2> a mis à jour `KR-1` Teams activated{NNBSP}: 120 → 190 teams (+70)"),
    ],
)
def test_a_thread_line_says_what_moved_and_by_how_much(locale: str, expected: str) -> None:
    line = build_thread_line(translator(locale), kr=activated(), previous=120, author="U2", note="")
    assert line == expected


@pytest.mark.parametrize(
    ("kr", "previous", "change"),
    [
        (activated(current=100), 120, "120 → 100 teams (−20)"),
        (activated(), 190, "190 → 190 teams (no change)"),
        (activated(), None, "190 teams (first check-in)"),
        (key_result_view_stub(1, start=20, target=45, unit="%", current=25), 20,
         "20% → 25% (+5 pts)"),
        (key_result_view_stub(1, kind=KrKind.STAY_ABOVE, target=99.5, unit="%", current=99.7),
         99.6, "99.6% → 99.7% (+0.1 pts) 🛡️ holding"),
        (key_result_view_stub(1, kind=KrKind.MILESTONE, target=1, current=1), 0, "✅ Done"),
        (key_result_view_stub(1, kind=KrKind.MILESTONE, target=1, current=0), None,
         "Not done yet"),
    ],
)  # fmt: skip
def test_every_kind_of_change_reads_plainly(
    kr: KeyResultView, previous: float | None, change: str
) -> None:
    t = translator("en")
    thread = build_thread_line(t, kr=kr, previous=previous, author="U2", note="")
    assert thread.endswith(f": {change}")
    assert f": {change} · " in build_check_in_saved(t, kr, previous)


def test_a_session_of_check_ins_lists_each_change() -> None:
    results = [
        CheckInResult(key_result=activated(), previous_value=120, duplicate=False, objective_id=4),
        CheckInResult(
            key_result=key_result_view_stub(
                2, title="Launch", kind=KrKind.MILESTONE, target=1, current=1
            ),
            previous_value=0,
            duplicate=False,
            objective_id=4,
        ),
    ]
    text = build_session_thread_line(translator("en"), results=results, author="U2")
    assert text.splitlines()[1:] == [
        "• `KR-1` Teams activated: 120 → 190 teams (+70)",
        "• `KR-2` Launch: ✅ Done",
    ]


def test_the_unit_of_a_kr_line_pings_nobody() -> None:
    kr = key_result_view_stub(1, unit="<!here>", start=1, target=3, current=2)
    [line] = post_lines("en", kr)
    assert "<!here>" not in line and "&lt;!here&gt;" in line
    assert "<!here>" not in build_thread_line(
        translator("en"), kr=kr, previous=1, author="U2", note=""
    )


def test_an_old_check_in_reads_its_age() -> None:
    kr = key_result_view_stub(
        1, current=10, start=0, target=100, last_check_in_at=NOW - timedelta(days=3)
    )
    home = _key_result(translator("en"), kr, NOW, reader="U1").to_dict()
    assert "Last check-in: 3 days ago" in home["text"]["text"]
