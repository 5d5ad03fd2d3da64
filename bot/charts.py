"""Trend charts as PNG bytes (for `/okr northstar chart` and the weekly digest).

Rendering uses matplotlib's object API with the Agg canvas (no pyplot, so no global state and
no GUI backend) and is CPU-bound: async code renders it off the event loop, in a thread or in a
`ChartPool`'s worker processes.
Texts arrive already translated, and numbers are written by the caller's `format_number` (a
`Translator`'s, for the reader's locale): this module knows no locale, and imports nothing of
Polaris either, so a worker process imports only matplotlib (and what `format_number` needs).
"""

from __future__ import annotations

import asyncio
import functools
import io
import itertools
import math
import multiprocessing
import os
import textwrap
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import Formatter

NAVY = "#1d2b4f"
GOLD = "#e0a526"
GREY = "#9aa3b5"
#: A target this far outside the data's range (in spans of the data) is not drawn on the axis,
#: which would flatten the line into its bottom: it is named in a corner, with the distance.
NEAR_TARGET = 0.25
TITLE_CHARS = 80  # wider titles wrap: the figure's width is fixed, nothing may be cut
INPUT_TITLE_CHARS = 40

#: Writes a number for the reader: `format_number(5000.0, digits=0)` → `5,000` or `5 000`.
NumberFormat = Callable[..., str]


@dataclass(frozen=True)
class TrendSeries:
    """One metric to draw: a label and one value per period (None where nothing was read)."""

    label: str
    values: Sequence[float | None]
    target: float | None = None


def render_trend_chart(**arguments: Any) -> bytes:
    """The PNG of `draw_trend_chart(**arguments)`."""
    figure = draw_trend_chart(**arguments)
    buffer = io.BytesIO()
    # Constrained layout places the panels; the tight box is the belt: no label is ever cut.
    figure.savefig(buffer, format="png", dpi=figure.dpi, bbox_inches="tight", pad_inches=0.15)
    return buffer.getvalue()


