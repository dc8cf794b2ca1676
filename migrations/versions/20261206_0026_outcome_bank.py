"""The school's bank of outcome wordings, by area of need, seeded for every school with the
starting wordings (sentrack/workflows/outcome_bank.py).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 12:00:00

Reviewed by hand against sentrack/models/outcome_bank.py.
"""

import sqlalchemy as sa
from alembic import op

import sentrack.models.base

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outcome_wording",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column(
            "area_of_need",
            sa.Enum(
                "communication",
                "cognition",
                "semh",
                "sensory_physical",
                name="area_of_need",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("success_criteria", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", sentrack.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name=op.f("fk_outcome_wording_school_id_school")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_wording")),
        sa.UniqueConstraint(
            "school_id", "area_of_need", "wording", name=op.f("uq_outcome_wording_school_id_area_of_need_wording")
        ),
    )
    with op.batch_alter_table("outcome_wording", schema=None) as batch_op:
        batch_op.create_index("ix_outcome_wording_school_area", ["school_id", "area_of_need", "active"], unique=False)
    _seed_every_school()


def _seed_every_school():
    """Every school there is starts with the bank (a school added later gets it from the daily sweep)."""
    from datetime import UTC, datetime

    from sentrack.workflows.outcome_bank import STARTING_WORDINGS

    connection = op.get_bind()
    school_ids = [row[0] for row in connection.execute(sa.text("SELECT id FROM school"))]
    wording = sa.table(
        "outcome_wording",
        sa.column("school_id", sa.Integer),
        sa.column("area_of_need", sa.String),
        sa.column("wording", sa.Text),
        sa.column("success_criteria", sa.Text),
        sa.column("active", sa.Boolean),
        sa.column("version", sa.Integer),
        sa.column("updated_at", sa.DateTime),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [
        {
            "school_id": school_id,
            "area_of_need": area.value,
            "wording": text,
            "success_criteria": criteria,
            "active": True,
            "version": 1,
            "updated_at": now,
        }
        for school_id in school_ids
        for area, text, criteria in STARTING_WORDINGS
    ]
    if rows:
        op.bulk_insert(wording, rows)


def downgrade():
    with op.batch_alter_table("outcome_wording", schema=None) as batch_op:
        batch_op.drop_index("ix_outcome_wording_school_area")

    op.drop_table("outcome_wording")
