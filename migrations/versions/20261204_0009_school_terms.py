"""The school's real terms: each stored term is one of the three terms (autumn, spring, summer) of
an academic year, so that the school's own dates replace the default for exactly that term, with
its half-term holiday if recorded. The name column goes (the name follows from the season and the
year). Existing rows are given the season their first day falls in (September to December autumn,
January to March spring, April to August summer); rows of one school that fall in the same term
(a term entered as two halves) become one term from the first's first day to the last's last day,
the gap between them its half-term holiday.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 22:00:00

"""

from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SEASONS = ("autumn", "spring", "summer")


def _season(day: date) -> str:
    return "autumn" if day.month >= 9 else "spring" if day.month <= 3 else "summer"


def _name(season: str, year: int) -> str:
    return f"{season.capitalize()} {year if season == 'autumn' else year + 1}"


def upgrade():
    with op.batch_alter_table("school_term", schema=None) as batch_op:
        batch_op.add_column(sa.Column("academic_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("season", sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column("half_term_starts_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("half_term_ends_on", sa.Date(), nullable=True))

    bind = op.get_bind()
    term = sa.table(
        "school_term",
        sa.column("id", sa.Integer),
        sa.column("school_id", sa.Integer),
        sa.column("starts_on", sa.Date),
        sa.column("ends_on", sa.Date),
        sa.column("academic_year", sa.Integer),
        sa.column("season", sa.String),
        sa.column("half_term_starts_on", sa.Date),
        sa.column("half_term_ends_on", sa.Date),
    )
    groups = defaultdict(list)
    for row in bind.execute(
        sa.select(term.c.id, term.c.school_id, term.c.starts_on, term.c.ends_on).order_by(term.c.starts_on)
    ):
        starts_on = row.starts_on if isinstance(row.starts_on, date) else date.fromisoformat(str(row.starts_on))
        ends_on = row.ends_on if isinstance(row.ends_on, date) else date.fromisoformat(str(row.ends_on))
        year = starts_on.year if starts_on.month >= 9 else starts_on.year - 1
        groups[(row.school_id, year, _season(starts_on))].append((row.id, starts_on, ends_on))
    for (_, year, season), rows in groups.items():
        first_id, starts_on, ends_on = rows[0]
        half = None
        if len(rows) > 1:
            last_end = max(r[2] for r in rows)
            gap = (rows[0][2] + timedelta(days=1), rows[1][1] - timedelta(days=1))
            if starts_on < gap[0] <= gap[1] < last_end:
                half = gap
            ends_on = last_end
            bind.execute(sa.delete(term).where(term.c.id.in_([r[0] for r in rows[1:]])))
        bind.execute(
            sa.update(term)
            .where(term.c.id == first_id)
            .values(
                academic_year=year,
                season=season,
                ends_on=ends_on,
                half_term_starts_on=half[0] if half else None,
                half_term_ends_on=half[1] if half else None,
            )
        )

    with op.batch_alter_table("school_term", schema=None) as batch_op:
        batch_op.alter_column("academic_year", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("season", existing_type=sa.String(length=6), nullable=False)
        batch_op.drop_constraint(batch_op.f("uq_school_term_school_id_starts_on"), type_="unique")
        batch_op.drop_column("name")
        batch_op.create_unique_constraint(
            batch_op.f("uq_school_term_school_id_academic_year_season"), ["school_id", "academic_year", "season"]
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_school_term_season"), "season IN ('autumn', 'spring', 'summer')"
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_school_term_academic_year_range"), "academic_year BETWEEN 2000 AND 2099"
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_school_term_half_term_both_or_neither"),
            "(half_term_starts_on IS NULL) = (half_term_ends_on IS NULL)",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_school_term_half_term_inside"),
            "half_term_starts_on IS NULL OR "
            "(half_term_starts_on > starts_on AND half_term_ends_on >= half_term_starts_on"
            " AND half_term_ends_on < ends_on)",
        )


def downgrade():
    with op.batch_alter_table("school_term", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=40), nullable=True))

    bind = op.get_bind()
    term = sa.table(
        "school_term",
        sa.column("id", sa.Integer),
        sa.column("academic_year", sa.Integer),
        sa.column("season", sa.String),
        sa.column("name", sa.String),
    )
    for row in bind.execute(sa.select(term.c.id, term.c.academic_year, term.c.season)).all():
        bind.execute(sa.update(term).where(term.c.id == row.id).values(name=_name(row.season, row.academic_year)))

    with op.batch_alter_table("school_term", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_school_term_half_term_inside"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_school_term_half_term_both_or_neither"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_school_term_academic_year_range"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_school_term_season"), type_="check")
        batch_op.drop_constraint(batch_op.f("uq_school_term_school_id_academic_year_season"), type_="unique")
        batch_op.alter_column("name", existing_type=sa.String(length=40), nullable=False)
        batch_op.drop_column("half_term_ends_on")
        batch_op.drop_column("half_term_starts_on")
        batch_op.drop_column("season")
        batch_op.drop_column("academic_year")
        batch_op.create_unique_constraint(batch_op.f("uq_school_term_school_id_starts_on"), ["school_id", "starts_on"])
