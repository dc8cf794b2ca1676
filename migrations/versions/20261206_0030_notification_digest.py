"""Notifications people can manage: each person's choice of how the email of each kind of
notification reaches them (in the daily email, as it happens, or not at all), the daily emails,
one per person per day, each notification's daily email, a notification never emailed
("skipped"), and an index for a person's notifications newest first.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 07:56:01.958179

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

STATUSES = ("pending", "sent", "failed")


def _email_status_check(statuses: tuple[str, ...]) -> str:
    return "email_status IN ({})".format(", ".join(f"'{status}'" for status in statuses))


def upgrade():
    op.create_table(
        "email_digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "email_status",
            sa.Enum(
                "pending", "sent", "failed", "skipped", name="digest_status", native_enum=False, create_constraint=True
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_email_digest_attempts_not_negative")),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["user.id"], name=op.f("fk_email_digest_recipient_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_digest")),
        sa.UniqueConstraint("recipient_id", "day", name=op.f("uq_email_digest_recipient_id_day")),
    )
    with op.batch_alter_table("email_digest", schema=None) as batch_op:
        batch_op.create_index("ix_email_digest_due", ["email_status", "next_attempt_at"], unique=False)

    op.create_table(
        "notification_preference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column(
            "delivery",
            sa.Enum("digest", "immediate", "none", name="delivery", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_notification_preference_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preference")),
        sa.UniqueConstraint("user_id", "kind", name=op.f("uq_notification_preference_user_id_kind")),
    )

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notification_digest_id"), ["digest_id"], unique=False)
        batch_op.create_index("ix_notification_recipient_created", ["recipient_id", "created_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notification_digest_id_email_digest"),
            "email_digest",
            ["digest_id"],
            ["id"],
            ondelete="SET NULL",
        )
        # A notification may now be one never emailed ("skipped").
        batch_op.drop_constraint(batch_op.f("ck_notification_email_status"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_notification_email_status"), _email_status_check((*STATUSES, "skipped"))
        )


def downgrade():
    op.execute("UPDATE notification SET email_status = 'sent' WHERE email_status = 'skipped'")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_notification_email_status"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_notification_email_status"), _email_status_check(STATUSES))
        batch_op.drop_constraint(batch_op.f("fk_notification_digest_id_email_digest"), type_="foreignkey")
        batch_op.drop_index("ix_notification_recipient_created")
        batch_op.drop_index(batch_op.f("ix_notification_digest_id"))
        batch_op.drop_column("digest_id")

    op.drop_table("notification_preference")
    with op.batch_alter_table("email_digest", schema=None) as batch_op:
        batch_op.drop_index("ix_email_digest_due")

    op.drop_table("email_digest")
