"""Work that goes on after Slack has had its answer, kept track of so a stop does not drop it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Background:
    """The tasks a process started and has not finished yet.

    asyncio keeps only a weak reference to a task, so one nobody holds can be garbage-collected
    mid-flight; this set holds them until they end. `drain` is called on shutdown: a graceful
    stop lets them finish (a thread line, a post redrawn) instead of cutting them off.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

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
