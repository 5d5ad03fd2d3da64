"""The digest's builders: within Slack's limits however long the lists, folded into the thread,
a quiet week of its own, the preview and the late note, in English and French."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.domain.digest import KrWeek, OwnerWeek, select_week
from bot.domain.northstar import Direction, TimeWindow
from bot.domain.progress import KrKind
from bot.domain.readings import trend
from bot.domain.status import Status
from bot.i18n import translator
from bot.services.read_models import (
    DigestModel,
    DigestPreview,
    KeyResultView,
    MetricTrend,
    NorthStarSummary,
    NorthStarView,
    ObjectiveView,
)
from handlers.ui.digest import (
    MAIN_BLOCKS_MAX,
    build_digest_post,
    build_digest_preview,
    unreachable_text,
)
from handlers.ui.digest_lines import guardrail_line, late_note
from tests.factories import key_result_view_stub, objective_view_stub, team_view_stub

UNTIL = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
SINCE = datetime(2026, 11, 16, 8, 30, tzinfo=UTC)


def rendered(blocks: list[Block]) -> list[dict[str, Any]]:
    """Every block through slack_sdk's validation, with the section limit checked too."""
    out = [b.to_dict() for b in blocks]
    for block in out:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    return out


def text_of(blocks: list[Block]) -> str:
    return json.dumps(rendered(blocks), ensure_ascii=False)  # no-break spaces as they are


def north_star_summary_stub() -> NorthStarSummary:
    team = team_view_stub()
    weekly = trend(
        [(date(2026, 11, 9), 1000.0), (date(2026, 11, 16), 1100.0)],
        window=TimeWindow.WEEK,
        today=date(2026, 11, 23),
        cycle_start=date(2026, 10, 1),
    )
    view = NorthStarView(
        id=1,
        team=team,
        name="Weekly sessions rated 4/5",
        definition="",
        unit="sessions",
        direction=Direction.HIGHER_IS_BETTER,
        window=TimeWindow.WEEK,
        target=1500.0,
        target_date=None,
        owner_user_id="U1",
        measured_since=date(2026, 1, 1),
        archetype=None,
        template=None,
        revision=1,
        revised_by="U1",
        revised_at=UNTIL,
        counter_metrics=(),
        inputs=(),
    )
    metric = MetricTrend(1, view.name, "sessions", Direction.HIGHER_IS_BETTER, "U1", weekly, ())
    activated = MetricTrend(
        2, "New users activated", "", Direction.HIGHER_IS_BETTER, "U2", weekly, ()
    )
    return NorthStarSummary(
        team=team,
        north_star=view,
        metric=metric,
        progress=0.2,
        cycle_key="2026-Q4",
        inputs=(activated,),
        health=(),
        unlinked=(),
        warnings=0,
    )


def digest_of(
    objectives: list[ObjectiveView],
    weeks: list[KrWeek],
    *,
    locale: str = "en",
    north_star: NorthStarSummary | None = None,
    empty: bool = False,
) -> DigestModel:
    krs: dict[str, KeyResultView] = {kr.label: kr for o in objectives for kr in o.key_results}
    team = replace(team_view_stub(), locale=locale)
    return DigestModel(
        team=team,
        period="2026-W48",
        since=SINCE,
        until=UNTIL,
        cycle_key="2026-Q4",
        north_star=north_star,
        objectives=tuple(objectives),
        week=select_week(weeks),
        key_results=krs,
        unlinked=tuple(objectives[:3]),
        check_ins=sum(w.checked_in_this_week for w in weeks),
        readings=0,
        empty=empty,
    )


