"""INSERT … ON CONFLICT DO NOTHING on both backends (SQLite ≥ 3.35 and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_of(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def dialect_insert(dialect: str, table: Table) -> Any:
    """The `insert` construct of `dialect` (a name), which knows `on_conflict_do_nothing`."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def insert_statement(session: AsyncSession, table: Table) -> Any:
    """The session's dialect's own `insert` construct."""
    return dialect_insert(dialect_of(session), table)


async def insert_if_absent(
    session: AsyncSession, table: Table, values: dict[str, Any], *, conflict: Sequence[str]
) -> bool:
    """Insert one row unless one with the same `conflict` columns exists; True if inserted.

    Safe under concurrency: the database, not a prior SELECT, decides who wins.
    """
    stmt = (
        insert_statement(session, table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(conflict))
        .returning(*[table.c[name] for name in conflict[:1]])
    )
    return (await session.execute(stmt)).first() is not None


async def insert_new_id(
    session: AsyncSession,
    table: Table,
    values: dict[str, Any],
    *,
    conflict: Sequence[str] | None = None,
) -> int | None:
    """Insert one row unless a unique key already holds one: the new row's id, else None.

    `conflict` names the key's columns; without it, any unique key of the table counts.
    Safe under concurrency, as `insert_if_absent`.
    """
    stmt = (
        insert_statement(session, table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(conflict) if conflict else None)
        .returning(table.c.id)
    )
    new_id = (await session.execute(stmt)).scalar_one_or_none()
    return None if new_id is None else int(new_id)
