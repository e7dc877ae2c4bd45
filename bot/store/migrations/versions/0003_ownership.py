"""Ownership: scope owners, who is on an alert, escalation rules and escalations.

Revision ID: 0003
Revises: 0001 (re-chained onto 0002 at merge)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scope_owners",
        sa.Column("project", sa.String(length=255), nullable=False),
        sa.Column("workflow", sa.String(length=255), nullable=False),
        sa.Column("owners", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project", "workflow", name=op.f("pk_scope_owners")),
    )
    op.create_table(
        "alert_on_it",
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "session_id", name=op.f("pk_alert_on_it")),
    )
    op.create_table(
        "escalation_rules",
        sa.Column("project", sa.String(length=255), nullable=False),
        sa.Column("workflow", sa.String(length=255), nullable=False),
        sa.Column("after_seconds", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project", "workflow", name=op.f("pk_escalation_rules")),
    )
    op.create_table(
        "escalations",
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("channel_id", "session_id", name=op.f("pk_escalations")),
    )


def downgrade() -> None:
    op.drop_table("escalations")
    op.drop_table("escalation_rules")
    op.drop_table("alert_on_it")
    op.drop_table("scope_owners")
