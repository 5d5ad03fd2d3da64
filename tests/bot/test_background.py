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


async def test_work_after_an_ack_waits_for_the_answers_in_flight() -> None:
    background = Background()
    order: list[str] = []
    answer_written = asyncio.Event()

    async def request() -> None:
        async with background.answering():
            await answer_written.wait()
            order.append("answer")

    async def follow_up() -> None:
        await background.after_answers()
        order.append("follow-up")

    in_flight = asyncio.create_task(request())
    await asyncio.sleep(0)
    waiting = asyncio.create_task(follow_up())
    await asyncio.sleep(0.01)
    assert order == [], "the follow-up waits while an answer is being written"
    answer_written.set()
    await asyncio.gather(in_flight, waiting)
    assert order == ["answer", "follow-up"]


async def test_the_deferral_is_bounded(monkeypatch) -> None:
    background = Background()
    monkeypatch.setattr(Background, "MAX_DEFERRAL", 0.05)
    stuck = asyncio.Event()

    async def request() -> None:
        async with background.answering():
            await stuck.wait()

    in_flight = asyncio.create_task(request())
    await asyncio.sleep(0)
    started = asyncio.get_running_loop().time()
    await background.after_answers()
    assert asyncio.get_running_loop().time() - started < 1
    stuck.set()
    await in_flight


async def test_only_work_after_an_ack_makes_way_for_answers() -> None:
    from bot.background import yield_to_answers

    background = Background()
    finished = asyncio.Event()
    steps: list[str] = []

    async def request() -> None:
        async with background.answering():
            await finished.wait()
            steps.append("answer")

    async def listener(after_ack: bool) -> None:
        if after_ack:
            background.after_ack()
        await yield_to_answers()  # as Database.transaction and every Slack call do
        steps.append(f"step (after ack: {after_ack})")

    in_flight = asyncio.create_task(request())
    await asyncio.sleep(0)
    await asyncio.wait_for(listener(after_ack=False), 1)  # before an ack: no waiting
    follow_up = asyncio.create_task(listener(after_ack=True))
    await asyncio.sleep(0.01)
    assert steps == ["step (after ack: False)"]
    finished.set()
    await asyncio.gather(in_flight, follow_up)
    assert steps[1:] == ["answer", "step (after ack: True)"]
