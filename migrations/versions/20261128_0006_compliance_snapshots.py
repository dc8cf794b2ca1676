"""Compliance snapshots: each school's dashboard figures as of the last day of each term, stored
once by the daily sweep for the dashboard's term-by-term trend. Reviewed by hand against
sentrack/models/compliance.py.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 00:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('compliance_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('term_name', sa.String(length=40), nullable=False),
    sa.Column('term_starts_on', sa.Date(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_compliance_snapshot_school_id_school'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compliance_snapshot')),
    sa.UniqueConstraint('school_id', 'term_starts_on', name=op.f('uq_compliance_snapshot_school_id_term_starts_on'))
    )


def downgrade():
    op.drop_table('compliance_snapshot')
