"""Replica-safe Slack event de-duplication and rate limits; an index for the audit prune.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_events",
        sa.Column("event_key", sa.String(length=255), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_key", name=op.f("pk_slack_events")),
    )
    op.create_index(op.f("ix_slack_events_seen_at"), "slack_events", ["seen_at"], unique=False)
    op.create_table(
        "rate_limits",
        sa.Column("bucket_key", sa.String(length=255), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bucket_key", name=op.f("pk_rate_limits")),
    )
    op.create_index(op.f("ix_rate_limits_ready_at"), "rate_limits", ["ready_at"], unique=False)
    op.create_index(op.f("ix_actions_created_at"), "actions", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_actions_created_at"), table_name="actions")
    op.drop_index(op.f("ix_rate_limits_ready_at"), table_name="rate_limits")
    op.drop_table("rate_limits")
    op.drop_index(op.f("ix_slack_events_seen_at"), table_name="slack_events")
    op.drop_table("slack_events")
