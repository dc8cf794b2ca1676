"""One annual review of an EHC plan convened and not yet held at a time: a partial unique index,
so that two people convening the same plan's annual review at the same moment store one.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 04:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

OPEN_ANNUAL = "kind = 'annual' AND held_on IS NULL"


def upgrade():
    with op.batch_alter_table("ehc_review", schema=None) as batch_op:
        batch_op.create_index(
            "uq_ehc_review_one_open_annual_per_plan",
            ["plan_id"],
            unique=True,
            sqlite_where=sa.text(OPEN_ANNUAL),
            postgresql_where=sa.text(OPEN_ANNUAL),
        )


def downgrade():
    with op.batch_alter_table("ehc_review", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_ehc_review_one_open_annual_per_plan",
            sqlite_where=sa.text(OPEN_ANNUAL),
            postgresql_where=sa.text(OPEN_ANNUAL),
        )
