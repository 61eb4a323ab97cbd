"""funding: funds, bids, the panel's scores and monitoring returns (DOMAIN.md §EIYF)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "funds",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("budget", sa.Integer(), nullable=False),
        sa.Column("cap_per_bid", sa.Integer(), nullable=False),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["organisations.id"], name=op.f("fk_funds_owner_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds")),
    )
    op.create_index(op.f("ix_funds_owner_id"), "funds", ["owner_id"], unique=False)
    op.create_table(
        "bids",
        sa.Column("fund_id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("partners", sa.Text(), nullable=False),
        sa.Column("amount_requested", sa.Integer(), nullable=False),
        sa.Column("consortium_reason", sa.Text(), nullable=True),
        sa.Column("match_funding", sa.Integer(), nullable=False),
        sa.Column("age_from", sa.Integer(), nullable=False),
        sa.Column("age_to", sa.Integer(), nullable=False),
        sa.Column("young_people_planned", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("amount_awarded", sa.Integer(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_name", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_bids_fund_id_funds")),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["organisations.id"], name=op.f("fk_bids_lead_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bids")),
    )
    op.create_index(op.f("ix_bids_fund_id"), "bids", ["fund_id"], unique=False)
    op.create_index(op.f("ix_bids_lead_id"), "bids", ["lead_id"], unique=False)
    op.create_table(
        "bid_scores",
        sa.Column("bid_id", sa.Uuid(), nullable=False),
        sa.Column("assessor_id", sa.Uuid(), nullable=False),
        sa.Column("assessor_name", sa.String(length=200), nullable=False),
        sa.Column("criterion", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessor_id"], ["users.id"], name=op.f("fk_bid_scores_assessor_id_users")
        ),
        sa.ForeignKeyConstraint(["bid_id"], ["bids.id"], name=op.f("fk_bid_scores_bid_id_bids")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_scores")),
        sa.UniqueConstraint("bid_id", "assessor_id", "criterion", name="uq_bid_scores"),
    )
    op.create_index(op.f("ix_bid_scores_bid_id"), "bid_scores", ["bid_id"], unique=False)
    op.create_table(
        "monitoring_returns",
        sa.Column("bid_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("spend", sa.Integer(), nullable=False),
        sa.Column("match_spend", sa.Integer(), nullable=False),
        sa.Column("young_people_reached", sa.Integer(), nullable=False),
        sa.Column("of_them_under_18", sa.Integer(), nullable=False),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("submitted_by_name", sa.String(length=200), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by_name", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"], ["bids.id"], name=op.f("fk_monitoring_returns_bid_id_bids")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_returns")),
        sa.UniqueConstraint("bid_id", "year", name="uq_monitoring_returns"),
    )
    op.create_index(
        op.f("ix_monitoring_returns_bid_id"), "monitoring_returns", ["bid_id"], unique=False
    )


def downgrade() -> None:
    for table in ("monitoring_returns", "bid_scores", "bids", "funds"):
        op.drop_table(table)
