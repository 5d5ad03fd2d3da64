"""Test databases: SQLite files by default, PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import uuid

import psycopg
from sqlalchemy.engine import make_url

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def on_postgresql() -> bool:
    return bool(TEST_DATABASE_URL)


def _admin_conninfo(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def create_pg_database(prefix: str = "polaris_test") -> str:
    """A new empty database on the TEST_DATABASE_URL server; returns its URL."""
    assert TEST_DATABASE_URL
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_admin_conninfo(TEST_DATABASE_URL), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    assert TEST_DATABASE_URL
    name = make_url(url).database
    with psycopg.connect(_admin_conninfo(TEST_DATABASE_URL), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
