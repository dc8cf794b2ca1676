"""Security keys and passkeys (WebAuthn) as a second factor of sign-in: each person's
credentials, with the public key, the signature count last seen and the name they gave it.

Reviewed by hand against sentrack/models/webauthn.py.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 13:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "webauthn_credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.LargeBinary(length=1023), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("transports", sa.JSON(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_webauthn_credential_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webauthn_credential")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_webauthn_credential_credential_id")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_webauthn_credential_user_id_name")),
    )
    with op.batch_alter_table("webauthn_credential", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webauthn_credential_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("webauthn_credential", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webauthn_credential_user_id"))
    op.drop_table("webauthn_credential")
