"""DDTRO applications, orders, their items, notices to providers and history

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 19:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("line_id", sa.Uuid(), nullable=True),
        sa.Column("jurisdiction", sa.String(length=32), nullable=False),
        sa.Column("court", sa.String(length=200), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("compliance_due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["line_id"], ["lines.id"], name=op.f("fk_orders_line_id_lines")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["organisations.id"], name=op.f("fk_orders_owner_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orders_line_id"), ["line_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "order_applications",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("line_id", sa.Uuid(), nullable=True),
        sa.Column("jurisdiction", sa.String(length=32), nullable=False),
        sa.Column("court", sa.String(length=200), nullable=True),
        sa.Column("applicant_id", sa.Uuid(), nullable=True),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("authoriser_id", sa.Uuid(), nullable=True),
        sa.Column("authoriser_name", sa.String(length=200), nullable=True),
        sa.Column("authoriser_rank", sa.String(length=40), nullable=True),
        sa.Column("authorised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("limb_used", sa.Text(), nullable=True),
        sa.Column("limb_prevents", sa.Text(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=True),
        sa.Column("duration_days", sa.Integer(), nullable=True),
        sa.Column("hearing_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["users.id"], name=op.f("fk_order_applications_applicant_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["authoriser_id"], ["users.id"], name=op.f("fk_order_applications_authoriser_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_order_applications_line_id_lines")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_applications_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["organisations.id"],
            name=op.f("fk_order_applications_owner_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_applications")),
        sa.UniqueConstraint("owner_id", "reference", name="uq_order_applications_owner_reference"),
    )
    with op.batch_alter_table("order_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_order_applications_line_id"), ["line_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_order_applications_owner_id"), ["owner_id"], unique=False
        )

    op.create_table(
        "order_items",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("identifier", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_items_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_items")),
    )
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_items_identifier"), ["identifier"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_items_order_id"), ["order_id"], unique=False)

    op.create_table(
        "order_notices",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("served_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("complied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("compliance", sa.Text(), nullable=True),
        sa.Column("chased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_notices_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_notices")),
        sa.UniqueConstraint("order_id", "provider", name="uq_order_notices_provider"),
    )
    with op.batch_alter_table("order_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_notices_order_id"), ["order_id"], unique=False)

    op.create_table(
        "order_application_items",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("identifier", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("remove", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["order_applications.id"],
            name=op.f("fk_order_application_items_application_id_order_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_application_items")),
    )
    with op.batch_alter_table("order_application_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_order_application_items_application_id"),
            ["application_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_order_application_items_identifier"), ["identifier"], unique=False
        )

    op.create_table(
        "order_events",
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("by_id", sa.Uuid(), nullable=True),
        sa.Column("by_name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["order_applications.id"],
            name=op.f("fk_order_events_application_id_order_applications"),
        ),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_order_events_by_id_users")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_events_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_events")),
    )
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_order_events_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_order_events_order_id"), ["order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_events_order_id"))
        batch_op.drop_index(batch_op.f("ix_order_events_application_id"))

    op.drop_table("order_events")
    with op.batch_alter_table("order_application_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_application_items_identifier"))
        batch_op.drop_index(batch_op.f("ix_order_application_items_application_id"))

    op.drop_table("order_application_items")
    with op.batch_alter_table("order_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_notices_order_id"))

    op.drop_table("order_notices")
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_items_order_id"))
        batch_op.drop_index(batch_op.f("ix_order_items_identifier"))

    op.drop_table("order_items")
    with op.batch_alter_table("order_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_applications_owner_id"))
        batch_op.drop_index(batch_op.f("ix_order_applications_line_id"))

    op.drop_table("order_applications")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_owner_id"))
        batch_op.drop_index(batch_op.f("ix_orders_line_id"))

    op.drop_table("orders")
