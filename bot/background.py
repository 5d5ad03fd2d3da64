"""Work that goes on after Slack has had its answer, kept track of so a stop does not drop it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from contextvars import ContextVar
from typing import Any

log = logging.getLogger(__name__)

# Set in a listener's task once it has acked: from there on its database transactions and Slack
# calls make way for the answers Slack is still waiting for (see `yield_to_answers`).
_AFTER_ACK: ContextVar[Background | None] = ContextVar("polaris_after_ack", default=None)


class Background:
    """The tasks a process started and has not finished yet.

    asyncio keeps only a weak reference to a task, so one nobody holds can be garbage-collected
    mid-flight; this set holds them until they end. `drain` is called on shutdown: a graceful
    stop lets them finish (a thread line, a post redrawn) instead of cutting them off.
    """

    # How long work after an ack defers to Slack requests still waiting for their answer.
    MAX_DEFERRAL = 0.1

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._answering = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    @contextlib.asynccontextmanager
    async def answering(self) -> AsyncIterator[None]:
        """Around each Slack request until its answer has been written."""
        self._answering += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._answering -= 1
            if not self._answering:
                self._quiet.set()

    async def after_answers(self) -> None:
        """Let the Slack requests in flight have their answers first (at most MAX_DEFERRAL
        seconds): Slack gives each 3 seconds and a person is waiting; work after an ack has
        no deadline. Yields to the event loop at least once."""
        await asyncio.sleep(0)
        if not self._quiet.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._quiet.wait(), self.MAX_DEFERRAL)

    def spawn(self, work: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self, within: float) -> None:
        """Wait up to `within` seconds for the running tasks (and those they start), then
        cancel what is left, saying so in the log."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self._tasks:
            left = deadline - loop.time()
            if left <= 0:
                names = sorted(task.get_name() for task in self._tasks)
                log.warning("stopping with %d unfinished tasks, cancelled: %s", len(names), names)
                for task in list(self._tasks):
                    task.cancel()
                await asyncio.gather(*self._tasks, return_exceptions=True)
                return
            await asyncio.wait(set(self._tasks), timeout=left)

    def after_ack(self) -> None:
        """Mark the rest of the current task (and the tasks it starts) as work after an ack."""
        _AFTER_ACK.set(self)


async def yield_to_answers() -> None:
    """In work after an ack, let the answers in flight go first; anywhere else, nothing.

    Called before each database transaction and Slack call (the hooks are installed by the
    composition root), so that a follow-up's steps queue behind the requests Slack is timing
    instead of between their steps.
    """
    background = _AFTER_ACK.get()
    if background is not None:
        await background.after_answers()
