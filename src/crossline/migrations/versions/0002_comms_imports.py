"""comms imports and quarantined rows

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:59:42.648374
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "comms_imports",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("profile", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("encoding", sa.String(length=32), nullable=False),
        sa.Column("authorisation", sa.String(length=200), nullable=False),
        sa.Column("imported_by_id", sa.Uuid(), nullable=True),
        sa.Column("imported_by_name", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows_read", sa.BigInteger(), nullable=False),
        sa.Column("rows_imported", sa.BigInteger(), nullable=False),
        sa.Column("rows_quarantined", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["imported_by_id"], ["users.id"], name=op.f("fk_comms_imports_imported_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["organisations.id"], name=op.f("fk_comms_imports_owner_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comms_imports")),
    )
    with op.batch_alter_table("comms_imports", schema=None) as batch_op:
        batch_op.create_index("ix_comms_imports_owner_sha256", ["owner_id", "sha256"], unique=True)

    op.create_table(
        "comms_quarantined_rows",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.BigInteger(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["comms_imports.id"],
            name=op.f("fk_comms_quarantined_rows_import_id_comms_imports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comms_quarantined_rows")),
    )
    with op.batch_alter_table("comms_quarantined_rows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comms_quarantined_rows_import_id"), ["import_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_comms_quarantined_rows_reason"), ["reason"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("comms_quarantined_rows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comms_quarantined_rows_reason"))
        batch_op.drop_index(batch_op.f("ix_comms_quarantined_rows_import_id"))

    op.drop_table("comms_quarantined_rows")
    with op.batch_alter_table("comms_imports", schema=None) as batch_op:
        batch_op.drop_index("ix_comms_imports_owner_sha256")

    op.drop_table("comms_imports")
