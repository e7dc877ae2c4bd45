"""Baseline seeds: the workflows whose learned runtime baseline was seeded from TD's
history once, so no replica or restart reads that history again.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "baseline_seeds",
        sa.Column("project", sa.String(length=255), nullable=False),
        sa.Column("workflow", sa.String(length=255), nullable=False),
        sa.Column("good_runs", sa.Integer(), nullable=False),
        sa.Column("seeded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project", "workflow", name=op.f("pk_baseline_seeds")),
    )


def downgrade() -> None:
    op.drop_table("baseline_seeds")