def big_team(objectives: int) -> tuple[list[ObjectiveView], list[KrWeek]]:
    """`objectives` objectives of 4 KRs each; every KR moved, most are at risk, a third waits."""
    views: list[ObjectiveView] = []
    weeks: list[KrWeek] = []
    ref = 1
    for index in range(1, objectives + 1):
        krs = []
        for _ in range(4):
            krs.append(
                key_result_view_stub(
                    ref,
                    objective_id=index,
                    title=f"A rather long key result title number {ref} " + "x" * 60,
                    owner_user_id=f"U{ref % 13}",
                    current=40,
                    confidence=5,
                )
            )
            weeks.append(
                KrWeek(
                    key=f"KR-{ref}",
                    owner_user_id=f"U{ref % 13}",
                    progress_before=0.1,
                    progress_now=0.4,
                    status_now=Status.AT_RISK,
                    confidence_before=8,
                    confidence_now=5,
                    checked_in_this_week=ref % 3 != 0,
                    note="We lost a week to the migration " * 20,
                )
            )
            ref += 1
        views.append(
            objective_view_stub(index, key_results=krs, title=f"Objective {index} " + "y" * 80)
        )
    return views, weeks


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_sixty_objectives_fit_in_fifty_blocks_and_fold_into_the_thread(locale: str) -> None:
    objectives, weeks = big_team(60)
    digest = digest_of(objectives, weeks, locale=locale, north_star=north_star_summary_stub())
    post = build_digest_post(translator(locale), digest)
    assert len(post.main.blocks) <= MAIN_BLOCKS_MAX
    main = text_of(post.main.blocks)
    assert "O-10" in main and "*O-11*" not in main
    assert ("more in the thread" if locale == "en" else "dans le fil") in main
    assert post.thread, "the long lists fold into the thread"
    thread = " ".join(text_of(m.blocks) for m in post.thread)
    for message in post.thread:
        assert 1 <= len(message.blocks) <= 50 and message.text
    # The whole objective list with its KRs, and every waiting KR, are in the thread.
    assert "O-60" in thread and "KR-240" in thread and "KR-237" in thread


def test_a_small_team_fits_in_the_main_post_with_no_thread() -> None:
    objectives, weeks = big_team(2)
    post = build_digest_post(translator("en"), digest_of(objectives, weeks))
    assert post.thread == ()
    text = text_of(post.main.blocks)
    # KR-3 and KR-6 still wait; each of the 8 owners has one KR.
    assert "*6/8* key results checked in · *6/8* owners complete" in text
    assert "`KR-3`" in text and "`KR-6`" in text
    assert "O-1" in text and "O-2" in text and "Linked to nothing" in text


def test_the_north_star_and_its_inputs_head_the_digest() -> None:
    objectives, weeks = big_team(1)
    post = build_digest_post(
        translator("en"), digest_of(objectives, weeks, north_star=north_star_summary_stub())
    )
    text = text_of(post.main.blocks)
    assert "Weekly sessions rated 4/5" in text and "1,100 sessions" in text
    assert "+100" in text and "New users activated" in text
    assert post.main.text == "Growth · weekly digest: Weekly sessions rated 4/5 1,100 sessions"


def test_movers_drops_wins_lines() -> None:
    kr = key_result_view_stub(7, title="Weekly active teams", current=60, target=50, confidence=8)
    objective = objective_view_stub(1, key_results=[kr])
    weeks = [
        KrWeek("KR-7", "U1", 0.4, 1.0, Status.DONE, 8, 3, True, note="Legal <review> & co"),
    ]
    text = text_of(build_digest_post(translator("en"), digest_of([objective], weeks)).main.blocks)
    assert "`KR-7` Weekly active teams: 40% → 100% (+60 pts)" in text
    assert "confidence 8 → 3 · <@U1>" in text and "Legal &lt;review&gt; &amp; co" in text
    assert "target 50 reached" in text


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_a_quiet_week_keeps_its_kind_note_and_shows_where_everything_stands(locale: str) -> None:
    objectives, weeks = big_team(3)
    quiet = [KrWeek(w.key, w.owner_user_id, 0.1, 0.1, Status.AT_RISK, 5, 5, False) for w in weeks]
    digest = digest_of(
        objectives, quiet, locale=locale, empty=True, north_star=north_star_summary_stub()
    )
    post = build_digest_post(translator(locale), digest)
    assert post.thread == ()
    text = text_of(post.main.blocks)
    assert ("quiet week" if locale == "en" else "Semaine calme") in text
    assert ("No worries" if locale == "en" else "Pas d’inquiétude") in text
    assert "12" in text  # key results waiting for news
    # Where the North Star and every objective stand, even in a quiet week.
    assert "Weekly sessions rated 4/5" in text
    assert all(f"O-{n}" in text for n in (1, 2, 3))
    # No highlights: nothing moved, nobody is named.
    assert "<@U" not in text and "Moved most" not in text
    assert post.main.text.endswith("quiet week" if locale == "en" else "semaine calme")


