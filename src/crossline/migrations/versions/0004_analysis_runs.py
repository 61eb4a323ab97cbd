"""analysis runs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 14:35:45.580341
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "analysis_runs",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("run_by_id", sa.Uuid(), nullable=True),
        sa.Column("run_by_name", sa.String(length=200), nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("import_ids", sa.Text(), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("lines_found", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["organisations.id"], name=op.f("fk_analysis_runs_owner_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["run_by_id"], ["users.id"], name=op.f("fk_analysis_runs_run_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_runs")),
    )
    with op.batch_alter_table("analysis_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_analysis_runs_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "analysis_findings",
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("line_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["organisations.id"],
            name=op.f("fk_analysis_findings_owner_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["analysis_runs.id"], name=op.f("fk_analysis_findings_run_id_analysis_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_findings")),
    )
    with op.batch_alter_table("analysis_findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_analysis_findings_line_id"), ["line_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_analysis_findings_owner_id"), ["owner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_analysis_findings_run_id"), ["run_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("analysis_findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analysis_findings_run_id"))
        batch_op.drop_index(batch_op.f("ix_analysis_findings_owner_id"))
        batch_op.drop_index(batch_op.f("ix_analysis_findings_line_id"))

    op.drop_table("analysis_findings")
    with op.batch_alter_table("analysis_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analysis_runs_owner_id"))

    op.drop_table("analysis_runs")
