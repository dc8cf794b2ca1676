"""Retention and destruction of leavers' records: each school's retention periods (an SEN file and
any other pupil's record, in years after the date of birth), legal holds that stop a destruction,
and the destruction log, which names no child.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06 12:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sen_file_kept_years", sa.Integer(), server_default="31", nullable=False))
        batch_op.add_column(sa.Column("pupil_record_kept_years", sa.Integer(), server_default="25", nullable=False))
        batch_op.create_check_constraint(
            op.f("ck_school_sen_file_kept_years"), "sen_file_kept_years BETWEEN 25 AND 100"
        )
        batch_op.create_check_constraint(
            op.f("ck_school_pupil_record_kept_years"), "pupil_record_kept_years BETWEEN 6 AND 100"
        )
    op.create_table(
        "legal_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by_id", sa.Integer(), nullable=True),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "(lifted_at IS NULL) = (lifted_by_id IS NULL)", name=op.f("ck_legal_hold_lifted_by_someone")
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_legal_hold_pupil_id_pupil"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["placed_by_id"], ["user.id"], name=op.f("fk_legal_hold_placed_by_id_user")),
        sa.ForeignKeyConstraint(["lifted_by_id"], ["user.id"], name=op.f("fk_legal_hold_lifted_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_hold")),
    )
    with op.batch_alter_table("legal_hold", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legal_hold_pupil_id"), ["pupil_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_legal_hold_placed_by_id"), ["placed_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_legal_hold_lifted_by_id"), ["lifted_by_id"], unique=False)
        batch_op.create_index(
            "uq_legal_hold_one_active_per_pupil",
            ["pupil_id"],
            unique=True,
            sqlite_where=sa.text("lifted_at IS NULL"),
            postgresql_where=sa.text("lifted_at IS NULL"),
        )
    op.create_table(
        "destruction_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("record_kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("kept_until", sa.Date(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_name", sa.String(length=120), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name=op.f("fk_destruction_log_school_id_school")),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["user.id"], name=op.f("fk_destruction_log_approved_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destruction_log")),
    )
    with op.batch_alter_table("destruction_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_destruction_log_approved_by_id"), ["approved_by_id"], unique=False)
        batch_op.create_index("ix_destruction_log_school_time", ["school_id", "destroyed_at"], unique=False)


def downgrade():
    op.drop_table("destruction_log")
    op.drop_table("legal_hold")
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_school_pupil_record_kept_years"), type_="check")
        batch_op.drop_constraint(op.f("ck_school_sen_file_kept_years"), type_="check")
        batch_op.drop_column("pupil_record_kept_years")
        batch_op.drop_column("sen_file_kept_years")