def test_a_guardrail_is_held_or_breached_never_a_mover_or_a_win() -> None:
    churn = key_result_view_stub(
        4, title="Churn", kind=KrKind.STAY_BELOW, target=5, current=3, unit="%"
    )
    uptime = key_result_view_stub(
        5, title="Uptime", kind=KrKind.STAY_ABOVE, target=99, current=97, unit="%"
    )
    objective = objective_view_stub(1, key_results=[churn, uptime])
    weeks = [
        # First check-ins of both: from "no data" (0) to held (1) and breached (0).
        KrWeek("KR-4", "U1", 0.0, 1.0, Status.ON_TRACK, None, 8, True, guardrail=True),
        KrWeek("KR-5", "U2", 0.0, 0.0, Status.OFF_TRACK, None, None, True, guardrail=True),
    ]
    post = build_digest_post(translator("en"), digest_of([objective], weeks))
    text = text_of(post.main.blocks)
    assert "Moved most" not in text and "Wins" not in text and "At risk" not in text
    assert "`KR-5` Uptime: breached (97%) · <@U2>" in text
    assert "`KR-4` Churn: held (3%)" in text
    assert text.index("KR-5") < text.index("KR-4"), "breached first"
    french = text_of(build_digest_post(translator("fr"), digest_of([objective], weeks)).main.blocks)
    assert "non tenu" in french and "tenu (3" in french
    line = guardrail_line(translator("fr"), digest_of([objective], weeks), weeks[1])
    assert "`KR-5` Uptime\u202f: non tenu (97\xa0%)" in line


def test_the_change_is_computed_from_the_rounded_percentages_shown() -> None:
    kr = key_result_view_stub(8, title="Signed contracts", current=38.5, target=100)
    weeks = [KrWeek("KR-8", "U1", 0.004, 0.385, Status.ON_TRACK, None, 8, True)]
    text = text_of(
        build_digest_post(
            translator("en"), digest_of([objective_view_stub(1, key_results=[kr])], weeks)
        ).main.blocks
    )
    assert "0% → 38% (+38 pts)" in text


def test_someone_who_skipped_is_counted_never_named() -> None:
    objective = objective_view_stub(
        1,
        key_results=[
            key_result_view_stub(1, owner_user_id="U1"),
            key_result_view_stub(2, owner_user_id="U2"),
            key_result_view_stub(3, owner_user_id="U3"),
        ],
    )
    weeks = [
        KrWeek("KR-1", "U1", 0.2, 0.3, Status.ON_TRACK, 7, 7, True),
        KrWeek("KR-2", "U2", 0.2, 0.2, Status.ON_TRACK, 7, 7, False, owner_week=OwnerWeek.SKIPPED),
        KrWeek("KR-3", "U3", 0.2, 0.2, Status.ON_TRACK, 7, 7, False, owner_week=OwnerWeek.AWAY),
    ]
    text = text_of(build_digest_post(translator("en"), digest_of([objective], weeks)).main.blocks)
    assert "*1/3* key results checked in · *1/3* owners complete" in text
    assert "1 owner skipped this week, 1 owner away" in text
    assert "<@U2>" not in text and "<@U3>" not in text
    assert "Still waiting" not in text


