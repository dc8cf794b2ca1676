"""Support cycles (assess, plan, do, review), outcomes, observations, reviews, the pupil's
timeline, record revisions for edit conflicts, and letters to parents.

Reviewed by hand against sentrack/models/cycles.py.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 20:35:08.662015

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "record_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["saved_by_id"], ["user.id"], name=op.f("fk_record_revision_saved_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_revision")),
        sa.UniqueConstraint(
            "record_type", "record_id", "version", name=op.f("uq_record_revision_record_type_record_id_version")
        ),
    )
    op.create_table(
        "parent_letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("sen_status_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_parent_letter_pupil_id_pupil"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["sen_status_id"], ["sen_status.id"], name=op.f("fk_parent_letter_sen_status_id_sen_status")
        ),
        sa.ForeignKeyConstraint(["sent_by_id"], ["user.id"], name=op.f("fk_parent_letter_sent_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parent_letter")),
        sa.UniqueConstraint("sen_status_id", "kind", name=op.f("uq_parent_letter_sen_status_id_kind")),
    )
    with op.batch_alter_table("parent_letter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parent_letter_pupil_id"), ["pupil_id"], unique=False)

    op.create_table(
        "support_cycle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "assess", "plan", "do", "review", "closed", name="state", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("concern_id", sa.Integer(), nullable=True),
        sa.Column("previous_cycle_id", sa.Integer(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(state = 'closed') = (closed_on IS NOT NULL)", name=op.f("ck_support_cycle_closed_on_when_closed")
        ),
        sa.ForeignKeyConstraint(["concern_id"], ["concern.id"], name=op.f("fk_support_cycle_concern_id_concern")),
        sa.ForeignKeyConstraint(["opened_by_id"], ["user.id"], name=op.f("fk_support_cycle_opened_by_id_user")),
        sa.ForeignKeyConstraint(
            ["previous_cycle_id"], ["support_cycle.id"], name=op.f("fk_support_cycle_previous_cycle_id_support_cycle")
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_support_cycle_pupil_id_pupil"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_cycle")),
        sa.UniqueConstraint("pupil_id", "number", name=op.f("uq_support_cycle_pupil_id_number")),
    )
    with op.batch_alter_table("support_cycle", schema=None) as batch_op:
        batch_op.create_index("ix_support_cycle_state", ["state"], unique=False)
        batch_op.create_index(
            "uq_support_cycle_one_open_per_pupil",
            ["pupil_id"],
            unique=True,
            sqlite_where=sa.text("state <> 'closed'"),
            postgresql_where=sa.text("state <> 'closed'"),
        )

    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("areas_of_need", sa.JSON(), nullable=False),
        sa.Column("strengths", sa.Text(), nullable=False),
        sa.Column("difficulties", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("pupil_views", sa.Text(), nullable=True),
        sa.Column("parent_views", sa.Text(), nullable=True),
        sa.Column("outside_agencies", sa.Text(), nullable=True),
        sa.Column("assessed_by_id", sa.Integer(), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assessed_by_id"], ["user.id"], name=op.f("fk_assessment_assessed_by_id_user")),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["support_cycle.id"], name=op.f("fk_assessment_cycle_id_support_cycle"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
        sa.UniqueConstraint("cycle_id", name=op.f("uq_assessment_cycle_id")),
    )
    op.create_table(
        "outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("success_criteria", sa.Text(), nullable=False),
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
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column("carried_from_id", sa.Integer(), nullable=True),
        sa.Column(
            "rating",
            sa.Enum(
                "not_achieved",
                "partly_achieved",
                "achieved",
                "exceeded",
                name="rating",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("rating_note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["carried_from_id"], ["outcome.id"], name=op.f("fk_outcome_carried_from_id_outcome")),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["support_cycle.id"], name=op.f("fk_outcome_cycle_id_support_cycle"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("outcome", schema=None) as batch_op:
        batch_op.create_index("ix_outcome_cycle", ["cycle_id", "position"], unique=False)

    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("strategies", sa.Text(), nullable=True),
        sa.Column("provision", sa.Text(), nullable=True),
        sa.Column("responsibilities", sa.Text(), nullable=True),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("agreed_with_parents_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("review_date IS NULL OR review_date > starts_on", name=op.f("ck_plan_review_after_start")),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["support_cycle.id"], name=op.f("fk_plan_cycle_id_support_cycle"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user.id"], name=op.f("fk_plan_updated_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
        sa.UniqueConstraint("cycle_id", name=op.f("uq_plan_cycle_id")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("attendees", sa.Text(), nullable=True),
        sa.Column("parent_attended", sa.Boolean(), nullable=False),
        sa.Column("provision_impact", sa.Text(), nullable=True),
        sa.Column("pupil_views", sa.Text(), nullable=True),
        sa.Column("parent_views", sa.Text(), nullable=True),
        sa.Column("next_steps", sa.Text(), nullable=True),
        sa.Column(
            "decision",
            sa.Enum("continue", "step_down", "request_ehc", name="decision", native_enum=False, create_constraint=True),
            nullable=True,
        ),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("ehc_requested_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "decision IS NOT NULL OR recorded_at IS NULL", name=op.f("ck_review_decision_when_recorded")
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["support_cycle.id"], name=op.f("fk_review_cycle_id_support_cycle"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user.id"], name=op.f("fk_review_updated_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
        sa.UniqueConstraint("cycle_id", name=op.f("uq_review_cycle_id")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "timeline_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name=op.f("fk_timeline_event_actor_id_user")),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["support_cycle.id"], name=op.f("fk_timeline_event_cycle_id_support_cycle")
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_timeline_event_pupil_id_pupil"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_event")),
    )
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.create_index("ix_timeline_event_pupil", ["pupil_id", "effective_on", "id"], unique=False)

    op.create_table(
        "observation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=True),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["support_cycle.id"], name=op.f("fk_observation_cycle_id_support_cycle"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["outcome_id"], ["outcome.id"], name=op.f("fk_observation_outcome_id_outcome")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user.id"], name=op.f("fk_observation_recorded_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observation")),
    )
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.create_index("ix_observation_cycle_date", ["cycle_id", "observed_on"], unique=False)


def downgrade():
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_index("ix_observation_cycle_date")

    op.drop_table("observation")
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.drop_index("ix_timeline_event_pupil")

    op.drop_table("timeline_event")
    op.drop_table("review")
    op.drop_table("plan")
    with op.batch_alter_table("outcome", schema=None) as batch_op:
        batch_op.drop_index("ix_outcome_cycle")

    op.drop_table("outcome")
    op.drop_table("assessment")
    with op.batch_alter_table("support_cycle", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_support_cycle_one_open_per_pupil",
            sqlite_where=sa.text("state <> 'closed'"),
            postgresql_where=sa.text("state <> 'closed'"),
        )
        batch_op.drop_index("ix_support_cycle_state")

    op.drop_table("support_cycle")
    with op.batch_alter_table("parent_letter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parent_letter_pupil_id"))

    op.drop_table("parent_letter")
    op.drop_table("record_revision")
