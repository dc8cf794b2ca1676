"""Letter templates: each school's wording of its letters to parents (the s.68 notice first),
with placeholders; and a contact's restriction (a court order, a safeguarding concern or another
reason the school sends them no letters or copies of records), with a note.

A school with no saved template uses the app's default wording until its SENCO saves their own.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

RESTRICTIONS = ("none", "court_order", "safeguarding", "other")


def upgrade():
    op.create_table(
        "letter_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_letter_template_school_id_school"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user.id"], name=op.f("fk_letter_template_updated_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_template")),
        sa.UniqueConstraint("school_id", "kind", name=op.f("uq_letter_template_school_id_kind")),
    )
    with op.batch_alter_table("letter_template", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letter_template_updated_by_id"), ["updated_by_id"], unique=False)

    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("restriction", sa.String(length=12), server_default="none", nullable=False))
        batch_op.add_column(sa.Column("restriction_note", sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_contact_restriction"), "restriction IN (" + ", ".join(f"'{r}'" for r in RESTRICTIONS) + ")"
        )


def downgrade():
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_contact_restriction"), type_="check")
        batch_op.drop_column("restriction_note")
        batch_op.drop_column("restriction")

    with op.batch_alter_table("letter_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letter_template_updated_by_id"))

    op.drop_table("letter_template")
