"""line owners: forces that own a line with its lead owner

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "line_owners",
        sa.Column("line_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by_id", sa.Uuid(), nullable=True),
        sa.Column("added_by_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_line_owners_added_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_line_owners_line_id_lines")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_line_owners_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_owners")),
        sa.UniqueConstraint("line_id", "organisation_id", name="uq_line_owners_line_organisation"),
    )
    with op.batch_alter_table("line_owners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_line_owners_line_id"), ["line_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_line_owners_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("line_owners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_line_owners_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_line_owners_line_id"))

    op.drop_table("line_owners")
