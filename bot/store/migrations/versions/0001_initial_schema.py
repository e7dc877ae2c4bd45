"""Initial schema: subscriptions, mutes, alert deliveries, threads, poll state, actions.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("action_key", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=True),
        sa.Column("thread_ts", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "action IN ('retry', 'kill', 'kill_job')", name=op.f("ck_actions_action")
        ),
        sa.CheckConstraint(
            "state IN ('started', 'succeeded', 'failed')", name=op.f("ck_actions_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
        sa.UniqueConstraint("action_key", name=op.f("uq_actions_action_key")),
    )
    op.create_index(op.f("ix_actions_target_id"), "actions", ["target_id"], unique=False)
    op.create_index(
        op.f("ix_actions_user_id_created_at"), "actions", ["user_id", "created_at"], unique=False
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("attempt_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("project", sa.String(length=255), nullable=False),
        sa.Column("workflow", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("message_ts", sa.String(length=64), nullable=True),
        sa.Column("thread_ts", sa.String(length=64), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('failure', 'recovery', 'digest')", name=op.f("ck_alert_deliveries_kind")
        ),
        sa.CheckConstraint(
            "state IN ('claimed', 'delivered', 'failed')", name=op.f("ck_alert_deliveries_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
        sa.UniqueConstraint(
            "channel_id", "attempt_id", name=op.f("uq_alert_deliveries_channel_id_attempt_id")
        ),
    )
    op.create_index(
        op.f("ix_alert_deliveries_state_claimed_at"),
        "alert_deliveries",
        ["state", "claimed_at"],
        unique=False,
    )
    op.create_table(
        "mutes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("project", sa.String(length=255), nullable=False),
        sa.Column("workflow", sa.String(length=255), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mutes")),
        sa.UniqueConstraint(
            "channel_id", "project", "workflow", name=op.f("uq_mutes_channel_id_project_workflow")
        ),
    )
    op.create_table(
        "poll_state",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_poll_state")),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("project", sa.String(length=255), nullable=False),
        sa.Column("workflow", sa.String(length=255), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("threshold >= 1", name=op.f("ck_subscriptions_threshold_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint(
            "channel_id",
            "project",
            "workflow",
            name=op.f("uq_subscriptions_channel_id_project_workflow"),
        ),
    )
    op.create_index(
        op.f("ix_subscriptions_project_workflow"),
        "subscriptions",
        ["project", "workflow"],
        unique=False,
    )
    op.create_table(
        "threads",
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("parent_ts", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("attempt_id", sa.String(length=64), nullable=False),
        sa.Column("project", sa.String(length=255), nullable=False),
        sa.Column("workflow", sa.String(length=255), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "session_id", name=op.f("pk_threads")),
    )
    op.create_index(
        op.f("ix_threads_channel_id_parent_ts"),
        "threads",
        ["channel_id", "parent_ts"],
        unique=False,
    )
    op.create_table(
        "watched_attempts",
        sa.Column("attempt_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("project", sa.String(length=255), nullable=False),
        sa.Column("workflow", sa.String(length=255), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_watched_attempts")),
    )


def downgrade() -> None:
    op.drop_table("watched_attempts")
    op.drop_index(op.f("ix_threads_channel_id_parent_ts"), table_name="threads")
    op.drop_table("threads")
    op.drop_index(op.f("ix_subscriptions_project_workflow"), table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_table("poll_state")
    op.drop_table("mutes")
    op.drop_index(op.f("ix_alert_deliveries_state_claimed_at"), table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_index(op.f("ix_actions_user_id_created_at"), table_name="actions")
    op.drop_index(op.f("ix_actions_target_id"), table_name="actions")
    op.drop_table("actions")
