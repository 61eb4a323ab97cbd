"""person records held by each organisation, and the possible matches linkage finds between them

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 18:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_records",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("first_name", sa.String(length=200), nullable=True),
        sa.Column("surname", sa.String(length=200), nullable=True),
        sa.Column("dob", sa.Date(), nullable=True),
        sa.Column("postcode", sa.String(length=16), nullable=True),
        sa.Column("gender", sa.String(length=32), nullable=True),
        sa.Column("phone_numbers", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_name", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_person_records_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["organisations.id"],
            name=op.f("fk_person_records_owner_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_records")),
        sa.UniqueConstraint("owner_id", "reference", name="uq_person_records_owner_reference"),
    )
    with op.batch_alter_table("person_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_records_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "person_matches",
        sa.Column("record_a_id", sa.Uuid(), nullable=False),
        sa.Column("owner_a_id", sa.Uuid(), nullable=False),
        sa.Column("record_b_id", sa.Uuid(), nullable=False),
        sa.Column("owner_b_id", sa.Uuid(), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("contributions", sa.Text(), nullable=False),
        sa.Column("prior_match_weight", sa.Float(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_by_name", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_person_matches_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["owner_a_id"],
            ["organisations.id"],
            name=op.f("fk_person_matches_owner_a_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_b_id"],
            ["organisations.id"],
            name=op.f("fk_person_matches_owner_b_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["record_a_id"],
            ["person_records.id"],
            name=op.f("fk_person_matches_record_a_id_person_records"),
        ),
        sa.ForeignKeyConstraint(
            ["record_b_id"],
            ["person_records.id"],
            name=op.f("fk_person_matches_record_b_id_person_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_matches")),
        sa.UniqueConstraint("record_a_id", "record_b_id", name="uq_person_matches_pair"),
    )
    with op.batch_alter_table("person_matches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_matches_owner_a_id"), ["owner_a_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_person_matches_owner_b_id"), ["owner_b_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_person_matches_record_a_id"), ["record_a_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_person_matches_record_b_id"), ["record_b_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("person_matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_matches_record_b_id"))
        batch_op.drop_index(batch_op.f("ix_person_matches_record_a_id"))
        batch_op.drop_index(batch_op.f("ix_person_matches_owner_b_id"))
        batch_op.drop_index(batch_op.f("ix_person_matches_owner_a_id"))

    op.drop_table("person_matches")
    with op.batch_alter_table("person_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_records_owner_id"))

    op.drop_table("person_records")
