"""Staff set their own passwords through an emailed invitation; roles that open SEN records,
proposed by an administrator, wait for the head teacher or SENCO to confirm them; a password
chosen by someone else must be changed at the first sign-in.

Reviewed by hand against sentrack/models/people.py.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 01:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ROLES = ("senco", "head", "teacher", "support_assistant", "governor", "la_officer", "admin")


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table(
        "role_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.Enum(*ROLES, name="role", native_enum=False, create_constraint=True), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_role_proposal_user_id_user"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["user.id"], name=op.f("fk_role_proposal_proposed_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_proposal")),
        sa.UniqueConstraint("user_id", "role", name=op.f("uq_role_proposal_user_id_role")),
    )
    with op.batch_alter_table("role_proposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_proposal_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_role_proposal_proposed_by_id"), ["proposed_by_id"], unique=False)

    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_invitation_user_id_user"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["user.id"], name=op.f("fk_invitation_invited_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitation_token_hash")),
    )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitation_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitation_invited_by_id"), ["invited_by_id"], unique=False)


def downgrade():
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitation_invited_by_id"))
        batch_op.drop_index(batch_op.f("ix_invitation_user_id"))
    op.drop_table("invitation")
    with op.batch_alter_table("role_proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_proposal_proposed_by_id"))
        batch_op.drop_index(batch_op.f("ix_role_proposal_user_id"))
    op.drop_table("role_proposal")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
