"""lines: intelligence regraded after it was recorded, each change kept with its reason

Intelligence recorded before this migration starts at version 1 with no history.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-08 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The server default stays: removing it would make SQLite copy the table, which its
    # links' foreign keys refuse once there is intelligence with links.
    with op.batch_alter_table("intelligence_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "intelligence_events",
        sa.Column("intelligence_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Uuid(), nullable=True),
        sa.Column("by_name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_intelligence_events_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["intelligence_id"],
            ["intelligence_records.id"],
            name=op.f("fk_intelligence_events_intelligence_id_intelligence_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence_events")),
    )
    with op.batch_alter_table("intelligence_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intelligence_events_intelligence_id"), ["intelligence_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("intelligence_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intelligence_events_intelligence_id"))
    op.drop_table("intelligence_events")
    with op.batch_alter_table("intelligence_records", schema=None) as batch_op:
        batch_op.drop_column("version")
