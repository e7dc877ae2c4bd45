"""When an alert thread's run was scheduled and first failed; deliveries by session.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing threads keep NULL: the board then shows them as before (the first alert's time).
    op.add_column("threads", sa.Column("session_time", sa.String(length=40), nullable=True))
    op.add_column("threads", sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        op.f("ix_alert_deliveries_channel_id_session_id"),
        "alert_deliveries",
        ["channel_id", "session_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_deliveries_channel_id_session_id"), table_name="alert_deliveries")
    op.drop_column("threads", "failed_at")
    op.drop_column("threads", "session_time")
