"""intelligence records: graded text (3x5x2) linked to lines, numbers and people

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 17:09:56.526254
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intelligence_records",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("grading_scheme", sa.String(length=16), nullable=False),
        sa.Column("source_evaluation", sa.String(length=4), nullable=False),
        sa.Column("intelligence_assessment", sa.String(length=4), nullable=False),
        sa.Column("handling_code", sa.String(length=4), nullable=False),
        sa.Column("handling_conditions", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by_name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["organisations.id"],
            name=op.f("fk_intelligence_records_owner_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_intelligence_records_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence_records")),
    )
    with op.batch_alter_table("intelligence_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intelligence_records_owner_id"), ["owner_id"], unique=False
        )

    op.create_table(
        "intelligence_links",
        sa.Column("intelligence_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("line_id", sa.Uuid(), nullable=True),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["intelligence_id"],
            ["intelligence_records.id"],
            name=op.f("fk_intelligence_links_intelligence_id_intelligence_records"),
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_intelligence_links_line_id_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence_links")),
    )
    with op.batch_alter_table("intelligence_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intelligence_links_intelligence_id"), ["intelligence_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_intelligence_links_line_id"), ["line_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_intelligence_links_number"), ["number"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("intelligence_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intelligence_links_number"))
        batch_op.drop_index(batch_op.f("ix_intelligence_links_line_id"))
        batch_op.drop_index(batch_op.f("ix_intelligence_links_intelligence_id"))

    op.drop_table("intelligence_links")
    with op.batch_alter_table("intelligence_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intelligence_records_owner_id"))

    op.drop_table("intelligence_records")
