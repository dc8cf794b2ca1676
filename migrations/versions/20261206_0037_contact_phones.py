"""A contact keeps every phone number given (a CTF gives several, each with its TelephoneType), in
order, in its own table; the contact's one phone number becomes its first, of no stated kind.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06 12:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "contact_phone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=True),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_contact_phone_contact_id_contact"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_phone")),
        sa.UniqueConstraint("contact_id", "position", name=op.f("uq_contact_phone_contact_id_position")),
    )
    with op.batch_alter_table("contact_phone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_phone_contact_id"), ["contact_id"], unique=False)
    op.execute(
        "INSERT INTO contact_phone (contact_id, position, kind, number)"
        " SELECT id, 1, NULL, phone FROM contact WHERE phone IS NOT NULL AND phone <> ''"
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("phone")


def downgrade():
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=30), nullable=True))
    op.execute(
        "UPDATE contact SET phone = (SELECT number FROM contact_phone"
        " WHERE contact_phone.contact_id = contact.id AND contact_phone.position = 1)"
    )
    with op.batch_alter_table("contact_phone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_phone_contact_id"))
    op.drop_table("contact_phone")
