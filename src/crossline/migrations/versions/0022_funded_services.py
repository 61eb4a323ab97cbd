"""funded services: the services an awarded bid pays for, whose referrals are its outcomes

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "funded_services",
        sa.Column("bid_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("programme_id", sa.String(length=64), nullable=False),
        sa.Column("added_by_name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"], ["bids.id"], name=op.f("fk_funded_services_bid_id_bids")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_funded_services_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funded_services")),
        sa.UniqueConstraint("bid_id", "organisation_id", "programme_id", name="uq_funded_services"),
    )
    op.create_index(op.f("ix_funded_services_bid_id"), "funded_services", ["bid_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_funded_services_bid_id"), table_name="funded_services")
    op.drop_table("funded_services")
