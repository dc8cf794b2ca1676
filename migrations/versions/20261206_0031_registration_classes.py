"""A class says whether it is a registration class (form or tutor group: a pupil has one) or a
teaching group (a set: a pupil has as many as their timetable). Every class so far was a
registration class.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

KINDS = ("registration", "teaching")


def upgrade():
    with op.batch_alter_table("teaching_group", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=12), server_default="registration", nullable=False))
        batch_op.create_check_constraint(
            op.f("ck_teaching_group_group_kind"), "kind IN ({})".format(", ".join(f"'{kind}'" for kind in KINDS))
        )


def downgrade():
    with op.batch_alter_table("teaching_group", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_teaching_group_group_kind"), type_="check")
        batch_op.drop_column("kind")
