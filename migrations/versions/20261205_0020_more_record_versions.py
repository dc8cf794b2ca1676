"""Staff accounts, classes and each pupil's place in an intervention (its exit measure and impact)
carry a version, so that two people editing the same one at once are told of each other's change
instead of saving over it.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 02:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TABLES = ("user", "teaching_group", "intervention_pupil")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
