"""Compliance snapshots: each school's dashboard figures as of a day, stored by the daily sweep:
for the LA officer's side-by-side view (that day's) and the dashboard's term-by-term trend (the
last day of each term). Reviewed by hand against
sentrack/models/compliance.py.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 00:05:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "compliance_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("term_name", sa.String(length=40), nullable=True),
        sa.Column("term_starts_on", sa.Date(), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("counted_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_compliance_snapshot_school_id_school"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_snapshot")),
        sa.UniqueConstraint("school_id", "as_of", name=op.f("uq_compliance_snapshot_school_id_as_of")),
    )
    op.create_index("ix_compliance_snapshot_as_of", "compliance_snapshot", ["as_of"], unique=False)


def downgrade():
    op.drop_index("ix_compliance_snapshot_as_of", table_name="compliance_snapshot")
    op.drop_table("compliance_snapshot")
