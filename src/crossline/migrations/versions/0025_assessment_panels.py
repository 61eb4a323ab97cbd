"""assessment panels: each fund's appointed assessors, and their conflicts of interest

Every assessor who has already scored a fund's bids is appointed to that fund's panel,
so that no score made before panels existed stops counting.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 20:30:00
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    panel = op.create_table(
        "panel_members",
        sa.Column("fund_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("appointed_by_name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_panel_members_fund_id_funds")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_panel_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_members")),
        sa.UniqueConstraint("fund_id", "user_id", name="uq_panel_members"),
    )
    op.create_index(op.f("ix_panel_members_fund_id"), "panel_members", ["fund_id"])
    op.create_table(
        "conflicts_of_interest",
        sa.Column("bid_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"], ["bids.id"], name=op.f("fk_conflicts_of_interest_bid_id_bids")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_conflicts_of_interest_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflicts_of_interest")),
        sa.UniqueConstraint("bid_id", "user_id", name="uq_conflicts_of_interest"),
    )
    op.create_index(op.f("ix_conflicts_of_interest_bid_id"), "conflicts_of_interest", ["bid_id"])
    scored = op.get_bind().execute(
        sa.text(
            "SELECT DISTINCT bids.fund_id, bid_scores.assessor_id, bid_scores.assessor_name "
            "FROM bid_scores JOIN bids ON bids.id = bid_scores.bid_id"
        )
    )
    seen: set[tuple[object, object]] = set()
    rows = []
    for fund_id, user_id, name in scored:
        if (fund_id, user_id) in seen:  # one assessor under two names: appointed once
            continue
        seen.add((fund_id, user_id))
        rows.append(
            {
                "id": uuid.uuid4(),
                "fund_id": uuid.UUID(str(fund_id)),
                "user_id": uuid.UUID(str(user_id)),
                "user_name": name,
                "appointed_by_name": "Appointed when panels began: had scored the fund's bids",
                "created_at": datetime.now(UTC),
            }
        )
    if rows:
        op.bulk_insert(panel, rows)


def downgrade() -> None:
    op.drop_index(op.f("ix_conflicts_of_interest_bid_id"), table_name="conflicts_of_interest")
    op.drop_table("conflicts_of_interest")
    op.drop_index(op.f("ix_panel_members_fund_id"), table_name="panel_members")
    op.drop_table("panel_members")
