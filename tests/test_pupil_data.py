"""The pupil-data registry accounts for every table: a table holding data about a pupil that is
left out of it (and so out of subject access exports and destruction) fails here."""

from __future__ import annotations

import sqlalchemy as sa

from sentrack.models import Base
from sentrack.workflows import pupil_data
from sentrack.workflows.pupil_data import NOT_PUPIL_DATA, PUPIL_TABLES, left_out, out_of_order, with_path_to_pupil


def test_every_table_of_the_models_is_accounted_for():
    assert left_out(Base.metadata) == []


def test_every_table_reaching_a_pupil_is_pupil_data():
    assert with_path_to_pupil(Base.metadata) <= set(pupil_data.BY_NAME)
    assert not set(pupil_data.BY_NAME) & set(NOT_PUPIL_DATA)
    assert all(reason.strip() for reason in NOT_PUPIL_DATA.values())


def _copy_of_models() -> sa.MetaData:
    metadata = sa.MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    return metadata


def test_a_new_table_holding_pupil_data_left_out_fails():
    metadata = _copy_of_models()
    sa.Table(
        "pupil_note",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pupil_id", sa.ForeignKey("pupil.id")),
    )
    # Reached only through another table: a note's comment.
    sa.Table(
        "pupil_note_comment",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("note_id", sa.ForeignKey("pupil_note.id")),
    )
    problems = left_out(metadata)
    assert "pupil_note: reaches pupil by foreign keys but is not in PUPIL_TABLES" in problems
    assert "pupil_note_comment: reaches pupil by foreign keys but is not in PUPIL_TABLES" in problems


def test_a_new_table_in_neither_list_fails_and_a_dropped_one_too():
    metadata = _copy_of_models()
    sa.Table("school_logo", metadata, sa.Column("id", sa.Integer, primary_key=True))
    metadata.remove(metadata.tables["draft"])
    assert left_out(metadata) == [
        "school_logo: in neither PUPIL_TABLES nor NOT_PUPIL_DATA",
        "draft: no such table",
    ]


def test_the_order_deletes_children_before_parents():
    assert out_of_order() == []
    assert PUPIL_TABLES[-1].name == "pupil"
    swapped = list(PUPIL_TABLES)
    outcome = next(i for i, entry in enumerate(swapped) if entry.name == "outcome")
    cycle = next(i for i, entry in enumerate(swapped) if entry.name == "support_cycle")
    swapped[outcome], swapped[cycle] = swapped[cycle], swapped[outcome]
    assert "outcome refers to support_cycle, listed before it" in out_of_order(swapped)


def test_each_table_selects_one_pupils_rows(session, world):
    """Every entry's query runs on the database and finds nothing of a pupil with no records."""
    pupil = world.pupils["taught_plain"]
    other = world.pupils["taught"]
    for entry in PUPIL_TABLES:
        rows = session.execute(entry.rows_of(pupil.id + other.id + 1000)).all()
        assert rows == [], entry.name
    details = session.execute(pupil_data.BY_NAME["pupil"].rows_of(pupil.id)).all()
    assert [row.id for row in details] == [pupil.id]
    contacts = session.execute(pupil_data.BY_NAME["contact"].rows_of(pupil.id)).all()
    assert contacts and {row.pupil_id for row in contacts} == {pupil.id}
