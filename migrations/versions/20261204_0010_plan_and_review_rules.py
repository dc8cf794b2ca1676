"""The cycle as the Code of Practice reads it: the plan's expected impact of the support
(CoP 6.48), and the reason a review is held before the agreed review date (a choice and text).
Reviewed by hand against sentrack/models/cycles.py.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 22:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expected_impact", sa.Text(), nullable=True))

    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.add_column(sa.Column("early_reason", sa.String(length=13), nullable=True))
        batch_op.add_column(sa.Column("early_reason_detail", sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_review_early_reason"), "early_reason IN ('needs_changed', 'parents_asked', 'other')"
        )


def downgrade():
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_review_early_reason"), type_="check")
        batch_op.drop_column("early_reason_detail")
        batch_op.drop_column("early_reason")

    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_column("expected_impact")
