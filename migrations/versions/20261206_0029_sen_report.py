"""The governors' annual SEN information report: one per school and academic year, its sections as
text, drafted from the school's figures, versioned as it is edited, and published.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

SECTIONS = (
    "figures",
    "kinds_of_need",
    "identifying",
    "parents",
    "pupils",
    "reviewing",
    "transitions",
    "teaching",
    "staff",
    "provision",
    "inclusion",
    "partners",
    "complaints",
    "contacts",
)


def upgrade():
    op.create_table(
        "sen_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("academic_year", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("draft", "published", name="status", native_enum=False, create_constraint=True, length=9),
            server_default="draft",
            nullable=False,
        ),
        *(sa.Column(name, sa.Text(), nullable=True) for name in SECTIONS),
        sa.Column("figures_as_of", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "(status = 'published') = (published_on IS NOT NULL)", name=op.f("ck_sen_report_published_when_dated")
        ),
        sa.CheckConstraint("academic_year BETWEEN 1900 AND 2100", name=op.f("ck_sen_report_academic_year_in_range")),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name=op.f("fk_sen_report_school_id_school")),
        sa.ForeignKeyConstraint(["published_by_id"], ["user.id"], name=op.f("fk_sen_report_published_by_id_user")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_sen_report_created_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sen_report")),
        sa.UniqueConstraint("school_id", "academic_year", name=op.f("uq_sen_report_school_id_academic_year")),
    )
    with op.batch_alter_table("sen_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sen_report_created_by_id"), ["created_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sen_report_published_by_id"), ["published_by_id"], unique=False)


def downgrade():
    with op.batch_alter_table("sen_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sen_report_published_by_id"))
        batch_op.drop_index(batch_op.f("ix_sen_report_created_by_id"))
    op.drop_table("sen_report")
