"""Form submissions: the one-time tokens of create forms, so that a form sent twice (a double
click, Back then Save) is saved once and the repeat answered as the first was.

Reviewed by hand against sentrack/models/submissions.py.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 01:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "form_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_form_submission_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_submission")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_form_submission_token_hash")),
    )
    with op.batch_alter_table("form_submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_submission_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_form_submission_created_at"), ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("form_submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_submission_created_at"))
        batch_op.drop_index(batch_op.f("ix_form_submission_user_id"))

    op.drop_table("form_submission")
