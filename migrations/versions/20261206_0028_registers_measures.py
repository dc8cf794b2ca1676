"""Registers as teachers keep them, and typed measures: why a pupil missed a session (with a
note), a session that did not happen and why, a register's version for its corrections; how an
intervention's entry and exit measures are written (a named scale with its lowest and highest
score, a standardised score, a reading age, free text) and the end date planned before it was
ended early.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

MEASURE_TYPES = ("scale", "standardised", "reading_age", "free_text")
ABSENCE_REASONS = ("ill", "appointment", "other_commitment", "not_in_school", "declined", "other")
NOT_HELD_REASONS = ("staff_absent", "trip", "school_closed", "other")


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=max(map(len, values)))


def upgrade():
    with op.batch_alter_table("intervention", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("measure_type", _enum(MEASURE_TYPES, "measure_type"), server_default="free_text", nullable=False)
        )
        batch_op.add_column(sa.Column("measure_min", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("measure_max", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("planned_ends_on", sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            "scale_bounds", "measure_type != 'scale' OR (measure_min IS NOT NULL AND measure_max > measure_min)"
        )
        batch_op.create_check_constraint(
            "ended_early_before_plan", "planned_ends_on IS NULL OR planned_ends_on > ends_on"
        )

    with op.batch_alter_table("intervention_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("not_held_reason", _enum(NOT_HELD_REASONS, "not_held_reason"), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))

    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("absence_reason", _enum(ABSENCE_REASONS, "absence_reason"), nullable=True))
        batch_op.add_column(sa.Column("absence_note", sa.String(length=200), nullable=True))
        batch_op.create_check_constraint("present_has_no_reason", "NOT attended OR absence_reason IS NULL")


def downgrade():
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_session_attendance_present_has_no_reason"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_session_attendance_absence_reason"), type_="check")
        batch_op.drop_column("absence_note")
        batch_op.drop_column("absence_reason")

    with op.batch_alter_table("intervention_session", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_intervention_session_not_held_reason"), type_="check")
        batch_op.drop_column("version")
        batch_op.drop_column("not_held_reason")

    with op.batch_alter_table("intervention", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_intervention_ended_early_before_plan"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_intervention_scale_bounds"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_intervention_measure_type"), type_="check")
        batch_op.drop_column("planned_ends_on")
        batch_op.drop_column("measure_max")
        batch_op.drop_column("measure_min")
        batch_op.drop_column("measure_type")
