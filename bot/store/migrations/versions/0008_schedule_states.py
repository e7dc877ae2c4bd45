"""Schedules as the bot last read them, and the scheduled slots it watches (late,
not started, schedule disabled).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schedule_states",
        sa.Column("schedule_id", sa.String(length=64), nullable=False),
        sa.Column("project", sa.String(length=255), nullable=False),
        sa.Column("workflow", sa.String(length=255), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enabled_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_run_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_schedule_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_subject", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("schedule_id", name=op.f("pk_schedule_states")),
    )
    op.create_index(
        op.f("ix_schedule_states_project_workflow"),
        "schedule_states",
        ["project", "workflow"],
        unique=False,
    )
    op.create_table(
        "schedule_slots",
        sa.Column("schedule_id", sa.String(length=64), nullable=False),
        sa.Column("session_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("project", sa.String(length=255), nullable=False),
        sa.Column("workflow", sa.String(length=255), nullable=False),
        sa.Column("run_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("predicted", sa.Boolean(), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=True),
        sa.Column("attempt_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("not_started_subject", sa.String(length=255), nullable=True),
        sa.Column("not_started_open", sa.Boolean(), nullable=False),
        sa.Column("late_subject", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("schedule_id", "session_time", name=op.f("pk_schedule_slots")),
    )
    op.create_index(
        op.f("ix_schedule_slots_project_workflow_session_time"),
        "schedule_slots",
        ["project", "workflow", "session_time"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_schedule_slots_project_workflow_session_time"), table_name="schedule_slots"
    )
    op.drop_table("schedule_slots")
    op.drop_index(op.f("ix_schedule_states_project_workflow"), table_name="schedule_states")
    op.drop_table("schedule_states")
