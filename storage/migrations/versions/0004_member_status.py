"""member status: the Slack profile status of a member (out of office)

Revision ID: 0004_member_status
Revises: 0003
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_member_status"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_emoji", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("status_text", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("status_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("dnd_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("dnd_until")
        batch_op.drop_column("status_expires_at")
        batch_op.drop_column("status_text")
        batch_op.drop_column("status_emoji")
