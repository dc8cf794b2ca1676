"""Parent meetings: meetings with parents planned and held, each pupil's record of them, and the
held meeting a review with a parent present stands for.

Reviewed by hand against sentrack/models/meetings.py.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 21:45:59.577210

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "parent_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("planned_for", sa.Date(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column(
            "mode",
            sa.Enum("in_person", "phone", "video", name="mode", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("led_by_id", sa.Integer(), nullable=True),
        sa.Column("attendees", sa.Text(), nullable=True),
        sa.Column("pupil_views", sa.Text(), nullable=True),
        sa.Column("outcomes", sa.Text(), nullable=True),
        sa.Column("actions", sa.Text(), nullable=True),
        sa.Column("shared_with_parents_on", sa.Date(), nullable=True),
        sa.Column("cycle_id", sa.Integer(), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "held_on IS NOT NULL OR planned_for IS NOT NULL", name=op.f("ck_parent_meeting_held_or_planned")
        ),
        sa.CheckConstraint(
            "shared_with_parents_on IS NULL OR (held_on IS NOT NULL AND shared_with_parents_on >= held_on)",
            name=op.f("ck_parent_meeting_shared_after_held"),
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["support_cycle.id"], name=op.f("fk_parent_meeting_cycle_id_support_cycle")
        ),
        sa.ForeignKeyConstraint(["led_by_id"], ["user.id"], name=op.f("fk_parent_meeting_led_by_id_user")),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_parent_meeting_pupil_id_pupil"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user.id"], name=op.f("fk_parent_meeting_recorded_by_id_user")),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"], name=op.f("fk_parent_meeting_review_id_review")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parent_meeting")),
        sa.UniqueConstraint("review_id", name=op.f("uq_parent_meeting_review_id")),
    )
    with op.batch_alter_table("parent_meeting", schema=None) as batch_op:
        batch_op.create_index("ix_parent_meeting_pupil_held", ["pupil_id", "held_on"], unique=False)
        batch_op.create_index("ix_parent_meeting_pupil_planned", ["pupil_id", "planned_for"], unique=False)


def downgrade():
    with op.batch_alter_table("parent_meeting", schema=None) as batch_op:
        batch_op.drop_index("ix_parent_meeting_pupil_planned")
        batch_op.drop_index("ix_parent_meeting_pupil_held")

    op.drop_table("parent_meeting")