def draw_trend_chart(
    *,
    title: str,
    period_labels: Sequence[str],
    main: TrendSeries,
    inputs: Sequence[TrendSeries] = (),
    target_label: str = "",
    empty_label: str = "",
    format_number: NumberFormat | None = None,
    width_px: int = 1000,
) -> Figure:
    """The figure: the main metric's line over the periods, scaled to its values, and below
    it one small chart per input metric (at most 6). A target near the values is a dashed
    line with `target_label`; a far one is `target_label` in a corner, pointing at it. A
    series without any value shows `empty_label` instead of empty axes. `format_number`
    writes the values of the y axis.

    Every series must have one value per entry of `period_labels`; gaps (None) break the line.
    Raises ValueError on a length mismatch.
    """
    for series in (main, *inputs):
        if len(series.values) != len(period_labels):
            raise ValueError(
                f"{series.label!r} has {len(series.values)} values for {len(period_labels)} periods"
            )
    # Imported here, not at the top: matplotlib costs a second or two to import, and every
    # process (`polaris tick`, each web worker) would pay it whether it draws a chart or not.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    shown_inputs = list(inputs)[:6]
    rows_of_inputs = math.ceil(len(shown_inputs) / 3)
    dpi = 100
    height_px = 420 + 220 * rows_of_inputs
    figure = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(1 + rows_of_inputs, 3, height_ratios=[2] + [1] * rows_of_inputs)
    axis = figure.add_subplot(grid[0, :])
    _plot(axis, period_labels, main, NAVY, True, target_label, empty_label, format_number)
    axis.set_title(
        textwrap.fill(_plain(title), TITLE_CHARS),
        loc="left",
        fontsize=14,
        color=NAVY,
        fontweight="bold",
    )
    for index, series in enumerate(shown_inputs):
        small = figure.add_subplot(grid[1 + index // 3, index % 3])
        _plot(small, period_labels, series, GOLD, False, "", empty_label, format_number)
        label = textwrap.shorten(series.label, INPUT_TITLE_CHARS, placeholder="…")
        small.set_title(_plain(label), loc="left", fontsize=9, color=NAVY)
    return figure


def _plain(text: str) -> str:
    """Text as typed: matplotlib reads `$…$` as mathematics (`Revenue ($)`, `$ per user`)."""
    return text.replace("$", r"\$")


def _plot(
    axis: Axes,
    labels: Sequence[str],
    series: TrendSeries,
    color: str,
    big: bool,
    target_label: str,
    empty_label: str,
    format_number: NumberFormat | None,
) -> None:
    xs = list(range(len(labels)))
    values = [v for v in series.values if v is not None]
    axis.set_xticks(xs)
    step = 1 if big else 3
    axis.set_xticklabels(
        [label if i % step == 0 else "" for i, label in enumerate(labels)],
        fontsize=8 if big else 7,
        rotation=0,
    )
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
    if not values:  # meaningless axes (−0.04 … 0.04) would say nothing: say that
        axis.set_xticks([])
        axis.set_yticks([])
        for side in ("left", "bottom"):
            axis.spines[side].set_visible(False)
        axis.text(
            0.5,
            0.5,
            _plain(empty_label),
            transform=axis.transAxes,
            ha="center",
            va="center",
            fontsize=11 if big else 9,
            color=GREY,
        )
        return
    ys = [math.nan if v is None else v for v in series.values]
    axis.plot(xs, ys, color=color, linewidth=2.5 if big else 1.5, marker="o", markersize=4)
    axis.margins(x=0.03, y=0.18)
    if series.target is not None and target_label:
        _target(axis, values, series.target, _plain(target_label))
    if format_number is not None:  # the reader's numbers on the axis: `5 000`, `0,04`
        axis.yaxis.set_major_formatter(_locale_formatter(format_number))
    axis.tick_params(axis="y", labelsize=8 if big else 7)
    axis.grid(axis="y", color="#e5e8ef", linewidth=0.8)


def _target(axis: Axes, values: Sequence[float], target: float, label: str) -> None:
    """The target as a dashed line when it is near the values; else named in the corner on
    its side (above: top left, where a rising line starts low), so the axis keeps the line's
    shape."""
    low, high = min(values), max(values)
    span = (high - low) or (abs(high) * 0.1) or 1.0
    if low - NEAR_TARGET * span <= target <= high + NEAR_TARGET * span:
        axis.axhline(target, color=GREY, linestyle="--", linewidth=1)
        axis.annotate(
            label,
            xy=(1.0, target),
            xycoords=("axes fraction", "data"),
            xytext=(0, 4),
            textcoords="offset points",
            ha="right",
            fontsize=9,
            color=GREY,
        )
        return
    above = target > high
    axis.text(
        0.01,
        0.97 if above else 0.03,
        ("↑ " if above else "↓ ") + label,
        transform=axis.transAxes,
        ha="left",
        va="top" if above else "bottom",
        fontsize=10,
        color=NAVY,
        bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": GREY, "alpha": 0.9},
    )


def _decimals(ticks: Sequence[float]) -> int:
    """The fewest decimals that tell these ticks apart: 0 for 1,000 / 1,500, 4 for 0.0325."""
    steps = [abs(b - a) for a, b in itertools.pairwise(ticks) if b != a]
    step = min(steps, default=0.01)
    for digits in range(8):
        scaled = step * 10**digits
        if abs(scaled - round(scaled)) < 1e-6 * max(1.0, scaled):
            return digits
    return 8


def _locale_formatter(format_number: NumberFormat) -> Formatter:
    """The y axis's numbers written by `format_number`, with as many decimals as the step
    between the ticks drawn needs (known only when they are: the layout picks how many)."""
    from matplotlib.ticker import Formatter

    class LocaleFormatter(Formatter):
        def __call__(self, x: float, pos: int | None = None) -> str:
            return str(format_number(x, digits=2))

        def format_ticks(self, values: Sequence[float]) -> list[str]:
            digits = _decimals(list(values))
            return [str(format_number(v, digits=digits)) for v in values]

    return LocaleFormatter()


class ChartPool:
    """Renders charts in worker processes, for many charts in a row (the weekly digests).

    matplotlib holds the GIL for about a third of a second per chart: in a thread, a Monday
    with a hundred charts would starve the event loop and delay every other team's digest. A
    process renders them on another core. The pool starts with the first chart (spawned, so it
    inherits no event loop, thread or connection), is restarted if a worker dies, and is shut
    down by `close`. Starting it costs a second or more, which one chart asked for by a person
    should not wait: that one is drawn in a thread.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or max(1, min(2, (os.cpu_count() or 2) - 1))
        self._pool: ProcessPoolExecutor | None = None

    async def render(self, arguments: Mapping[str, Any]) -> bytes:
        """The PNG of `render_trend_chart(**arguments)`."""
        if self._pool is None:
            # Charts are a follow-up: on a busy machine, the posts get the CPU first. (A
            # builtin, so the worker imports nothing but matplotlib to run it.)
            nice: dict[str, Any] = (
                {"initializer": os.nice, "initargs": (10,)} if hasattr(os, "nice") else {}
            )
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"), **nice
            )
        call = functools.partial(render_trend_chart, **arguments)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, call)
        except BrokenProcessPool:
            self._pool = None
            raise

    def close(self) -> None:
        """Stop the workers once the charts they are drawing are done."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
