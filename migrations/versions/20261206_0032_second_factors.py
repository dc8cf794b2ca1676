"""Second factors of sign-in: a person's authenticator app (the TOTP secret and the step of the last
code accepted) and their one-use recovery codes (hashed); a signed-in session awaiting the second
factor; the authority's requirement of a second factor for the roles that open many records (on)
and a school's requirement of it for all its staff (off).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 11:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "totp_factor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=60), server_default="Authenticator app", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_step", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_totp_factor_user_id_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_totp_factor")),
        sa.UniqueConstraint("user_id", name=op.f("uq_totp_factor_user_id")),
    )
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_recovery_code_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
        sa.UniqueConstraint("user_id", "code_hash", name=op.f("uq_recovery_code_user_id_code_hash")),
    )
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_code_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("second_factor_pending", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("second_factor_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("local_authority", schema=None) as batch_op:
        batch_op.add_column(sa.Column("second_factor_required", sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(sa.Column("second_factor_for_all", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_column("second_factor_for_all")
    with op.batch_alter_table("local_authority", schema=None) as batch_op:
        batch_op.drop_column("second_factor_required")
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_column("second_factor_at")
        batch_op.drop_column("second_factor_pending")
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_code_user_id"))
    op.drop_table("recovery_code")
    op.drop_table("totp_factor")
