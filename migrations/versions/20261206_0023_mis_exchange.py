"""What passes between SEN Track and the school's MIS and other schools: imports and their
previews, SEN differences waiting for the SENCO, the SEN the last CTF gave, CTF exports, transfers
between schools and year-end rollovers; the school's establishment number; a pupil's sex, former
UPN, preferred surname, destination and previous record; a contact's relationship code; classes
that end at the year end (one current class of a name).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 04:54:56.787687

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ctf_export",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("destination", sa.String(length=7), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.Enum("ctf", "pack", name="kind", native_enum=False, create_constraint=True), nullable=False
        ),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("exported_by_id", sa.Integer(), nullable=True),
        sa.Column("exported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["exported_by_id"], ["user.id"], name=op.f("fk_ctf_export_exported_by_id_user")),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_ctf_export_pupil_id_pupil"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name=op.f("fk_ctf_export_school_id_school")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ctf_export")),
        sa.UniqueConstraint(
            "school_id", "destination", "sequence", name=op.f("uq_ctf_export_school_id_destination_sequence")
        ),
    )
    with op.batch_alter_table("ctf_export", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ctf_export_exported_by_id"), ["exported_by_id"], unique=False)
        batch_op.create_index("ix_ctf_export_pupil", ["pupil_id", "exported_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ctf_export_school_id"), ["school_id"], unique=False)

    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("ctf", "pupils_csv", "classes_csv", name="kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum("preview", "applied", "discarded", name="status", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("header", sa.JSON(), nullable=True),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "(status = 'preview') = (decided_at IS NULL)", name=op.f("ck_import_batch_decided_when_done")
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user.id"], name=op.f("fk_import_batch_decided_by_id_user")),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name=op.f("fk_import_batch_school_id_school")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user.id"], name=op.f("fk_import_batch_uploaded_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batch_decided_by_id"), ["decided_by_id"], unique=False)
        batch_op.create_index("ix_import_batch_school_uploaded", ["school_id", "uploaded_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_batch_uploaded_by_id"), ["uploaded_by_id"], unique=False)

    op.create_table(
        "year_end",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("academic_year", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("run_by_id", sa.Integer(), nullable=True),
        sa.Column("run_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["run_by_id"], ["user.id"], name=op.f("fk_year_end_run_by_id_user")),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name=op.f("fk_year_end_school_id_school")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_year_end")),
        sa.UniqueConstraint("school_id", "academic_year", name=op.f("uq_year_end_school_id_academic_year")),
    )
    with op.batch_alter_table("year_end", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_year_end_run_by_id"), ["run_by_id"], unique=False)

    op.create_table(
        "mis_sen",
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column(
            "provision",
            sa.Enum("N", "K", "E", name="provision", native_enum=False, create_constraint=True),
            nullable=True,
        ),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["import_batch.id"], name=op.f("fk_mis_sen_batch_id_import_batch")),
        sa.ForeignKeyConstraint(["pupil_id"], ["pupil.id"], name=op.f("fk_mis_sen_pupil_id_pupil"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pupil_id", name=op.f("pk_mis_sen")),
    )
    with op.batch_alter_table("mis_sen", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mis_sen_batch_id"), ["batch_id"], unique=False)

    op.create_table(
        "pupil_transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_pupil_id", sa.Integer(), nullable=False),
        sa.Column("to_school_id", sa.Integer(), nullable=False),
        sa.Column("to_pupil_id", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("awaiting", "confirmed", "declined", name="status", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(status = 'awaiting') = (decided_at IS NULL)", name=op.f("ck_pupil_transfer_decided_when_closed")
        ),
        sa.CheckConstraint(
            "(status = 'confirmed') = (to_pupil_id IS NOT NULL)",
            name=op.f("ck_pupil_transfer_new_record_when_confirmed"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_pupil_transfer_batch_id_import_batch")
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user.id"], name=op.f("fk_pupil_transfer_decided_by_id_user")),
        sa.ForeignKeyConstraint(
            ["from_pupil_id"], ["pupil.id"], name=op.f("fk_pupil_transfer_from_pupil_id_pupil"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user.id"], name=op.f("fk_pupil_transfer_requested_by_id_user")),
        sa.ForeignKeyConstraint(["to_pupil_id"], ["pupil.id"], name=op.f("fk_pupil_transfer_to_pupil_id_pupil")),
        sa.ForeignKeyConstraint(["to_school_id"], ["school.id"], name=op.f("fk_pupil_transfer_to_school_id_school")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pupil_transfer")),
    )
    with op.batch_alter_table("pupil_transfer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pupil_transfer_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pupil_transfer_decided_by_id"), ["decided_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pupil_transfer_from_pupil_id"), ["from_pupil_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pupil_transfer_requested_by_id"), ["requested_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pupil_transfer_to_pupil_id"), ["to_pupil_id"], unique=False)
        batch_op.create_index("ix_pupil_transfer_to_school_status", ["to_school_id", "status"], unique=False)
        batch_op.create_index(
            "uq_pupil_transfer_one_awaiting_per_pupil",
            ["from_pupil_id"],
            unique=True,
            sqlite_where=sa.text("status = 'awaiting'"),
            postgresql_where=sa.text("status = 'awaiting'"),
        )

    op.create_table(
        "sen_difference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
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
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("open", "accepted", "kept", name="status", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "(status = 'open') = (decided_at IS NULL)", name=op.f("ck_sen_difference_decided_when_closed")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_sen_difference_batch_id_import_batch")
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user.id"], name=op.f("fk_sen_difference_decided_by_id_user")),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_sen_difference_pupil_id_pupil"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sen_difference")),
    )
    with op.batch_alter_table("sen_difference", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sen_difference_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sen_difference_decided_by_id"), ["decided_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sen_difference_pupil_id"), ["pupil_id"], unique=False)
        batch_op.create_index("ix_sen_difference_status", ["status"], unique=False)
        batch_op.create_index(
            "uq_sen_difference_one_open_per_pupil",
            ["pupil_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("relationship_code", sa.String(length=3), nullable=True))

    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preferred_last_name", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("former_upn", sa.String(length=13), nullable=True))
        batch_op.add_column(sa.Column("sex", sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column("destination_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("destination_urn", sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column("destination_la", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("destination_estab", sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column("previous_pupil_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_pupil_former_upn", ["former_upn"], unique=False)
        batch_op.create_index("ix_pupil_previous_pupil_id", ["previous_pupil_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_pupil_previous_pupil_id_pupil"), "pupil", ["previous_pupil_id"], ["id"]
        )
        batch_op.create_check_constraint(batch_op.f("ck_pupil_sex_code"), "sex IS NULL OR sex IN ('M', 'F')")

    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(sa.Column("estab_number", sa.String(length=4), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_school_local_authority_id_estab_number"), ["local_authority_id", "estab_number"]
        )
        batch_op.create_check_constraint(batch_op.f("ck_school_estab_number_digits"), "length(estab_number) = 4")

    with op.batch_alter_table("teaching_group", schema=None) as batch_op:
        batch_op.add_column(sa.Column("academic_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_teaching_group_school_id_name"), type_="unique")
        batch_op.create_index(
            "uq_teaching_group_current_name",
            ["school_id", "name"],
            unique=True,
            sqlite_where=sa.text("ended_on IS NULL"),
            postgresql_where=sa.text("ended_on IS NULL"),
        )


def downgrade():
    with op.batch_alter_table("teaching_group", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_teaching_group_current_name",
            sqlite_where=sa.text("ended_on IS NULL"),
            postgresql_where=sa.text("ended_on IS NULL"),
        )
        batch_op.create_unique_constraint(batch_op.f("uq_teaching_group_school_id_name"), ["school_id", "name"])
        batch_op.drop_column("ended_on")
        batch_op.drop_column("academic_year")

    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_school_estab_number_digits"), type_="check")
        batch_op.drop_constraint(batch_op.f("uq_school_local_authority_id_estab_number"), type_="unique")
        batch_op.drop_column("estab_number")

    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_pupil_sex_code"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_pupil_previous_pupil_id_pupil"), type_="foreignkey")
        batch_op.drop_index("ix_pupil_previous_pupil_id")
        batch_op.drop_index("ix_pupil_former_upn")
        batch_op.drop_column("previous_pupil_id")
        batch_op.drop_column("destination_estab")
        batch_op.drop_column("destination_la")
        batch_op.drop_column("destination_urn")
        batch_op.drop_column("destination_name")
        batch_op.drop_column("sex")
        batch_op.drop_column("former_upn")
        batch_op.drop_column("preferred_last_name")

    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("relationship_code")

    with op.batch_alter_table("sen_difference", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_sen_difference_one_open_per_pupil",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.drop_index("ix_sen_difference_status")
        batch_op.drop_index(batch_op.f("ix_sen_difference_pupil_id"))
        batch_op.drop_index(batch_op.f("ix_sen_difference_decided_by_id"))
        batch_op.drop_index(batch_op.f("ix_sen_difference_batch_id"))

    op.drop_table("sen_difference")
    with op.batch_alter_table("pupil_transfer", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_pupil_transfer_one_awaiting_per_pupil",
            sqlite_where=sa.text("status = 'awaiting'"),
            postgresql_where=sa.text("status = 'awaiting'"),
        )
        batch_op.drop_index("ix_pupil_transfer_to_school_status")
        batch_op.drop_index(batch_op.f("ix_pupil_transfer_to_pupil_id"))
        batch_op.drop_index(batch_op.f("ix_pupil_transfer_requested_by_id"))
        batch_op.drop_index(batch_op.f("ix_pupil_transfer_from_pupil_id"))
        batch_op.drop_index(batch_op.f("ix_pupil_transfer_decided_by_id"))
        batch_op.drop_index(batch_op.f("ix_pupil_transfer_batch_id"))

    op.drop_table("pupil_transfer")
    with op.batch_alter_table("mis_sen", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mis_sen_batch_id"))

    op.drop_table("mis_sen")
    with op.batch_alter_table("year_end", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_year_end_run_by_id"))

    op.drop_table("year_end")
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batch_uploaded_by_id"))
        batch_op.drop_index("ix_import_batch_school_uploaded")
        batch_op.drop_index(batch_op.f("ix_import_batch_decided_by_id"))

    op.drop_table("import_batch")
    with op.batch_alter_table("ctf_export", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ctf_export_school_id"))
        batch_op.drop_index("ix_ctf_export_pupil")
        batch_op.drop_index(batch_op.f("ix_ctf_export_exported_by_id"))

    op.drop_table("ctf_export")
