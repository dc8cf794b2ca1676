"""Meeting records that reopen: a held meeting's record says what was discussed beside what was
agreed, carries a version so that the person who led it or the SENCO can correct it with the
history kept, and has its actions as rows (what, a member of staff or a person named, by when,
done on). Timeline events about a meeting name it, so that the timeline links to its record.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("parent_meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("discussion", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.create_table(
        "meeting_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("owner_name", sa.String(length=120), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.CheckConstraint("(owner_id IS NULL) <> (owner_name IS NULL)", name=op.f("ck_meeting_action_one_owner")),
        sa.CheckConstraint("position >= 1", name=op.f("ck_meeting_action_position_from_one")),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["parent_meeting.id"],
            name=op.f("fk_meeting_action_meeting_id_parent_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], name=op.f("fk_meeting_action_owner_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_action")),
        sa.UniqueConstraint("meeting_id", "position", name="uq_meeting_action_meeting_position"),
    )
    with op.batch_alter_table("meeting_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_action_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index("ix_meeting_action_owner_done", ["owner_id", "done_on"], unique=False)
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_timeline_event_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_timeline_event_meeting_id_parent_meeting"), "parent_meeting", ["meeting_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_timeline_event_meeting_id_parent_meeting"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_timeline_event_meeting_id"))
        batch_op.drop_column("meeting_id")
    with op.batch_alter_table("meeting_action", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_action_owner_done")
        batch_op.drop_index(batch_op.f("ix_meeting_action_meeting_id"))
    op.drop_table("meeting_action")
    with op.batch_alter_table("parent_meeting", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("discussion")
