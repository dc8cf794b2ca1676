"""Interventions: the catalogue of intervention types, interventions with their pupils, session
registers and impact, and each school's impact scale.

Reviewed by hand against sentrack/models/interventions.py.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 21:09:15.185892

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "intervention_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
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
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("sessions_per_week", sa.Integer(), nullable=False),
        sa.Column("minutes_per_session", sa.Integer(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column(
            "cost_basis",
            sa.Enum("per_session", "staff_hours", name="cost_basis", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("cost_per_session_pence", sa.Integer(), nullable=True),
        sa.Column("hourly_rate_pence", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.CheckConstraint(
            "(cost_basis = 'per_session' AND cost_per_session_pence IS NOT NULL) OR "
            "(cost_basis = 'staff_hours' AND hourly_rate_pence IS NOT NULL)",
            name=op.f("ck_intervention_type_cost_given"),
        ),
        sa.CheckConstraint(
            "cost_per_session_pence IS NULL OR cost_per_session_pence >= 0",
            name=op.f("ck_intervention_type_cost_not_negative"),
        ),
        sa.CheckConstraint(
            "hourly_rate_pence IS NULL OR hourly_rate_pence >= 0", name=op.f("ck_intervention_type_rate_not_negative")
        ),
        sa.CheckConstraint("minutes_per_session BETWEEN 5 AND 240", name=op.f("ck_intervention_type_minutes_range")),
        sa.CheckConstraint(
            "sessions_per_week BETWEEN 1 AND 5", name=op.f("ck_intervention_type_sessions_per_week_range")
        ),
        sa.CheckConstraint("wave BETWEEN 1 AND 3", name=op.f("ck_intervention_type_wave_range")),
        sa.CheckConstraint("weeks BETWEEN 1 AND 52", name=op.f("ck_intervention_type_weeks_range")),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name=op.f("fk_intervention_type_school_id_school")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention_type")),
        sa.UniqueConstraint("school_id", "name", name=op.f("uq_intervention_type_school_id_name")),
    )
    with op.batch_alter_table("intervention_type", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intervention_type_school_id"), ["school_id"], unique=False)

    op.create_table(
        "intervention",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("type_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "delivery",
            sa.Enum("group", "one_to_one", name="delivery", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("delivered_by_id", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("minutes_per_session", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("measure", sa.String(length=120), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("ends_on > starts_on", name=op.f("ck_intervention_ends_after_start")),
        sa.CheckConstraint("minutes_per_session BETWEEN 5 AND 240", name=op.f("ck_intervention_minutes_range")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_intervention_created_by_id_user")),
        sa.ForeignKeyConstraint(["delivered_by_id"], ["user.id"], name=op.f("fk_intervention_delivered_by_id_user")),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name=op.f("fk_intervention_school_id_school")),
        sa.ForeignKeyConstraint(
            ["type_id"], ["intervention_type.id"], name=op.f("fk_intervention_type_id_intervention_type")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention")),
    )
    with op.batch_alter_table("intervention", schema=None) as batch_op:
        batch_op.create_index("ix_intervention_delivered_by", ["delivered_by_id", "ends_on"], unique=False)
        batch_op.create_index("ix_intervention_school_dates", ["school_id", "starts_on", "ends_on"], unique=False)

    op.create_table(
        "intervention_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["intervention.id"],
            name=op.f("fk_intervention_session_intervention_id_intervention"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user.id"], name=op.f("fk_intervention_session_recorded_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention_session")),
        sa.UniqueConstraint("intervention_id", "held_on", name=op.f("uq_intervention_session_intervention_id_held_on")),
    )
    op.create_table(
        "session_attendance",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_session_attendance_pupil_id_pupil"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["intervention_session.id"],
            name=op.f("fk_session_attendance_session_id_intervention_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "pupil_id", name=op.f("pk_session_attendance")),
    )
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_attendance_pupil_id"), ["pupil_id"], unique=False)

    op.create_table(
        "intervention_pupil",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=True),
        sa.Column("entry_score", sa.String(length=40), nullable=True),
        sa.Column("exit_score", sa.String(length=40), nullable=True),
        sa.Column("impact", sa.Integer(), nullable=True),
        sa.Column("impact_comment", sa.Text(), nullable=True),
        sa.Column("impact_recorded_on", sa.Date(), nullable=True),
        sa.Column("impact_recorded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(impact IS NULL) = (impact_recorded_on IS NULL)", name=op.f("ck_intervention_pupil_impact_dated")
        ),
        sa.CheckConstraint(
            "impact IS NULL OR impact BETWEEN -2 AND 2", name=op.f("ck_intervention_pupil_impact_range")
        ),
        sa.ForeignKeyConstraint(
            ["impact_recorded_by_id"], ["user.id"], name=op.f("fk_intervention_pupil_impact_recorded_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["intervention.id"],
            name=op.f("fk_intervention_pupil_intervention_id_intervention"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outcome_id"], ["outcome.id"], name=op.f("fk_intervention_pupil_outcome_id_outcome"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_intervention_pupil_pupil_id_pupil"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention_pupil")),
        sa.UniqueConstraint("intervention_id", "pupil_id", name=op.f("uq_intervention_pupil_intervention_id_pupil_id")),
    )
    with op.batch_alter_table("intervention_pupil", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intervention_pupil_pupil_id"), ["pupil_id"], unique=False)

    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(sa.Column("impact_scale", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_column("impact_scale")

    with op.batch_alter_table("intervention_pupil", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intervention_pupil_pupil_id"))

    op.drop_table("intervention_pupil")
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_attendance_pupil_id"))

    op.drop_table("session_attendance")
    op.drop_table("intervention_session")
    with op.batch_alter_table("intervention", schema=None) as batch_op:
        batch_op.drop_index("ix_intervention_school_dates")
        batch_op.drop_index("ix_intervention_delivered_by")

    op.drop_table("intervention")
    with op.batch_alter_table("intervention_type", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intervention_type_school_id"))

    op.drop_table("intervention_type")
