"""An ASGI app served by uvicorn on a loopback port: for the end-to-end tests and the bench."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

import uvicorn


class _SignalsLeftAlone(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn would take SIGINT/SIGTERM for itself and re-raise them after its own
        # shutdown; a caller that handles them (cancel, clean up) wants uvicorn to leave them.
        yield


@contextlib.asynccontextmanager
async def serve_asgi(
    app: Any,
    *,
    lifespan: Literal["auto", "on", "off"] = "on",
    own_signals: bool = False,
) -> AsyncIterator[str]:
    """Serve `app` on 127.0.0.1 (port chosen by the OS) and yield its base URL; stop it on exit.

    `own_signals`: the caller handles SIGINT/SIGTERM itself, so uvicorn does not capture them.
    Raises RuntimeError if uvicorn has not started within 10 s."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan=lifespan, access_log=False
    )
    server = _SignalsLeftAlone(config) if own_signals else uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 10
    while not server.started:
        if task.done() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("uvicorn did not start")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        try:
            await asyncio.wait_for(task, timeout=10)
        except TimeoutError:
            task.cancel()
