"""Silent failures: explicit limits per scope (`sla`), learned run times, and the
silent alert kinds among the exactly-once deliveries.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_KINDS = "'failure', 'recovery', 'digest'"
_SILENT = ", 'silent', 'silent_digest', 'silent_resolved'"


def _kinds_check(values: str) -> None:
    # SQLite cannot alter a constraint: batch mode copies the table with the new one.
    with op.batch_alter_table("alert_deliveries") as batch:
        batch.drop_constraint(op.f("ck_alert_deliveries_kind"), type_="check")
        batch.create_check_constraint("kind", f"kind IN ({values})")


def upgrade() -> None:
    _kinds_check(_KINDS + _SILENT)
    op.add_column("alert_deliveries", sa.Column("payload", sa.Text(), nullable=True))
    op.add_column(
        "watched_attempts", sa.Column("created_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_table(
        "scope_slas",
        sa.Column("project", sa.String(length=255), nullable=False),
        sa.Column("workflow", sa.String(length=255), nullable=False),
        sa.Column("runtime_seconds", sa.Integer(), nullable=True),
        sa.Column("within_seconds", sa.Integer(), nullable=True),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project", "workflow", name=op.f("pk_scope_slas")),
    )
    op.create_table(
        "good_runs",
        sa.Column("attempt_id", sa.String(length=64), nullable=False),
        sa.Column("project", sa.String(length=255), nullable=False),
        sa.Column("workflow", sa.String(length=255), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_good_runs")),
    )
    op.create_index(
        op.f("ix_good_runs_project_workflow_finished_at"),
        "good_runs",
        ["project", "workflow", "finished_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_good_runs_project_workflow_finished_at"), table_name="good_runs")
    op.drop_table("good_runs")
    op.drop_table("scope_slas")
    op.drop_column("watched_attempts", "created_at")
    op.drop_column("alert_deliveries", "payload")
    op.execute("DELETE FROM alert_deliveries WHERE kind LIKE 'silent%'")
    _kinds_check(_KINDS)
