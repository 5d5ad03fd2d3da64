"""bot.background: tasks kept until they end, waited for on shutdown."""

from __future__ import annotations

import asyncio
import logging

from bot.background import Background


async def test_drain_waits_for_tasks_and_for_those_they_start() -> None:
    background = Background()
    done: list[str] = []

    async def child() -> None:
        await asyncio.sleep(0.05)
        done.append("child")

    async def parent() -> None:
        await asyncio.sleep(0.01)
        background.spawn(child(), name="child")
        done.append("parent")

    background.spawn(parent(), name="parent")
    assert background.pending == 1
    await background.drain(within=5)
    assert done == ["parent", "child"]
    assert background.pending == 0


async def test_drain_cancels_what_outlives_the_timeout(caplog) -> None:
    background = Background()
    cancelled = asyncio.Event()

    async def forever() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    background.spawn(forever(), name="stuck-listener")
    with caplog.at_level(logging.WARNING, logger="bot.background"):
        await background.drain(within=0.05)
    assert cancelled.is_set()
    assert background.pending == 0
    assert "stuck-listener" in caplog.text


async def test_a_failed_task_does_not_stop_the_drain() -> None:
    background = Background()

    async def fails() -> None:
        raise RuntimeError("boom")

    task = background.spawn(fails(), name="fails")
    await background.drain(within=1)
    assert task.done() and isinstance(task.exception(), RuntimeError)
