"""Task titles composed when shown: a task about a pupil keeps a title template naming the pupil
by a placeholder, filled in from the pupil's current record, so that a renamed pupil is never
shown by a previous name. Existing tasks get their template from their title, where it names the
pupil as their record names them now.

Reviewed by hand against sentrack/models/duties.py.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 01:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

PUPIL_IN_TITLE = "{pupil}"


def upgrade():
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_template", sa.String(length=200), nullable=True))

    task = sa.table(
        "task",
        sa.column("id", sa.Integer),
        sa.column("title", sa.String),
        sa.column("title_template", sa.String),
        sa.column("pupil_id", sa.Integer),
    )
    pupil = sa.table(
        "pupil",
        sa.column("id", sa.Integer),
        sa.column("first_name", sa.String),
        sa.column("last_name", sa.String),
        sa.column("preferred_name", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(task.c.id, task.c.title, pupil.c.first_name, pupil.c.last_name, pupil.c.preferred_name).join(
            pupil, pupil.c.id == task.c.pupil_id
        )
    ).all()
    for task_id, title, first, last, preferred in rows:
        name = f"{preferred or first} {last}"
        if name in title:
            connection.execute(
                sa.update(task)
                .where(task.c.id == task_id)
                .values(title_template=title.replace(name, PUPIL_IN_TITLE)[:200])
            )


def downgrade():
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("title_template")
