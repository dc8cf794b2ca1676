"""Organisation, staff, sign-in sessions, pupils, contacts, SEN status, concerns and audit.

The first schema: reviewed by hand against sentrack/models.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 20:16:08.922856

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "local_authority",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=3), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_authority")),
        sa.UniqueConstraint("code", name=op.f("uq_local_authority_code")),
    )
    op.create_table(
        "school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("urn", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "phase",
            sa.Enum(
                "primary",
                "secondary",
                "all_through",
                "special",
                name="phase",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("local_authority_id", sa.Integer(), nullable=False),
        sa.Column("concern_deadline_days", sa.Integer(), server_default="28", nullable=False),
        sa.Column("review_interval_weeks", sa.Integer(), server_default="8", nullable=False),
        sa.Column("parent_meeting_min_days", sa.Integer(), server_default="28", nullable=False),
        sa.Column("parent_due_window_days", sa.Integer(), server_default="21", nullable=False),
        sa.Column("records_stale_weeks", sa.Integer(), server_default="8", nullable=False),
        sa.CheckConstraint("concern_deadline_days BETWEEN 1 AND 90", name=op.f("ck_school_concern_deadline")),
        sa.CheckConstraint("parent_due_window_days BETWEEN 1 AND 60", name=op.f("ck_school_parent_due_window")),
        sa.CheckConstraint("parent_meeting_min_days BETWEEN 0 AND 90", name=op.f("ck_school_parent_meeting_min_days")),
        sa.CheckConstraint("records_stale_weeks BETWEEN 1 AND 52", name=op.f("ck_school_records_stale_weeks")),
        sa.CheckConstraint("review_interval_weeks BETWEEN 6 AND 12", name=op.f("ck_school_review_interval")),
        sa.ForeignKeyConstraint(
            ["local_authority_id"], ["local_authority.id"], name=op.f("fk_school_local_authority_id_local_authority")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school")),
        sa.UniqueConstraint("urn", name=op.f("uq_school_urn")),
    )
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_school_local_authority_id"), ["local_authority_id"], unique=False)

    op.create_table(
        "pupil",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=24), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("upn", sa.String(length=13), nullable=False),
        sa.Column("first_name", sa.String(length=60), nullable=False),
        sa.Column("last_name", sa.String(length=60), nullable=False),
        sa.Column("preferred_name", sa.String(length=60), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("year_group", sa.Integer(), nullable=False),
        sa.Column("looked_after", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("medical_conditions", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("medical_notes", sa.Text(), nullable=True),
        sa.Column("admitted_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("year_group BETWEEN -1 AND 14", name=op.f("ck_pupil_year_group_range")),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name=op.f("fk_pupil_school_id_school")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pupil")),
        sa.UniqueConstraint("public_id", name=op.f("uq_pupil_public_id")),
        sa.UniqueConstraint("upn", name=op.f("uq_pupil_upn")),
    )
    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.create_index("ix_pupil_school_name", ["school_id", "last_name", "first_name"], unique=False)
        batch_op.create_index("ix_pupil_school_year", ["school_id", "year_group"], unique=False)

    op.create_table(
        "school_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.CheckConstraint("ends_on > starts_on", name=op.f("ck_school_term_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_school_term_school_id_school"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_term")),
        sa.UniqueConstraint("school_id", "starts_on", name=op.f("uq_school_term_school_id_starts_on")),
    )
    op.create_table(
        "teaching_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("year_group", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name=op.f("fk_teaching_group_school_id_school")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teaching_group")),
        sa.UniqueConstraint("school_id", "name", name=op.f("uq_teaching_group_school_id_name")),
    )
    with op.batch_alter_table("teaching_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teaching_group_school_id"), ["school_id"], unique=False)

    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("local_authority_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(), nullable=True),
        sa.Column("last_signed_in_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "school_id IS NOT NULL OR local_authority_id IS NOT NULL", name=op.f("ck_user_belongs_somewhere")
        ),
        sa.ForeignKeyConstraint(
            ["local_authority_id"], ["local_authority.id"], name=op.f("fk_user_local_authority_id_local_authority")
        ),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name=op.f("fk_user_school_id_school")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user")),
        sa.UniqueConstraint("email", name=op.f("uq_user_email")),
    )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_school_id"), ["school_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("pupil_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=True),
        sa.Column("object_id", sa.String(length=40), nullable=True),
        sa.Column("remote_addr", sa.String(length=45), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_audit_event_pupil_id_pupil"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_audit_event_school_id_school"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_audit_event_user_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_pupil_time", ["pupil_id", "occurred_at"], unique=False)
        batch_op.create_index("ix_audit_event_school_time", ["school_id", "occurred_at"], unique=False)

    op.create_table(
        "concern",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("raised_by_id", sa.Integer(), nullable=True),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
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
            nullable=True,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "assessed", "no_further_action", name="status", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(status = 'open' AND decided_on IS NULL) OR (status <> 'open' AND decided_on IS NOT NULL)",
            name=op.f("ck_concern_decided_when_closed"),
        ),
        sa.CheckConstraint("deadline >= raised_on", name=op.f("ck_concern_deadline_after_raised")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user.id"], name=op.f("fk_concern_decided_by_id_user")),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_concern_pupil_id_pupil"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["raised_by_id"], ["user.id"], name=op.f("fk_concern_raised_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concern")),
    )
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.create_index("ix_concern_pupil_raised", ["pupil_id", "raised_on"], unique=False)
        batch_op.create_index("ix_concern_status_deadline", ["status", "deadline"], unique=False)

    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("relationship_to_pupil", sa.String(length=40), nullable=False),
        sa.Column("parental_responsibility", sa.Boolean(), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column(
            "preferred_contact",
            sa.Enum("phone", "email", "letter", name="preferred_contact", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["pupil_id"], ["pupil.id"], name=op.f("fk_contact_pupil_id_pupil"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_pupil_id"), ["pupil_id"], unique=False)

    op.create_table(
        "group_pupil",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["teaching_group.id"], name=op.f("fk_group_pupil_group_id_teaching_group"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_group_pupil_pupil_id_pupil"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("group_id", "pupil_id", name=op.f("pk_group_pupil")),
    )
    with op.batch_alter_table("group_pupil", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_pupil_pupil_id"), ["pupil_id"], unique=False)

    op.create_table(
        "group_teacher",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["teaching_group.id"],
            name=op.f("fk_group_teacher_group_id_teaching_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_group_teacher_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_group_teacher")),
    )
    with op.batch_alter_table("group_teacher", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_teacher_user_id"), ["user_id"], unique=False)

    op.create_table(
        "role_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "senco",
                "head",
                "teacher",
                "support_assistant",
                "governor",
                "la_officer",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_role_assignment_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_assignment")),
        sa.UniqueConstraint("user_id", "role", name=op.f("uq_role_assignment_user_id_role")),
    )
    with op.batch_alter_table("role_assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_assignment_role"), ["role"], unique=False)

    op.create_table(
        "sen_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column(
            "provision",
            sa.Enum("N", "K", "E", name="provision", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "primary_need",
            sa.Enum(
                "SPLD",
                "MLD",
                "SLD",
                "PMLD",
                "SEMH",
                "SLCN",
                "HI",
                "VI",
                "MSI",
                "PD",
                "ASD",
                "OTH",
                "NSA",
                name="primary_need",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column(
            "secondary_need",
            sa.Enum(
                "SPLD",
                "MLD",
                "SLD",
                "PMLD",
                "SEMH",
                "SLCN",
                "HI",
                "VI",
                "MSI",
                "PD",
                "ASD",
                "OTH",
                "NSA",
                name="secondary_need",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(provision = 'N' AND primary_need IS NULL) OR (provision <> 'N' AND primary_need IS NOT NULL)",
            name=op.f("ck_sen_status_need_matches_provision"),
        ),
        sa.CheckConstraint("primary_need <> 'NSA' OR provision = 'K'", name=op.f("ck_sen_status_nsa_only_with_k")),
        sa.CheckConstraint(
            "secondary_need IS NULL OR "
            "(primary_need IS NOT NULL AND secondary_need <> primary_need AND secondary_need <> 'NSA')",
            name=op.f("ck_sen_status_secondary_need_valid"),
        ),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name=op.f("ck_sen_status_dates_in_order")),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_sen_status_pupil_id_pupil"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user.id"], name=op.f("fk_sen_status_recorded_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sen_status")),
    )
    with op.batch_alter_table("sen_status", schema=None) as batch_op:
        batch_op.create_index("ix_sen_status_open_provision", ["provision", "end_date"], unique=False)
        batch_op.create_index("ix_sen_status_pupil_start", ["pupil_id", "start_date"], unique=False)
        batch_op.create_index(
            "uq_sen_status_one_open_per_pupil",
            ["pupil_id"],
            unique=True,
            sqlite_where=sa.text("end_date IS NULL"),
            postgresql_where=sa.text("end_date IS NULL"),
        )

    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_reason", sa.String(length=40), nullable=True),
        sa.Column("remote_addr", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_user_session_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_session_token_hash")),
    )
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_session_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_session_user_id"))

    op.drop_table("user_session")
    with op.batch_alter_table("sen_status", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_sen_status_one_open_per_pupil",
            sqlite_where=sa.text("end_date IS NULL"),
            postgresql_where=sa.text("end_date IS NULL"),
        )
        batch_op.drop_index("ix_sen_status_pupil_start")
        batch_op.drop_index("ix_sen_status_open_provision")

    op.drop_table("sen_status")
    with op.batch_alter_table("role_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_assignment_role"))

    op.drop_table("role_assignment")
    with op.batch_alter_table("group_teacher", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_teacher_user_id"))

    op.drop_table("group_teacher")
    with op.batch_alter_table("group_pupil", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_pupil_pupil_id"))

    op.drop_table("group_pupil")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_pupil_id"))

    op.drop_table("contact")
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.drop_index("ix_concern_status_deadline")
        batch_op.drop_index("ix_concern_pupil_raised")

    op.drop_table("concern")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_school_time")
        batch_op.drop_index("ix_audit_event_pupil_time")

    op.drop_table("audit_event")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_school_id"))

    op.drop_table("user")
    with op.batch_alter_table("teaching_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teaching_group_school_id"))

    op.drop_table("teaching_group")
    op.drop_table("school_term")
    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.drop_index("ix_pupil_school_year")
        batch_op.drop_index("ix_pupil_school_name")

    op.drop_table("pupil")
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_school_local_authority_id"))

    op.drop_table("school")
    op.drop_table("local_authority")
