"""A TCP proxy on loopback that a test can cut and restore: the database going away and back.

`cut()` closes every proxied connection and stops listening, so new connections are refused at
once (as when PostgreSQL is down and its port closed); `restore()` listens again on the same
port, so the app reconnects with the URL it was given::

    async with tcp_proxy("127.0.0.1", 5432) as proxy:
        url = proxy.database_url(postgresql_url)
        ...
        await proxy.cut()
        ...
        await proxy.restore()
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.engine import make_url

CHUNK = 65536


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0  # chosen by the OS at the first start, kept on restore
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._pipes: set[asyncio.Task[None]] = set()

    @property
    def listening(self) -> bool:
        return self._server is not None

    def database_url(self, url: str) -> str:
        """`url` going through the proxy."""
        return make_url(url).set(host="127.0.0.1", port=self.port).render_as_string(False)

    async def restore(self) -> None:
        """Listen (again) on the proxy's port."""
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Close every connection and refuse new ones until `restore`."""
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def _accept(self, client_in: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        try:
            server_in, server = await asyncio.open_connection(*self.target)
        except OSError:
            client.transport.abort()
            return
        self._writers |= {client, server}
        for source, sink in ((client_in, server), (server_in, client)):
            pipe = asyncio.create_task(self._pipe(source, sink))
            self._pipes.add(pipe)
            pipe.add_done_callback(self._pipes.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(CHUNK):
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(sink)
            with contextlib.suppress(ConnectionError, OSError):
                sink.close()


@contextlib.asynccontextmanager
async def tcp_proxy(target_host: str, target_port: int) -> AsyncIterator[TcpProxy]:
    """A started proxy to the target, cut on exit."""
    proxy = TcpProxy(target_host, target_port)
    await proxy.restore()
    try:
        yield proxy
    finally:
        if proxy.listening:
            await proxy.cut()