@pytest.mark.parametrize(
    ("locale", "check_in", "digest_at"),
    [
        ("en", "Friday, Nov 27 at 10:00\u202fAM", "Monday, Nov 30 at 9:30\u202fAM"),
        ("fr", "vendredi 27 nov. à 10\u00a0h", "lundi 30 nov. à 9\u00a0h\u00a030"),
    ],
)
def test_a_new_teams_first_digest_is_a_kick_off(locale: str, check_in: str, digest_at: str) -> None:
    objectives, weeks = big_team(2)
    quiet = [
        KrWeek(w.key, w.owner_user_id, 0.0, 0.0, Status.NOT_STARTED, None, None, False)
        for w in weeks
    ]
    digest = replace(
        digest_of(
            objectives, quiet, locale=locale, empty=True, north_star=north_star_summary_stub()
        ),
        first=True,
        next_check_in_at=datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
        next_digest_at=datetime(2026, 11, 30, 8, 30, tzinfo=UTC),
    )
    post = build_digest_post(translator(locale), digest)
    text = text_of(post.main.blocks)
    assert "quiet" not in text and "calme" not in text
    assert "kick-off" in text or "lancement" in text
    assert (
        "2 objectives and 8 key results" if locale == "en" else "2 objectifs et 8 résultats clés"
    ) in text
    assert "Weekly sessions rated 4/5" in text
    assert check_in in text and digest_at in text
    assert "O-1" in text and "O-2" in text


def test_the_late_note_says_when_it_was_due_on_the_team_clock() -> None:
    objectives, weeks = big_team(1)
    post = build_digest_post(translator("en"), digest_of(objectives, weeks), late_since=UNTIL)
    assert "Posted late" in text_of(post.main.blocks)
    assert "due Monday, Nov 23 at 9:30\u202fAM," in late_note(
        translator("en"), UNTIL, "Europe/Paris"
    )
    assert "prévu lundi 23 nov. à 9\u00a0h\u00a030," in late_note(
        translator("fr"), UNTIL, "Europe/Paris"
    )


def test_the_preview_is_the_same_post_marked_private() -> None:
    objectives, weeks = big_team(60)
    digest = digest_of(objectives, weeks)
    preview = build_digest_preview(
        translator("en"),
        DigestPreview(digest=digest, next_at=datetime(2026, 11, 30, 8, 30, tzinfo=UTC)),
    )
    assert len(preview.blocks) <= 50
    text = text_of(preview.blocks)
    assert "*Preview*, only you can see it" in text and "Monday, Nov 30 at 9:30\u202fAM" in text
    assert text_of(build_digest_post(translator("en"), digest).main.blocks)[1:-1] in text


def test_the_lead_learns_how_to_invite_the_bot() -> None:
    text = unreachable_text(
        translator("en"), team="Growth", channel_id="C9", error="channel_not_found"
    )
    assert "`/invite @Polaris`" in text and "<#C9>" in text
    assert "archived" in unreachable_text(
        translator("en"), team="G", channel_id="C9", error="is_archived"
    )


def test_the_preview_speaks_to_its_reader_and_shows_the_post_as_the_channel_will_read_it() -> None:
    """A French team's digest previewed by someone who reads English."""
    objectives, weeks = big_team(1)
    digest = digest_of(objectives, weeks, locale="fr")
    preview = build_digest_preview(
        translator("en"),
        DigestPreview(digest=digest, next_at=datetime(2026, 11, 30, 8, 30, tzinfo=UTC)),
        t_team=translator("fr"),
    )
    text = text_of(preview.blocks)
    assert "*Preview*, only you can see it. The next digest is due Monday, Nov 30" in text
    assert text_of(build_digest_post(translator("fr"), digest).main.blocks)[1:-1] in text
    assert preview.text.startswith("Preview: ") and "bilan" in preview.text
