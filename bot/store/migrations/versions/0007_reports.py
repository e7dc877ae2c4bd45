"""Reports: the cache of TD's attempt history, report schedules and their posts.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_attempts",
        sa.Column("attempt_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("attempt_index", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(length=255), nullable=False),
        sa.Column("workflow", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_report_attempts")),
    )
    op.create_index(
        op.f("ix_report_attempts_project_workflow_session_id_attempt_id"),
        "report_attempts",
        ["project", "workflow", "session_id", "attempt_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_report_attempts_created_at"), "report_attempts", ["created_at"], unique=False
    )
    op.create_table(
        "report_feeds",
        sa.Column("project", sa.String(length=255), nullable=False),
        sa.Column("workflow", sa.String(length=255), nullable=False),
        sa.Column("top_id", sa.BigInteger(), nullable=False),
        sa.Column("bottom_id", sa.BigInteger(), nullable=False),
        sa.Column("covered_since", sa.BigInteger(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project", "workflow", name=op.f("pk_report_feeds")),
    )
    op.create_table(
        "report_schedules",
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("cadence", sa.String(length=16), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "cadence IN ('daily', 'weekly')", name=op.f("ck_report_schedules_cadence")
        ),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_report_schedules")),
    )
    op.create_table(
        "report_posts",
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("slot", sa.String(length=32), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_ts", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("channel_id", "slot", name=op.f("pk_report_posts")),
    )
    op.create_index(
        op.f("ix_report_posts_posted_at_planned_at"),
        "report_posts",
        ["posted_at", "planned_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_report_posts_posted_at_planned_at"), table_name="report_posts")
    op.drop_table("report_posts")
    op.drop_table("report_schedules")
    op.drop_table("report_feeds")
    op.drop_index(op.f("ix_report_attempts_created_at"), table_name="report_attempts")
    op.drop_index(
        op.f("ix_report_attempts_project_workflow_session_id_attempt_id"),
        table_name="report_attempts",
    )
    op.drop_table("report_attempts")
