"""philomena profiles: Philomena protocol Part 1 per young person, Part 2 on the episode

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "philomena_profiles",
        sa.Column("young_person_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("associates", sa.Text(), nullable=True),
        sa.Column("places", sa.Text(), nullable=True),
        sa.Column("phone_identifiers", sa.Text(), nullable=True),
        sa.Column("past_episodes", sa.Text(), nullable=True),
        sa.Column("vulnerabilities", sa.Text(), nullable=True),
        sa.Column("medical", sa.Text(), nullable=True),
        sa.Column("financial", sa.Text(), nullable=True),
        sa.Column("social_media", sa.Text(), nullable=True),
        sa.Column("transport", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_philomena_profiles_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["young_person_id"],
            ["young_people.id"],
            name=op.f("fk_philomena_profiles_young_person_id_young_people"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_philomena_profiles")),
        sa.UniqueConstraint("young_person_id", name=op.f("uq_philomena_profiles_young_person_id")),
    )
    with op.batch_alter_table("philomena_profiles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_philomena_profiles_organisation_id"), ["organisation_id"], unique=False
        )
    with op.batch_alter_table("missing_episodes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clothing", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("last_seen", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("missing_episodes", schema=None) as batch_op:
        batch_op.drop_column("last_seen")
        batch_op.drop_column("clothing")
    with op.batch_alter_table("philomena_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_philomena_profiles_organisation_id"))
    op.drop_table("philomena_profiles")
