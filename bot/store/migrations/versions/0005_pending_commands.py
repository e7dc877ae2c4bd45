"""Slash commands acked but not answered yet, so another replica can answer them.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_commands",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("response_url", sa.String(length=2000), nullable=False),
        sa.Column("text", sa.String(length=4000), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_commands")),
    )
    op.create_index(
        op.f("ix_pending_commands_taken_at"), "pending_commands", ["taken_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_pending_commands_taken_at"), table_name="pending_commands")
    op.drop_table("pending_commands")
