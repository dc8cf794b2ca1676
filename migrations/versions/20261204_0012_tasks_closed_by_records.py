"""Tasks closed by the records that do the work: the record that closed a task and the day it
closed; task links stored as an endpoint and its arguments (built with url_for when shown, so a
renamed route cannot break them); a teacher's "I have read it" for a pupil's passport.

Reviewed by hand against sentrack/models/duties.py.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 22:50:00

"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The paths the sweep used to store, and the endpoints they were built from.
PATHS = [
    (r"/pupils/(?P<public_id>[0-9a-f]+)/cycles/(?P<number>\d+)", "cycles.show"),
    (r"/pupils/(?P<public_id>[0-9a-f]+)/concerns/(?P<concern_id>\d+)/decide", "cycles.decide_concern"),
    (r"/pupils/(?P<public_id>[0-9a-f]+)/letters/(?P<letter_id>\d+)", "cycles.letter"),
    (r"/pupils/(?P<public_id>[0-9a-f]+)/timeline", "cycles.timeline"),
    (r"/pupils/(?P<public_id>[0-9a-f]+)", "pupils.show"),
    (r"/interventions/(?P<intervention_id>\d+)/impact", "interventions.impact"),
    (r"/tasks/all", "duties.all_tasks"),
    (r"/", "main.home"),
]


def _endpoint(link):
    for pattern, endpoint in PATHS:
        found = re.fullmatch(pattern, link or "")
        if found:
            args = {k: int(v) if v.isdigit() and k != "public_id" else v for k, v in found.groupdict().items()}
            return endpoint, args
    return None, None


def upgrade():
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_endpoint", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("link_args", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("done_by_type", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("done_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))

    task = sa.table(
        "task",
        sa.column("id", sa.Integer),
        sa.column("link", sa.String),
        sa.column("link_endpoint", sa.String),
        sa.column("link_args", sa.JSON),
        sa.column("status", sa.String),
        sa.column("completed_on", sa.Date),
        sa.column("created_at", sa.DateTime),
        sa.column("closed_on", sa.Date),
    )
    connection = op.get_bind()
    for task_id, link in connection.execute(sa.select(task.c.id, task.c.link).where(task.c.link.is_not(None))).all():
        endpoint, args = _endpoint(link)
        if endpoint is not None:
            connection.execute(task.update().where(task.c.id == task_id).values(link_endpoint=endpoint, link_args=args))
    connection.execute(task.update().where(task.c.status == "done").values(closed_on=task.c.completed_on))
    connection.execute(
        task.update().where(task.c.status == "cancelled").values(closed_on=sa.func.date(task.c.created_at))
    )

    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("link")
        batch_op.create_check_constraint(
            op.f("ck_task_closed_when_not_open"), "(status = 'open') = (closed_on IS NULL)"
        )
        batch_op.create_check_constraint(
            op.f("ck_task_done_by_record"), "(done_by_type IS NULL) = (done_by_id IS NULL)"
        )

    op.create_table(
        "passport_read",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sen_status_id", sa.Integer(), nullable=False),
        sa.Column("read_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_passport_read_pupil_id_pupil"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["sen_status_id"], ["sen_status.id"], name=op.f("fk_passport_read_sen_status_id_sen_status")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_passport_read_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passport_read")),
        sa.UniqueConstraint(
            "pupil_id", "user_id", "sen_status_id", name=op.f("uq_passport_read_pupil_id_user_id_sen_status_id")
        ),
    )
    with op.batch_alter_table("passport_read", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_passport_read_pupil_id"), ["pupil_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_passport_read_sen_status_id"), ["sen_status_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_passport_read_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("passport_read", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passport_read_user_id"))
        batch_op.drop_index(batch_op.f("ix_passport_read_sen_status_id"))
        batch_op.drop_index(batch_op.f("ix_passport_read_pupil_id"))
    op.drop_table("passport_read")

    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_task_done_by_record"), type_="check")
        batch_op.drop_constraint(op.f("ck_task_closed_when_not_open"), type_="check")
        batch_op.add_column(sa.Column("link", sa.String(length=200), nullable=True))
        batch_op.drop_column("closed_on")
        batch_op.drop_column("done_by_id")
        batch_op.drop_column("done_by_type")
        batch_op.drop_column("link_args")
        batch_op.drop_column("link_endpoint")
