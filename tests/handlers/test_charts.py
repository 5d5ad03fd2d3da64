"""The North Star chart, read at a glance: scaled to the data (a far target is an annotation
with the distance to go, not an axis that flattens the rise), the latest value and its change
in the title, the reader's number formats on the axis, and an empty input panel that says so."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bot.charts import ChartPool, draw_trend_chart, render_trend_chart
from bot.domain.northstar import Direction, TimeWindow
from bot.domain.readings import trend
from bot.i18n import translator
from bot.services.read_models import MetricTrend, NorthStarSummary, NorthStarView
from handlers.jobs.charts import chart_arguments, chart_title, target_label
from tests.factories import team_view_stub

TODAY = date(2026, 11, 23)
WEEKS = [TODAY - timedelta(weeks=11 - i) for i in range(12)]


def rising_summary(locale: str = "en", *, target: float | None = 5000.0) -> NorthStarSummary:
    """A North Star up 48 % in twelve weeks (1,000 → 1,480 sessions), its target far above;
    one input read in small decimals, one never read."""
    team = replace(team_view_stub(), locale=locale)
    sessions = [1000.0 + 480.0 * i / 11 for i in range(12)]
    sessions[-2] = 1400.0
    weekly = trend(
        list(zip(WEEKS, sessions, strict=True)),
        window=TimeWindow.WEEK,
        today=TODAY,
        cycle_start=date(2026, 10, 1),
    )
    share = trend(
        [(day, 0.031 + 0.0015 * i) for i, day in enumerate(WEEKS)],
        window=TimeWindow.WEEK,
        today=TODAY,
        cycle_start=date(2026, 10, 1),
    )
    unread = trend([], window=TimeWindow.WEEK, today=TODAY, cycle_start=date(2026, 10, 1))
    view = NorthStarView(
        id=1,
        team=team,
        name="Weekly sessions rated 4/5",
        definition="",
        unit="sessions",
        direction=Direction.HIGHER_IS_BETTER,
        window=TimeWindow.WEEK,
        target=target,
        target_date=None,
        owner_user_id="U1",
        measured_since=date(2026, 1, 1),
        archetype=None,
        template=None,
        revision=1,
        revised_by="U1",
        revised_at=datetime(2026, 11, 23, tzinfo=UTC),
        counter_metrics=(),
        inputs=(),
    )
    up = Direction.HIGHER_IS_BETTER
    return NorthStarSummary(
        team=team,
        north_star=view,
        metric=MetricTrend(1, view.name, "sessions", up, "U1", weekly, ()),
        progress=0.1,
        cycle_key="2026-Q4",
        inputs=(
            MetricTrend(2, "Sessions per active user", "", up, "U2", share, ()),
            MetricTrend(3, "New users activated", "", up, "U2", unread, ()),
        ),
        health=(),
        unlinked=(),
        warnings=0,
    )


def save(png: bytes, path: Path) -> Path:
    path.write_bytes(png)
    return path


def drawn(locale: str, summary: NorthStarSummary) -> Figure:
    figure = draw_trend_chart(**chart_arguments(translator(locale), summary))
    figure.canvas.draw()  # ticks and their labels are chosen when drawn
    return figure


def labels(axis: Axes) -> list[str]:
    return [label.get_text() for label in axis.get_yticklabels() if label.get_text()]


@pytest.mark.parametrize(
    ("locale", "latest", "change", "to_go", "ticks", "small_tick", "empty"),
    [
        ("en", "1,480 sessions", "+80 (+6%) in a week", "3,520 sessions to go",
         {"1,000", "1,400"}, "0.04", "No readings yet"),
        ("fr", "1\u202f480 sessions", "+80 (+6\u00a0%) en une semaine",
         "encore 3\u202f520 sessions", {"1\u202f000", "1\u202f400"}, "0,04",
         "Pas encore de mesure"),
    ],
)  # fmt: skip
def test_a_rising_north_star_looks_like_it_is_rising(
    tmp_path: Path,
    locale: str,
    latest: str,
    change: str,
    to_go: str,
    ticks: set[str],
    small_tick: str,
    empty: str,
) -> None:
    summary = rising_summary(locale)
    figure = drawn(locale, summary)
    main, share, unread = figure.axes
    low, high = main.get_ylim()
    assert (1480 - 1000) / (high - low) > 0.5, "the axis hugs the data, not the far target"
    assert high < 5000 and not any(len(set(line.get_ydata())) == 1 for line in main.lines)
    [target] = [text.get_text() for text in main.texts]
    assert to_go in target and target.startswith("↑ ")
    title = main.get_title(loc="left")
    assert latest in title and change in title
    assert ticks <= set(labels(main)), labels(main)
    assert small_tick in labels(share), labels(share)
    assert [text.get_text() for text in unread.texts] == [empty]
    assert labels(unread) == []
    # The PNG as Slack gets it, kept with the test's files for a look.
    png = render_trend_chart(**chart_arguments(translator(locale), summary))
    assert save(png, tmp_path / f"north-star-{locale}.png").stat().st_size > 10_000


def test_a_near_target_is_a_line_on_the_axis() -> None:
    figure = drawn("en", rising_summary(target=1600.0))
    main = figure.axes[0]
    assert main.get_ylim()[1] >= 1600
    assert any(set(line.get_ydata()) == {1600.0} for line in main.lines)
    [target] = [text.get_text() for text in main.texts]
    assert target == "Target 1,600 sessions: 120 sessions to go"


def test_a_target_passed_is_reached_and_without_target_nothing_is_said() -> None:
    reached = rising_summary("fr", target=1200.0)
    assert target_label(translator("fr"), reached) == "Cible 1\u202f200 sessions atteinte"
    assert target_label(translator("en"), rising_summary(target=None)) == ""


def test_a_north_star_without_readings_says_so_instead_of_empty_axes() -> None:
    summary = rising_summary()
    unread = summary.inputs[1]
    empty = replace(summary, metric=replace(summary.metric, trend=unread.trend), inputs=())
    figure = drawn("en", empty)
    [main] = figure.axes
    assert "No readings yet" in [text.get_text() for text in main.texts]
    assert chart_title(translator("en"), empty) == "Weekly sessions rated 4/5"


async def test_a_worker_process_draws_it_with_the_readers_numbers(tmp_path: Path) -> None:
    """The pool pickles the arguments, the Translator's number format with them."""
    pool = ChartPool(workers=1)
    try:
        png = await pool.render(chart_arguments(translator("fr"), rising_summary("fr")))
    finally:
        pool.close()
    assert png.startswith(b"\x89PNG")
