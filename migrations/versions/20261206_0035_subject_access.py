"""Subject access requests (who asked, for which pupil, the kind, when received and due, any
extension, how they ended) and the records withheld from an export; each school says whether it
is maintained by its local authority (an academy is not), as every school so far is taken to be.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 11:20:00

"""

import sqlalchemy as sa
from alembic import op

import sentrack.models.base

# revision identifiers, used by Alembic.
revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "subject_access_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("subject_access", "educational_record", name="kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("requester_name", sa.String(length=120), nullable=False),
        sa.Column(
            "requester",
            sa.Enum("parent", "pupil", "representative", name="requester", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("extended_on", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("open", "answered", "withdrawn", name="status", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sentrack.models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(status = 'open') = (closed_on IS NULL)", name=op.f("ck_subject_access_request_closed_when_not_open")
        ),
        sa.CheckConstraint(
            "(extended_on IS NULL) = (extension_reason IS NULL)",
            name=op.f("ck_subject_access_request_extended_with_reason"),
        ),
        sa.CheckConstraint(
            "closed_on IS NULL OR closed_on >= received_on",
            name=op.f("ck_subject_access_request_closed_after_received"),
        ),
        sa.CheckConstraint("due_on > received_on", name=op.f("ck_subject_access_request_due_after_received")),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["user.id"], name=op.f("fk_subject_access_request_closed_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_subject_access_request_pupil_id_pupil"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user.id"], name=op.f("fk_subject_access_request_recorded_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_access_request")),
    )
    with op.batch_alter_table("subject_access_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subject_access_request_closed_by_id"), ["closed_by_id"], unique=False)
        batch_op.create_index("ix_subject_access_request_pupil_received", ["pupil_id", "received_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_subject_access_request_recorded_by_id"), ["recorded_by_id"], unique=False)
        batch_op.create_index("ix_subject_access_request_status_due", ["status", "due_on"], unique=False)

    op.create_table(
        "subject_access_withheld",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sentrack.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user.id"], name=op.f("fk_subject_access_withheld_recorded_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["subject_access_request.id"],
            name=op.f("fk_subject_access_withheld_request_id_subject_access_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_access_withheld")),
        sa.UniqueConstraint(
            "request_id", "table_name", "row_id", name=op.f("uq_subject_access_withheld_request_id_table_name_row_id")
        ),
    )
    with op.batch_alter_table("subject_access_withheld", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subject_access_withheld_recorded_by_id"), ["recorded_by_id"], unique=False)

    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(sa.Column("maintained", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_column("maintained")

    with op.batch_alter_table("subject_access_withheld", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subject_access_withheld_recorded_by_id"))

    op.drop_table("subject_access_withheld")
    with op.batch_alter_table("subject_access_request", schema=None) as batch_op:
        batch_op.drop_index("ix_subject_access_request_status_due")
        batch_op.drop_index(batch_op.f("ix_subject_access_request_recorded_by_id"))
        batch_op.drop_index("ix_subject_access_request_pupil_received")
        batch_op.drop_index(batch_op.f("ix_subject_access_request_closed_by_id"))

    op.drop_table("subject_access_request")
