"""The actor's name kept on each audit event as it was when the event was written, so that
renaming a user does not rewrite the trail. Events written before keep the name the user has now
(the best there is).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 01:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_name", sa.String(length=120), nullable=True))
    audit_event = sa.table("audit_event", sa.column("user_id", sa.Integer), sa.column("actor_name", sa.String))
    user = sa.table("user", sa.column("id", sa.Integer), sa.column("full_name", sa.String))
    op.execute(
        audit_event.update()
        .where(audit_event.c.user_id.is_not(None))
        .values(actor_name=sa.select(user.c.full_name).where(user.c.id == audit_event.c.user_id).scalar_subquery())
    )


def downgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("actor_name")
