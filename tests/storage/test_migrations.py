"""Alembic is the only way the schema changes: upgrade from empty, and models == migrations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

from storage.database import sync_url
from storage.migrate import current_revision, head_revision, upgrade
from tests.databases import create_pg_database, drop_pg_database, on_postgresql


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    if on_postgresql():
        url = create_pg_database("polaris_migrate")
        yield url
        drop_pg_database(url)
    else:
        yield f"sqlite:///{tmp_path / 'empty.db'}"


def test_upgrade_from_empty_reaches_head(empty_database: str) -> None:
    assert current_revision(empty_database) is None
    upgrade(empty_database)
    assert current_revision(empty_database) == head_revision()
    engine = create_engine(sync_url(empty_database))
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(SQLModel.metadata.tables) <= tables


def test_upgrade_twice_is_harmless(empty_database: str) -> None:
    upgrade(empty_database)
    upgrade(empty_database)
    assert current_revision(empty_database) == head_revision()


def test_models_and_migrations_agree(empty_database: str) -> None:
    """A model change without its migration fails here (autogenerate finds a difference)."""
    upgrade(empty_database)
    engine = create_engine(sync_url(empty_database))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert differences == []
