"""order alerts: a line back on a number or handset its order does not cover

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 19:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "order_alerts",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("identifier", sa.String(length=64), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["order_applications.id"],
            name=op.f("fk_order_alerts_application_id_order_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_alerts_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["organisations.id"], name=op.f("fk_order_alerts_owner_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_alerts")),
        sa.UniqueConstraint("order_id", "kind", "identifier", name="uq_order_alerts_identifier"),
    )
    with op.batch_alter_table("order_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_alerts_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_alerts_owner_id"), ["owner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("order_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_alerts_owner_id"))
        batch_op.drop_index(batch_op.f("ix_order_alerts_order_id"))

    op.drop_table("order_alerts")
