"""What a signed-in session remembers from page to page (the pupil search text), kept on the
server in session_value rather than in the browser's cookie.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 01:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "session_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_session_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_session_id"],
            ["user_session.id"],
            name=op.f("fk_session_value_user_session_id_user_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_value")),
        sa.UniqueConstraint("user_session_id", "name", name=op.f("uq_session_value_user_session_id_name")),
    )


def downgrade():
    op.drop_table("session_value")
