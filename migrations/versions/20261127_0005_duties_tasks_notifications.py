"""Duties, tasks and notifications: the catalogue of duties from the roles guide, the tasks the
daily sweep creates from it (once per duty, subject and period), and the notification outbox
(once per recipient, kind, subject and period) with the fields an email sender needs.

Only the tables: the catalogue's rows are written by the sweep from
sentrack/workflows/duty_catalogue.py (see that module), so that changing a duty's wording needs no
data migration. Reviewed by hand against sentrack/models/duties.py.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 21:45:25.177642

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "duty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "senco",
                "head",
                "teacher",
                "support_assistant",
                "governor",
                "la_officer",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("clause", sa.Text(), nullable=False),
        sa.Column(
            "trigger_kind",
            sa.Enum("event", "calendar", name="trigger_kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("trigger", sa.Text(), nullable=False),
        sa.Column("due_rule", sa.Text(), nullable=False),
        sa.Column("due_days", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty")),
        sa.UniqueConstraint("code", name=op.f("uq_duty_code")),
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_type", sa.String(length=30), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column(
            "email_status",
            sa.Enum("pending", "sent", "failed", name="email_status", native_enum=False, create_constraint=True),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_notification_attempts_not_negative")),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["user.id"], name=op.f("fk_notification_recipient_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint(
            "recipient_id", "kind", "subject_type", "subject_id", "period", name="uq_notification_once_per_subject"
        ),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_email_due", ["email_status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_notification_recipient_read", ["recipient_id", "read_at"], unique=False)

    op.create_table(
        "task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("duty_id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=30), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=True),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "for_role",
            sa.Enum(
                "senco",
                "head",
                "teacher",
                "support_assistant",
                "governor",
                "la_officer",
                "admin",
                name="for_role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("link", sa.String(length=200), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "done", "cancelled", name="status", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("(status = 'done') = (completed_on IS NOT NULL)", name=op.f("ck_task_completed_when_done")),
        sa.ForeignKeyConstraint(["assigned_by_id"], ["user.id"], name=op.f("fk_task_assigned_by_id_user")),
        sa.ForeignKeyConstraint(["assigned_to_id"], ["user.id"], name=op.f("fk_task_assigned_to_id_user")),
        sa.ForeignKeyConstraint(["completed_by_id"], ["user.id"], name=op.f("fk_task_completed_by_id_user")),
        sa.ForeignKeyConstraint(["duty_id"], ["duty.id"], name=op.f("fk_task_duty_id_duty")),
        sa.ForeignKeyConstraint(["pupil_id"], ["pupil.id"], name=op.f("fk_task_pupil_id_pupil"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name=op.f("fk_task_school_id_school")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task")),
        sa.UniqueConstraint(
            "duty_id",
            "subject_type",
            "subject_id",
            "period",
            name=op.f("uq_task_duty_id_subject_type_subject_id_period"),
        ),
    )
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index("ix_task_assignee_status_due", ["assigned_to_id", "status", "due_on"], unique=False)
        batch_op.create_index("ix_task_school_status_due", ["school_id", "status", "due_on"], unique=False)


def downgrade():
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_school_status_due")
        batch_op.drop_index("ix_task_assignee_status_due")

    op.drop_table("task")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_recipient_read")
        batch_op.drop_index("ix_notification_email_due")

    op.drop_table("notification")
    op.drop_table("duty")
