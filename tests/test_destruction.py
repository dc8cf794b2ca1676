"""Retention and destruction of leavers' records (issue 18, point 4): retention per kind of record
and the transfer rule, the sweep's list and task, legal holds, the destruction itself (nothing of
the pupil left in any table, no document bytes, audit rows kept anonymised) and its log."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from sentrack.clock import now
from sentrack.extensions import db
from sentrack.models import (
    AuditEvent,
    Base,
    DestructionLog,
    Duty,
    EhcDocument,
    ImportBatch,
    LegalHold,
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
            to_pupil = any(fk.column.table.name == "pupil" for fk in column.foreign_keys)
            if to_pupil and session.scalar(sa.select(sa.func.count()).select_from(table).where(column == pupil_id)):
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


# --- Retention by kind of record, and the transfer rule ----------------------------------------


def _leaver(session, world, key: str, *, born: date, left_on: date = date(2020, 7, 20)) -> Pupil:
    pupil = world.pupils[key]
    pupil.date_of_birth, pupil.left_on, pupil.leaving_reason = born, left_on, "Moved away"
    session.commit()
    return pupil


def test_an_sen_file_is_kept_to_31_years_and_any_other_record_to_25(session, world):
    assert kept_until(date(2000, 5, 1), sen_file=True) == date(2031, 5, 1)
    assert kept_until(date(2000, 5, 1), sen_file=False) == date(2025, 5, 1)
    assert kept_until(date(2004, 2, 29), sen_file=False) == date(2029, 3, 1)  # never a day short
    sen = _leaver(session, world, "taught", born=date(1996, 1, 15))  # on K: an SEN file, to 2027
    plain = _leaver(session, world, "taught_plain", born=date(2000, 1, 15))  # never on the register, to 2025
    found = retention_of(session, [sen, plain], TODAY)
    assert (found[sen.id].kind, found[sen.id].kept_until, found[sen.id].due) == (
        RecordKind.SEN_FILE,
        date(2027, 1, 15),
        False,
    )
    assert (found[plain.id].kind, found[plain.id].kept_until, found[plain.id].due_because) == (
        RecordKind.PUPIL_RECORD,
        date(2025, 1, 15),
        DueBecause.RETENTION_ENDED,
    )
    assert [r.pupil.id for r in due_or_held(session, world.school, TODAY)] == [plain.id]


def test_the_school_sets_its_own_periods(session, world):
    world.school.sen_file_kept_years, world.school.pupil_record_kept_years = 35, 30
    plain = _leaver(session, world, "taught_plain", born=date(2000, 1, 15))
    assert retention_of(session, [plain], TODAY)[plain.id].kept_until == date(2030, 1, 15)
    assert [(p.kind, p.years, p.default_years) for p in retention_periods(world.school)] == [
        (RecordKind.SEN_FILE, 35, 31),
        (RecordKind.PUPIL_RECORD, 30, 25),
    ]
    assert due_or_held(session, world.school, TODAY) == []


def test_a_pupil_on_the_roll_is_never_due(session, world):
    pupil = world.pupils["taught_plain"]
    pupil.date_of_birth = date(1960, 1, 1)
    session.commit()
    assert retention_of(session, [pupil], TODAY) == {}
    assert due_or_held(session, world.school, TODAY) == []
    with pytest.raises(RuleBroken, match="who has left"):
        destroy_records(session, actor=world.users["senco"], pupil=pupil, today=TODAY)


def _transferred(session, world, pupil: Pupil, status=TransferStatus.CONFIRMED) -> PupilTransfer:
    new = None
    if status is TransferStatus.CONFIRMED:
        new = factories.make_pupil(session, world.sibling, first=pupil.first_name, last=pupil.last_name, year=7)
        new.previous_pupil_id = pupil.id
    transfer = PupilTransfer(
        from_pupil_id=pupil.id,
        to_school_id=world.sibling.id,
        to_pupil_id=new.id if new else None,
        details={},
        status=status,
        decided_at=None if status is TransferStatus.AWAITING else now(),
    )
    session.add(transfer)
    session.commit()
    return transfer


def test_the_sending_school_keeps_the_sen_file_only_until_the_next_school_has_it(session, world):
    pupil = _leaver(session, world, "taught", born=date(2015, 1, 15), left_on=date(2026, 10, 23))
    asked = _transferred(session, world, pupil, TransferStatus.AWAITING)
    assert retention_of(session, [pupil], TODAY)[pupil.id].due is False  # asked for, not yet copied
    asked.status, asked.decided_at = TransferStatus.DECLINED, now()
    session.commit()
    assert retention_of(session, [pupil], TODAY)[pupil.id].due is False  # declined: this school keeps it

    transfer = _transferred(session, world, pupil)
    found = retention_of(session, [pupil], TODAY)[pupil.id]
    assert (found.due_because, found.kept_until) == (DueBecause.TRANSFERRED, transfer.decided_at.date())
    assert [r.due_because for r in due_or_held(session, world.school, TODAY)] == [DueBecause.TRANSFERRED]

    new_id = transfer.to_pupil_id
    log = destroy_records(session, actor=world.users["head"], pupil=pupil, today=TODAY)
    session.commit()
    assert log.reason == DueBecause.TRANSFERRED
    # The receiving school's record stays, with no link back to the record destroyed.
    kept = session.get(Pupil, new_id)
    assert kept is not None and kept.previous_pupil_id is None
    assert session.get(Pupil, pupil.id) is None


# --- Legal holds ------------------------------------------------------------------------------


def test_a_legal_hold_stops_destruction_until_lifted(session, world, built):
    senco, head = world.users["senco"], world.users["head"]
    with pytest.raises(RuleBroken, match="Enter why"):
        place_hold(session, actor=senco, pupil=built.pupil, details="   ")
    hold = place_hold(session, actor=senco, pupil=built.pupil, details="A claim from the family's solicitor")
    session.commit()
    assert [r.hold.id for r in due_or_held(session, world.school, TODAY)] == [hold.id]
    with pytest.raises(RuleBroken, match="legal hold"):
        destroy_records(session, actor=head, pupil=built.pupil, today=TODAY)
    session.rollback()
    with pytest.raises(RuleBroken, match="already stands"):
        place_hold(session, actor=head, pupil=built.pupil, details="Another")
    session.rollback()
    assert session.get(Pupil, built.pupil.id) is not None

    lift_hold(session, actor=head, pupil=built.pupil)
    session.commit()
    actions = session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.pupil_id == built.pupil.id).order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["legal_hold_placed", "legal_hold_lifted"]
    assert (hold.lifted_by_id, hold.placed_by_id) == (head.id, senco.id)
    destroy_records(session, actor=head, pupil=built.pupil, today=TODAY)
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(LegalHold)) == 0


# --- The sweep --------------------------------------------------------------------------------


def _destruction_tasks(session) -> list[Task]:
    return list(
        session.scalars(
            sa.select(Task)
            .join(Duty, Duty.id == Task.duty_id)
            .where(Duty.code == "senco_approves_destruction")
            .order_by(Task.id)
        )
    )


def test_the_sweep_asks_the_senco_and_the_task_follows_the_record(session, world):
    plain = _leaver(session, world, "taught_plain", born=date(2000, 1, 15))
    kept = _leaver(session, world, "taught", born=date(2010, 1, 15))
    run_sweep(session, TODAY, codes=["senco_approves_destruction"])
    session.commit()
    (task,) = _destruction_tasks(session)
    assert (task.pupil_id, task.assigned_to_id, task.status) == (plain.id, world.users["senco"].id, TaskStatus.OPEN)
    assert task.due_on == date(2025, 1, 16) + timedelta(days=28)
    assert kept.id not in {t.pupil_id for t in _destruction_tasks(session)}
    run_sweep(session, TODAY, codes=["senco_approves_destruction"])  # a second sweep makes none again
    assert len(_destruction_tasks(session)) == 1

    # Held: the task closes as no longer needed; lifted, the next sweep asks again.
    place_hold(session, actor=world.users["head"], pupil=plain, details="An inquiry")
    run_sweep(session, TODAY, codes=["senco_approves_destruction"])
    session.commit()
    session.refresh(task)
    assert task.status == TaskStatus.CANCELLED and "legal hold" in task.note
    lift_hold(session, actor=world.users["head"], pupil=plain)
    run_sweep(session, TODAY, codes=["senco_approves_destruction"])
    session.commit()
    assert [t.status for t in _destruction_tasks(session)] == [TaskStatus.CANCELLED, TaskStatus.OPEN]

    # Destroyed: the tasks about the pupil go with the record.
    destroy_records(session, actor=world.users["senco"], pupil=plain, today=TODAY)
    session.commit()
    assert _destruction_tasks(session) == []


# --- The pages --------------------------------------------------------------------------------


def test_the_senco_lists_confirms_and_destroys(client, login, session, world, built):
    senco = world.users["senco"]
    login(senco)
    home = client.page("/")
    assert "1 leaver's record is due for destruction" in home.text()
    listed = client.page("/retention")
    assert listed.table("Due for destruction (1)")[0][:3] == [f"{LAST}, {FIRST}", built.upn, "SEN file"]
    assert f"/pupils/{built.public_id}/retention" in client.page(f"/pupils/{built.public_id}").links()
    confirm = client.page(f"/pupils/{built.public_id}/retention")
    assert confirm.summary()["Record"] == "SEN file"
    counts = dict(tuple(row) for row in confirm.table("Rows by kind of record"))
    assert counts[BY_NAME["ehc_document"].label] == "1"
    assert counts[BY_NAME["pupil"].label] == "1"

    client.sends_submission_tokens = False
    token = confirm.submission_token(f"/pupils/{built.public_id}/destroy")
    first = client.post(f"/pupils/{built.public_id}/destroy", data={"submission_token": token})
    second = client.post(f"/pupils/{built.public_id}/destroy", data={"submission_token": token})
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"] == "/retention"
    assert session.scalar(sa.select(sa.func.count()).select_from(DestructionLog)) == 1
    assert session.get(Pupil, built.pupil.id) is None

    log = client.page("/retention/log")
    (row,) = log.table("Destructions")
    assert row[1:3] == ["SEN file", "Retention period ended"]
    assert senco.full_name in row[5] and FIRST not in log.text() and built.upn not in log.text()
    assert client.get(f"/pupils/{built.public_id}/retention").status_code == 404


def test_a_hold_is_placed_with_its_reason_once_and_lifted_on_the_page(client, login, session, world, built):
    login(world.users["head"])
    url = f"/pupils/{built.public_id}/hold"
    blank = client.post_page(url, data={"reason": "  "})
    assert blank.field_error("reason") == "Enter why the records are held"
    long = client.post_page(url, data={"reason": "x" * 2001})
    assert "2000 characters" in long.field_error("reason")
    assert session.scalar(sa.select(sa.func.count()).where(LegalHold.lifted_at.is_(None))) == 0

    first = client.post(url, data={"reason": "A claim"})
    assert first.status_code == 302
    again = client.post_page(url, data={"reason": "A claim"})  # a double click: refused by the rule
    assert "already stands" in again.text()
    assert session.scalar(sa.select(sa.func.count()).where(LegalHold.lifted_at.is_(None))) == 1
    page = client.page(f"/pupils/{built.public_id}/retention")
    assert page.summary()["Legal hold"] == "A claim"
    assert "Destroy these records" not in page.buttons()
    refused = client.post(f"/pupils/{built.public_id}/destroy", data={})
    assert refused.status_code == 302 and session.get(Pupil, built.pupil.id) is not None

    lifted = client.post(f"/pupils/{built.public_id}/hold/lift", data={})
    assert lifted.status_code == 302
    assert session.scalar(sa.select(sa.func.count()).where(LegalHold.lifted_at.is_(None))) == 0


@pytest.mark.parametrize("role", ["teacher", "ta", "governor", "admin", "la"])
def test_roles_without_the_ability_are_refused(client, login, world, built, role):
    login(world.users[role])
    assert client.get(f"/pupils/{built.public_id}/retention").status_code == 403
    assert client.post(f"/pupils/{built.public_id}/destroy", data={}).status_code == 403
    assert client.get("/retention").status_code == 403
    assert db.session.get(Pupil, built.pupil.id) is not None


def test_another_schools_leaver_is_not_found(client, login, session, world, built):
    login(world.users["foreign_senco"])
    assert client.get(f"/pupils/{built.public_id}/retention").status_code == 404
    assert client.post(f"/pupils/{built.public_id}/destroy", data={}).status_code == 404
    assert client.post(f"/pupils/{built.public_id}/hold", data={"reason": "x"}).status_code == 404
    assert session.get(Pupil, built.pupil.id) is not None
    assert built.upn not in client.page("/retention").text()


# --- The privacy notice -----------------------------------------------------------------------


def test_the_privacy_notice_shows_the_school_s_periods_from_the_one_definition(client, login, session, world):
    anonymous = client.page("/privacy")
    periods = {row[0]: row[2] for row in anonymous.table("How long records are kept")}
    assert periods["SEN file"] == "Date of birth plus 31 years"
    assert periods["Pupil record"] == "Date of birth plus 25 years"
    assert "Legal hold" in periods and "Destruction log" in periods
    assert "second factors" in anonymous.text() and "subject access requests" in anonymous.text()
    assert "Adapting this notice" not in anonymous.text()

    world.school.sen_file_kept_years = 40
    session.commit()
    login(world.users["senco"])
    page = client.page("/privacy")
    assert {row[0]: row[2] for row in page.table("How long records are kept")}["SEN file"] == (
        "Date of birth plus 40 years"
    )
    assert "Adapting this notice for your school" in page.text()
    login(world.users["teacher"])
    assert "Adapting this notice" not in client.page("/privacy").text()
