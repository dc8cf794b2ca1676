"""Retention and destruction of leavers' records (issue 18, point 4): retention per kind of record
and the transfer rule, the sweep's list and task, legal holds, the destruction itself (nothing of
the pupil left in any table, no document bytes, audit rows kept anonymised) and its log."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from sentrack.extensions import db
from sentrack.models import (
    AuditEvent,
    Base,
    DestructionLog,
    Duty,
    EhcDocument,
    ImportBatch,
    LegalHold,
    Provision,
    Pupil,
    PupilTransfer,
    Task,
    TaskStatus,
    TransferStatus,
)
from sentrack.workflows import RuleBroken
from sentrack.workflows.destruction import AUDIT_KEPT, destroy_records, lift_hold, place_hold, what_goes
from sentrack.workflows.pupil_data import BY_NAME, PUPIL_TABLES
from sentrack.workflows.retention import (
    DueBecause,
    RecordKind,
    due_or_held,
    kept_until,
    retention_of,
    retention_periods,
)
from sentrack.workflows.sweep import run_sweep
from tests import factories
from tests.pupil_records import DOCUMENT_BYTES, FIRST, LAST, pupil_with_every_record, records_missing

TODAY = date(2026, 11, 27)


def _text_columns(table: sa.Table) -> list[sa.Column]:
    return [c for c in table.columns if isinstance(c.type, sa.String | sa.Text | sa.JSON)]


def _traces(session, pupil_id: int, public_id: str, marks: list[str]) -> list[str]:
    """Every row of every table of the models that still points at the pupil (a foreign key to
    pupil, a polymorphic id naming the pupil's table) or holds one of `marks` in a text column."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "pupil" for fk in column.foreign_keys):
                if session.execute(sa.select(sa.func.count()).select_from(table).where(column == pupil_id)).scalar():
                    found.append(f"{table.name}.{column.name} = pupil id")
        types = [c for c in table.columns if c.name in ("subject_type", "object_type", "record_type")]
        for kind in types:
            ident = table.c[kind.name.replace("_type", "_id")]
            named = sa.and_(kind == "pupil", sa.cast(ident, sa.String) == str(pupil_id))
            if session.execute(sa.select(sa.func.count()).select_from(table).where(named)).scalar():
                found.append(f"{table.name}.{kind.name} names the pupil")
        for column in _text_columns(table):
            text = sa.cast(column, sa.Text)
            for mark in [*marks, public_id]:
                if session.execute(sa.select(sa.func.count()).select_from(table).where(text.contains(mark))).scalar():
                    found.append(f"{table.name}.{column.name} holds {mark!r}")
    return found


@pytest.fixture
def built(session, world):
    made = pupil_with_every_record(session, world)
    session.commit()
    return made


def test_the_pupil_has_a_row_in_every_table_of_the_registry(session, built):
    assert records_missing(session, built.pupil.id) == []


def test_destruction_leaves_nothing_of_the_pupil_and_logs_what_went(session, world, built):
    pupil = built.pupil
    other = world.pupils["taught"]
    other_rows = {e.name: len(session.execute(e.rows_of(other.id)).all()) for e in PUPIL_TABLES}
    expected = what_goes(session, pupil)
    audit_rows = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    about_pupil = session.scalar(sa.select(sa.func.count()).where(AuditEvent.pupil_id == pupil.id))
    assert _traces(session, pupil.id, built.public_id, [FIRST, LAST, built.upn])  # the scan finds them first

    log = destroy_records(session, actor=world.users["senco"], pupil=pupil, today=TODAY)
    session.commit()

    assert _traces(session, pupil.id, built.public_id, [FIRST, LAST, built.upn]) == []
    assert session.scalar(sa.select(sa.func.count()).select_from(EhcDocument)) == 0
    assert not session.scalar(
        sa.select(sa.func.count()).select_from(EhcDocument).where(EhcDocument.content == DOCUMENT_BYTES)
    )
    # The other pupil's records are untouched.
    assert {e.name: len(session.execute(e.rows_of(other.id)).all()) for e in PUPIL_TABLES} == other_rows
    # Audit rows stay (the destruction's own added), without the pupil.
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == audit_rows + 1
    saved = session.get(DestructionLog, log.id)
    assert saved.counts == expected
    assert saved.counts[BY_NAME["pupil"].label] == 1
    assert saved.counts[BY_NAME["ehc_document"].label] == 1
    assert saved.counts[BY_NAME["contact"].label] == 1
    assert saved.counts[AUDIT_KEPT] == about_pupil > 0
    assert saved.record_kind == RecordKind.SEN_FILE
    assert saved.reason == DueBecause.RETENTION_ENDED
    assert saved.approved_by_name == world.users["senco"].full_name
    # The import preview keeps the other child's row only.
    batch = session.scalar(sa.select(ImportBatch))
    assert [row["label"] for row in batch.rows] == ["Other Child"]
