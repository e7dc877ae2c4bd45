"""Outcome watches: attempts started from Slack, whose end is posted in their thread once;
and `backfill` among the audited actions.

Revision ID: 0004
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


_ACTIONS = "'retry', 'kill', 'kill_job'"


def _actions_check(values: str) -> None:
    # SQLite cannot alter a constraint: batch mode copies the table with the new one.
    with op.batch_alter_table("actions") as batch:
        batch.drop_constraint(op.f("ck_actions_action"), type_="check")
        batch.create_check_constraint("action", f"action IN ({values})")


def upgrade() -> None:
    _actions_check(_ACTIONS + ", 'backfill'")
    op.create_table(
        "outcome_watches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("attempt_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("thread_ts", sa.String(length=64), nullable=False),
        sa.Column("started_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_watches")),
        sa.UniqueConstraint(
            "attempt_id",
            "channel_id",
            "thread_ts",
            name=op.f("uq_outcome_watches_attempt_id_channel_id_thread_ts"),
        ),
    )
    op.create_index(
        op.f("ix_outcome_watches_posted_at_created_at"),
        "outcome_watches",
        ["posted_at", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.execute("DELETE FROM actions WHERE action = 'backfill'")
    _actions_check(_ACTIONS)
    op.drop_index(op.f("ix_outcome_watches_posted_at_created_at"), table_name="outcome_watches")
    op.drop_table("outcome_watches")
