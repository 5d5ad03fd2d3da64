"""Test databases: SQLite files by default, PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest
from sqlalchemy.engine import make_url

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
#: Where the tests that need PostgreSQL whatever the suite runs on look when
#: TEST_DATABASE_URL is not set (the CI machine always has a server there).
LOCAL_POSTGRESQL_URL = "postgresql://postgres@127.0.0.1:5432/test"


def on_postgresql() -> bool:
    return bool(TEST_DATABASE_URL)


def _admin_conninfo(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def create_pg_database(prefix: str = "polaris_test", *, server: str | None = None) -> str:
    """A new empty database on the `server` (default TEST_DATABASE_URL); returns its URL."""
    server = server or TEST_DATABASE_URL
    assert server
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_admin_conninfo(server), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str, *, server: str | None = None) -> None:
    server = server or TEST_DATABASE_URL
    assert server
    with psycopg.connect(_admin_conninfo(server), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def postgresql_server() -> str:
    """The PostgreSQL server of a test that needs one even when the suite runs on SQLite:
    TEST_DATABASE_URL, else the local default. None reachable fails the test (never a skip:
    what it proves would silently go unproven)."""
    server = TEST_DATABASE_URL or LOCAL_POSTGRESQL_URL
    try:
        psycopg.connect(_admin_conninfo(server), connect_timeout=5).close()
    except psycopg.OperationalError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        pytest.fail(
            f"this test needs PostgreSQL: none reachable at {server} ({first}); "
            "start one or set TEST_DATABASE_URL",
            pytrace=False,
        )
    return server
