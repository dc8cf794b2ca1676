"""Every record people edit has a version: pupils, contacts, concerns (their decision), the
school's settings, its term dates, catalogue entries and interventions, beside the assessments,
plans, outcomes and reviews that had one. Each save moves a record to its next version with a
compare-and-set, so that of two people saving the same version one is told what the other changed.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 01:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = ["pupil", "contact", "concern", "school", "school_term", "intervention_type", "intervention"]


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
