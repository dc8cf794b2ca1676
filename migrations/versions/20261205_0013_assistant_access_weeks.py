"""How long a support assistant keeps access to the pupils of an intervention after it ends: a
rule setting of the school, 4 weeks by default, between 0 and 52.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 01:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assistant_access_weeks", sa.Integer(), server_default="4", nullable=False))
        batch_op.create_check_constraint(
            op.f("ck_school_assistant_access_weeks"), "assistant_access_weeks BETWEEN 0 AND 52"
        )


def downgrade():
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_school_assistant_access_weeks"), type_="check")
        batch_op.drop_column("assistant_access_weeks")
