"""Meeting records: the plan agreed at a meeting with parents (plan_id, as review_id links a
review), a separate meeting on a day that already has one (separate_with: with whom, as with
separated parents), and the reason the pupil's views could not be gathered, one of views or reason
being required of a held meeting (CoP 6.65 to 6.71). Held meetings recorded before this without
the pupil's views get a reason saying so, so the new check holds.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 22:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

NOT_RECORDED = "Not recorded: the meeting was recorded before the pupil's views were asked for"


def upgrade():
    with op.batch_alter_table("parent_meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("views_not_gathered", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("plan_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("separate_with", sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_parent_meeting_plan_id_plan"), "plan", ["plan_id"], ["id"])
        batch_op.create_unique_constraint(batch_op.f("uq_parent_meeting_plan_id"), ["plan_id"])
    parent_meeting = sa.table(
        "parent_meeting",
        sa.column("held_on", sa.Date()),
        sa.column("pupil_views", sa.Text()),
        sa.column("views_not_gathered", sa.Text()),
    )
    op.execute(
        parent_meeting.update()
        .where(parent_meeting.c.held_on.isnot(None), parent_meeting.c.pupil_views.is_(None))
        .values(views_not_gathered=NOT_RECORDED)
    )
    with op.batch_alter_table("parent_meeting", schema=None) as batch_op:
        batch_op.create_check_constraint(
            batch_op.f("ck_parent_meeting_held_has_pupil_views"),
            "held_on IS NULL OR pupil_views IS NOT NULL OR views_not_gathered IS NOT NULL",
        )


def downgrade():
    with op.batch_alter_table("parent_meeting", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_parent_meeting_held_has_pupil_views"), type_="check")
        batch_op.drop_constraint(batch_op.f("uq_parent_meeting_plan_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_parent_meeting_plan_id_plan"), type_="foreignkey")
        batch_op.drop_column("separate_with")
        batch_op.drop_column("plan_id")
        batch_op.drop_column("views_not_gathered")
