"""Each school's version of its records, for the pages a web process keeps (`sentrack.kept`): a
row per school that has changed, and one (key 0) for the records of no one school.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06 21:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "data_version",
        sa.Column("school_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("school_key", name=op.f("pk_data_version")),
    )


def downgrade():
    op.drop_table("data_version")
