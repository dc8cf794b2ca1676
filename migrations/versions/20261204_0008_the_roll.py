"""The roll: a pupil's stay at a school is one pupil row, with the date they left and why; a UPN is
unique per school among the pupils on its roll (no longer across the whole database), so a pupil
who moves to another school of the authority can have a record there.

Reviewed by hand against sentrack/models/pupils.py.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 22:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.add_column(sa.Column("left_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("leaving_reason", sa.Text(), nullable=True))
        batch_op.drop_constraint(op.f("uq_pupil_upn"), type_="unique")
        batch_op.create_check_constraint(
            op.f("ck_pupil_left_after_admitted"), "left_on IS NULL OR admitted_on IS NULL OR left_on > admitted_on"
        )
        batch_op.create_check_constraint(
            op.f("ck_pupil_leaving_reason_when_left"), "(left_on IS NULL) = (leaving_reason IS NULL)"
        )
        batch_op.create_index("ix_pupil_upn", ["upn"], unique=False)
        batch_op.create_index(
            "uq_pupil_upn_on_roll",
            ["school_id", "upn"],
            unique=True,
            sqlite_where=sa.text("left_on IS NULL"),
            postgresql_where=sa.text("left_on IS NULL"),
        )


def downgrade():
    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.drop_index("uq_pupil_upn_on_roll")
        batch_op.drop_index("ix_pupil_upn")
        batch_op.drop_constraint(op.f("ck_pupil_leaving_reason_when_left"), type_="check")
        batch_op.drop_constraint(op.f("ck_pupil_left_after_admitted"), type_="check")
        batch_op.create_unique_constraint(op.f("uq_pupil_upn"), ["upn"])
        batch_op.drop_column("leaving_reason")
        batch_op.drop_column("left_on")
