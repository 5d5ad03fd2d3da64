"""Trend charts as PNG bytes (for `/okr northstar chart` and the weekly digest).

Rendering uses matplotlib's object API with the Agg canvas (no pyplot, so no global state and
no GUI backend) and is CPU-bound: async code renders it off the event loop, in a thread or in a
`ChartPool`'s worker processes.
Texts arrive already translated; this module knows no locale. (It imports nothing of Polaris
either, so a worker process imports only matplotlib to run it.)
"""

from __future__ import annotations

import asyncio
import functools
import io
import math
import multiprocessing
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

NAVY = "#1d2b4f"
GOLD = "#e0a526"
GREY = "#9aa3b5"


@dataclass(frozen=True)
class TrendSeries:
    """One metric to draw: a label and one value per period (None where nothing was read)."""

    label: str
    values: Sequence[float | None]
    target: float | None = None


def render_trend_chart(
    *,
    title: str,
    period_labels: Sequence[str],
    main: TrendSeries,
    inputs: Sequence[TrendSeries] = (),
    target_label: str = "",
    width_px: int = 1000,
) -> bytes:
    """A PNG: the main metric's line over the periods (with its target as a dashed line), and
    below it one small chart per input metric (at most 6).

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
    _plot(axis, period_labels, main, color=NAVY, big=True, target_label=target_label)
    axis.set_title(title, loc="left", fontsize=14, color=NAVY, fontweight="bold")
    for index, series in enumerate(shown_inputs):
        small = figure.add_subplot(grid[1 + index // 3, index % 3])
        _plot(small, period_labels, series, color=GOLD, big=False, target_label="")
        small.set_title(series.label[:48], loc="left", fontsize=9, color=NAVY)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _plot(
    axis: object,
    labels: Sequence[str],
    series: TrendSeries,
    *,
    color: str,
    big: bool,
    target_label: str,
) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axis, Axes)
    xs = list(range(len(labels)))
    ys = [math.nan if v is None else v for v in series.values]
    axis.plot(xs, ys, color=color, linewidth=2.5 if big else 1.5, marker="o", markersize=4)
    if series.target is not None:
        axis.axhline(series.target, color=GREY, linestyle="--", linewidth=1)
        if target_label:
            axis.annotate(
                target_label,
                xy=(xs[-1] if xs else 0, series.target),
                xytext=(0, 4),
                textcoords="offset points",
                ha="right",
                fontsize=9,
                color=GREY,
            )
    axis.set_xticks(xs)
    step = 1 if big else 3
    axis.set_xticklabels(
        [label if i % step == 0 else "" for i, label in enumerate(labels)],
        fontsize=8 if big else 7,
        rotation=0,
    )
    axis.tick_params(axis="y", labelsize=8 if big else 7)
    axis.grid(axis="y", color="#e5e8ef", linewidth=0.8)
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)


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
