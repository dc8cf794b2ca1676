"""Indexes on the foreign keys that had none where the referenced table is large: deleting a
cycle, outcome, concern, programme or pupil made PostgreSQL scan the whole referencing table for
each row (removing 60,000 pupils' outcomes took minutes, quadratic through carried_from_id), and
the pages that follow these links (a cycle's timeline and meetings, a pupil's tasks) read them.
Reviewed by hand against sentrack/models (cycles, interventions, meetings, duties).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 00:25:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = [
    ("support_cycle", "concern_id"),
    ("support_cycle", "previous_cycle_id"),
    ("outcome", "carried_from_id"),
    ("observation", "outcome_id"),
    ("timeline_event", "cycle_id"),
    ("intervention", "type_id"),
    ("intervention_pupil", "outcome_id"),
    ("parent_meeting", "cycle_id"),
    ("task", "pupil_id"),
]


def upgrade():
    for table, column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def downgrade():
    for table, column in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
