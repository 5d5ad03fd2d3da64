"""Engines and transactions: one async engine per process, one transaction per use case."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 5000


def async_url(database_url: str) -> URL:
    """The async-driver URL for a DATABASE_URL (`sqlite:///…` → aiosqlite, `postgresql://…`
    → psycopg 3)."""
    url = make_url(database_url.replace("postgres://", "postgresql://", 1))
    if url.get_backend_name() == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    return url.set(drivername="postgresql+psycopg")


def sync_url(database_url: str) -> URL:
    """The blocking-driver URL for the same database (Alembic runs migrations synchronously)."""
    url = make_url(database_url.replace("postgres://", "postgresql://", 1))
    if url.get_backend_name() == "sqlite":
        return url.set(drivername="sqlite")
    return url.set(drivername="postgresql+psycopg")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers go on while one writer commits; busy_timeout makes a second writer wait
    # instead of failing at once with "database is locked"; SQLite ignores foreign keys unless told.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def install_sqlite_pragmas(engine: Any) -> None:
    """Apply Polaris's SQLite settings to every new connection of a (sync) engine."""
    event.listen(engine, "connect", _sqlite_pragmas)


def create_engine(database_url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An async engine configured for the backend of `database_url`."""
    url = async_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url)
        install_sqlite_pragmas(engine.sync_engine)
        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def unreachable_reason(error: DBAPIError) -> str:
    """Why the database could not be reached, in one line: the driver's first line (its
    message goes on with hints, the SQL and a link, which a log line or an answer can do
    without)."""
    message = str(error.orig).strip() if error.orig is not None else ""
    return message.splitlines()[0] if message else type(error).__name__


class Database:
    """The unit of work factory handed to services.

    `async with db.transaction() as session:` commits on success and rolls back on any
    exception, so a use case never leaves a half-written change behind.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        before_transaction: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.engine = engine
        # Awaited before each transaction begins (the app passes bot.background's
        # yield_to_answers, which lets Slack's pending answers go first).
        self._before_transaction = before_transaction
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        # SQLite has one writer at a time; a second one sleeps in SQLite's busy handler with
        # growing back-offs (seconds of tail latency under load). Queueing transactions on an
        # asyncio lock instead hands the database over as soon as it is free. (Transactions
        # are never nested, so the lock cannot deadlock a task.)
        self._serial = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        if self._before_transaction is not None:
            await self._before_transaction()
        if self._serial is None:
            async with self._sessions() as session, session.begin():
                yield session
            return
        async with self._serial, self._sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
